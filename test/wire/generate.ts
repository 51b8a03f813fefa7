// Seeded generators of valid wire records, for round-trip tests.

import * as W from "../../core/wire/index.js";
import type { AsapMessage, EnrpMessage, Policy, PoolElement, Transport } from "../../core/wire/index.js";

/** xorshift32: deterministic, seedable. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  /** 0 <= n < limit */
  below(limit: number): number {
    return this.next() % limit;
  }
  u32(): number {
    return this.next();
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)];
  }
}

export const TRANSPORT_TYPES = [
  W.PARAM_DCCP_TRANSPORT,
  W.PARAM_SCTP_TRANSPORT,
  W.PARAM_TCP_TRANSPORT,
  W.PARAM_UDP_TRANSPORT,
  W.PARAM_UDP_LITE_TRANSPORT,
] as const;

export const POLICY_TYPES = [
  W.POLICY_ROUND_ROBIN,
  W.POLICY_WEIGHTED_ROUND_ROBIN,
  W.POLICY_RANDOM,
  W.POLICY_WEIGHTED_RANDOM,
  W.POLICY_PRIORITY,
  W.POLICY_LEAST_USED,
  W.POLICY_LEAST_USED_DEGRADATION,
  W.POLICY_PRIORITY_LEAST_USED,
  W.POLICY_RANDOMIZED_LEAST_USED,
  W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  W.POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  W.POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
  W.POLICY_WEIGHTED_RANDOM_DPF,
  W.POLICY_LEAST_USED_DPF,
  W.POLICY_LEAST_USED_DEGRADATION_DPF,
  W.POLICY_PRIORITY_LEAST_USED_DPF,
  W.POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
] as const;

export function randomAddress(r: Rng): Uint8Array {
  return r.bytes(r.below(2) === 0 ? 4 : 16);
}

export function randomTransport(r: Rng, type: number = r.pick(TRANSPORT_TYPES)): Transport {
  const count = type === W.PARAM_SCTP_TRANSPORT ? 1 + r.below(4) : 1;
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < count; i++) addresses.push(randomAddress(r));
  const use = type === W.PARAM_SCTP_TRANSPORT || type === W.PARAM_TCP_TRANSPORT ? r.below(2) : 0;
  const t = W.newTransport(type, r.below(65536), use, addresses);
  if (type === W.PARAM_DCCP_TRANSPORT) t.serviceCode = r.u32();
  return t;
}

/** A policy of `type` whose fields are random where the type carries them and 0 elsewhere. */
export function randomPolicy(r: Rng, type: number = r.pick(POLICY_TYPES)): Policy {
  const p = W.newPolicy(type);
  switch (type) {
    case W.POLICY_WEIGHTED_ROUND_ROBIN:
    case W.POLICY_WEIGHTED_RANDOM:
      p.weight = r.u32();
      break;
    case W.POLICY_PRIORITY:
      p.priority = r.u32();
      break;
    case W.POLICY_LEAST_USED:
    case W.POLICY_RANDOMIZED_LEAST_USED:
      p.load = r.u32();
      break;
    case W.POLICY_LEAST_USED_DEGRADATION:
    case W.POLICY_PRIORITY_LEAST_USED:
    case W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
    case W.POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
    case W.POLICY_PRIORITY_LEAST_USED_DEGRADATION:
    case W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      p.load = r.u32();
      p.loadDegradation = r.u32();
      break;
    case W.POLICY_WEIGHTED_RANDOM_DPF:
      p.weight = r.u32();
      p.weightDpf = r.u32();
      p.distance = r.u32();
      break;
    case W.POLICY_LEAST_USED_DPF:
      p.load = r.u32();
      p.loadDpf = r.u32();
      p.distance = r.u32();
      break;
    default:
      if (type !== W.POLICY_ROUND_ROBIN && type !== W.POLICY_RANDOM) {
        p.load = r.u32();
        p.loadDegradation = r.u32();
        p.loadDpf = r.u32();
        p.distance = r.u32();
      }
  }
  return p;
}

