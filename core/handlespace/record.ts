// Reusable wire records the handlespace fills from a stored PE without
// allocating (handle-resolution responses, ENRP handle tables and updates).
// The records come from the codec's own constructors (one shape per kind).
import { newPolicy, newPoolElement, newTransport } from "../wire/build.js";
import type { PoolElement, Transport } from "../wire/types.js";

/** Address buffers a record reuses: IPv4 and IPv6 views, grown on demand. */
export interface AddressBuffers {
  v4: Uint8Array[];
  v6: Uint8Array[];
}

/**
 * A PoolElement the handlespace can fill again and again. Hand `element` to
 * the codec; `element.asapTransport` is `asap` when the PE has an ASAP
 * transport, else null. Address views belong to the record: the next fill
 * overwrites them.
 */
export interface PoolElementRecord {
  element: PoolElement;
  asap_: Transport;
  userBuffers_: AddressBuffers;
  asapBuffers_: AddressBuffers;
}

export function newPoolElementRecord(): PoolElementRecord {
  const element = newPoolElement(0, 0, 0, newTransport(0, 0, 0, []), newPolicy(0), null);
  return {
    element: element,
    asap_: newTransport(0, 0, 0, []),
    userBuffers_: { v4: [], v6: [] },
    asapBuffers_: { v4: [], v6: [] },
  };
}

/** The i-th reusable address view of the given length (4 or 16). */
export function addressBuffer(buffers: AddressBuffers, i: number, length: number): Uint8Array {
  const list = length === 4 ? buffers.v4 : buffers.v6;
  while (list.length <= i) list.push(new Uint8Array(length));
  return list[i];
}