export function randomPoolElement(r: Rng, withAsapTransport: boolean): PoolElement {
  const life = r.below(4) === 0 ? -1 : r.u32() | 0;
  return W.newPoolElement(
    r.u32(),
    r.u32(),
    life,
    randomTransport(r),
    randomPolicy(r),
    withAsapTransport ? randomTransport(r, W.PARAM_SCTP_TRANSPORT) : null
  );
}

export function randomHandle(r: Rng): Uint8Array {
  return r.bytes(1 + r.below(40));
}

/** A cause whose info is canonical (what the encoder writes back unchanged). */
export function randomCause(r: Rng, code: number = r.below(11)): W.ErrorCause {
  switch (code) {
    case W.CAUSE_UNRECOGNIZED_PARAMETER: {
      const value = r.bytes(r.below(9));
      const tlv = new Uint8Array(4 + value.length);
      tlv.set([0xc0 | r.below(64), r.below(256), 0, tlv.length]);
      tlv.set(value, 4);
      const c = W.newErrorCause(code, tlv);
      c.parameter = W.newRawParameter((tlv[0] << 8) | tlv[1], tlv.subarray(4));
      return c;
    }
    case W.CAUSE_UNRECOGNIZED_MESSAGE: {
      // An ASAP message of a type nobody knows, holding 0-2 pool handles.
      const handles = r.below(3);
      const msg = new Uint8Array(4 + 8 * handles);
      msg.set([0x40 + r.below(64), r.below(256), 0, msg.length]);
      for (let i = 0; i < handles; i++) msg.set([0, 9, 0, 8, r.below(256), r.below(256), r.below(256), r.below(256)], 4 + 8 * i);
      const c = W.newErrorCause(code, msg);
      c.messageType = msg[0];
      c.messageFlags = msg[1];
      return c;
    }
    case W.CAUSE_INCONSISTENT_POLICY: {
      const c = W.newErrorCause(code, new Uint8Array(0));
      c.policy = randomPolicy(r);
      return canonicalCause(c);
    }
    case W.CAUSE_INCONSISTENT_TRANSPORT:
    case W.CAUSE_INVALID_VALUES: {
      const c = W.newErrorCause(code, new Uint8Array(0));
      c.transport = randomTransport(r);
      return canonicalCause(c);
    }
  }
  return W.newErrorCause(code, new Uint8Array(0));
}

/**
 * Fills info and parameter of a cause given by its policy or transport, as
 * a decoder would: info is the parameter TLV the encoder writes for it.
 */
export function canonicalCause(c: W.ErrorCause): W.ErrorCause {
  const bytes = W.encodeAsap(W.createWriter(64), (() => {
    const m = W.newAsapMessage(W.ASAP_ERROR);
    m.error = W.newOperationError([c]);
    return m;
  })());
  // Message header, Operation Error header, cause header: the TLV starts at 12.
  const length = (bytes[14] << 8) | bytes[15];
  const tlv = bytes.slice(12, 12 + length);
  c.info = tlv;
  c.parameter = W.newRawParameter((tlv[0] << 8) | tlv[1], tlv.subarray(4));
  return c;
}

export function randomOperationError(r: Rng): W.OperationError {
  const causes: W.ErrorCause[] = [];
  const n = 1 + r.below(3);
  for (let i = 0; i < n; i++) causes.push(randomCause(r));
  return W.newOperationError(causes);
}

export function randomAsap(r: Rng, type: number): AsapMessage {
  const m = W.newAsapMessage(type);
  switch (type) {
    case W.ASAP_REGISTRATION:
      m.poolHandle = randomHandle(r);
      m.poolElements.push(randomPoolElement(r, false));
      break;
    case W.ASAP_DEREGISTRATION:
    case W.ASAP_ENDPOINT_KEEP_ALIVE_ACK:
    case W.ASAP_ENDPOINT_UNREACHABLE:
      m.poolHandle = randomHandle(r);
      m.peIdentifier = r.u32();
      break;
    case W.ASAP_REGISTRATION_RESPONSE:
    case W.ASAP_DEREGISTRATION_RESPONSE:
      m.flags = type === W.ASAP_REGISTRATION_RESPONSE ? r.below(2) : 0;
      m.poolHandle = randomHandle(r);
      m.peIdentifier = r.u32();
      if (r.below(2)) m.error = randomOperationError(r);
      break;
    case W.ASAP_HANDLE_RESOLUTION:
      m.poolHandle = randomHandle(r);
      if (r.below(2)) m.items = r.below(2) ? W.ITEMS_ALL : r.below(200);
      break;
    case W.ASAP_HANDLE_RESOLUTION_RESPONSE:
    case W.ASAP_BUSINESS_CARD: {
      m.poolHandle = randomHandle(r);
      if (r.below(2)) m.policy = randomPolicy(r);
      const n = (type === W.ASAP_BUSINESS_CARD ? 1 : 0) + r.below(5);
      for (let i = 0; i < n; i++) m.poolElements.push(randomPoolElement(r, false));
      if (type === W.ASAP_HANDLE_RESOLUTION_RESPONSE && r.below(3) === 0) m.error = randomOperationError(r);
      break;
    }
    case W.ASAP_ENDPOINT_KEEP_ALIVE:
      m.flags = r.below(2);
      m.serverIdentifier = r.u32();
      m.poolHandle = randomHandle(r);
      if (r.below(2)) m.peIdentifier = r.u32();
      break;
    case W.ASAP_SERVER_ANNOUNCE: {
      m.serverIdentifier = r.u32();
      const n = r.below(4);
      for (let i = 0; i < n; i++) m.transports.push(randomTransport(r));
      break;
    }
    case W.ASAP_COOKIE:
    case W.ASAP_COOKIE_ECHO:
      m.cookie = r.bytes(1 + r.below(64));
      break;
    case W.ASAP_ERROR:
      m.error = randomOperationError(r);
      break;
  }
  return m;
}

export function randomEnrp(r: Rng, type: number): EnrpMessage {
  const m = W.newEnrpMessage(type);
  m.senderServerIdentifier = r.u32();
  m.receiverServerIdentifier = r.u32();
  switch (type) {
    case W.ENRP_PRESENCE:
      m.flags = r.below(2);
      m.checksum = r.below(65536);
      if (r.below(2)) m.serverInformation = W.newServerInformation(r.u32(), randomTransport(r, W.PARAM_SCTP_TRANSPORT));
      break;
    case W.ENRP_HANDLE_TABLE_REQUEST:
      m.flags = r.below(2);
      break;
    case W.ENRP_HANDLE_TABLE_RESPONSE: {
      m.flags = r.below(4);
      const n = r.below(4);
      for (let i = 0; i < n; i++) {
        const pes: PoolElement[] = [];
        const k = 1 + r.below(3);
        for (let j = 0; j < k; j++) pes.push(randomPoolElement(r, true));
        m.poolEntries.push(W.newPoolEntry(randomHandle(r), pes));
      }
      break;
    }
    case W.ENRP_HANDLE_UPDATE:
      m.flags = r.below(2);
      m.updateAction = r.below(2);
      m.poolHandle = randomHandle(r);
      m.poolElement = randomPoolElement(r, true);
      break;
    case W.ENRP_LIST_RESPONSE: {
      m.flags = r.below(2);
      const n = r.below(4);
      for (let i = 0; i < n; i++) m.serverInformations.push(W.newServerInformation(r.u32(), randomTransport(r, W.PARAM_SCTP_TRANSPORT)));
      break;
    }
    case W.ENRP_INIT_TAKEOVER:
    case W.ENRP_INIT_TAKEOVER_ACK:
    case W.ENRP_TAKEOVER_SERVER:
      m.targetServerIdentifier = r.u32();
      break;
    case W.ENRP_ERROR:
      m.error = randomOperationError(r);
      break;
  }
  return m;
}

export const ASAP_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
export const ENRP_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
