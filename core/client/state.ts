// The client machine's state record and the small helpers every part of it
// (hunt, pool element, pool user, sessions) shares. One record per stack
// instance; nothing lives at module level.

import { PPID_ASAP } from "../wire/constants.js";
import { newAsapMessage } from "../wire/build.js";
import { encodeAsap } from "../wire/asap.js";
import type { Decoder } from "../wire/decoder.js";
import type { Writer } from "../wire/writer.js";
import type { AsapMessage, PoolElement, Transport } from "../wire/types.js";
import type { RegistrationMeta } from "../handlespace/handlespace.js";
import type { AddressBuffers } from "../handlespace/record.js";
import { pushTransmit } from "../driver/output-queue.js";
import type { ActionQueue, TransmitQueue } from "../driver/output-queue.js";
import type { Handlespace } from "../handlespace/handlespace.js";
import type { RandomSource } from "../handlespace/random.js";
import type { ClientConfig } from "./config.js";
import type { EventQueue } from "./events.js";
import type { Session } from "../session/session.js";

// What an association number is used for (state.kind[number]).
export const KIND_FREE = 0;
/** A hunt connect to a registrar candidate. */
export const KIND_HUNT = 1;
/** The registrar association. */
export const KIND_REGISTRAR = 2;
/** A session (ref = session slot). */
export const KIND_SESSION = 3;
/** Accepted on the ASAP listener: a registrar that may announce itself as the new home. */
export const KIND_ASAP_IN = 4;
/** Closed or aborted by us; everything on it is ignored until it is down. */
export const KIND_DEAD = 5;

/** Listener number of the ASAP listener; session listeners are 1, 2, ... */
export const ASAP_LISTENER = 0;
/** Socket number of the announce socket. */
export const ANNOUNCE_SOCKET = 0;

/** A registrar the hunt may connect to. */
export interface Candidate {
  addresses: string[];
  port: number;
  /** Server id (announces); 0 when not known. */
  identifier: number;
  /** Time of the last announce; -1 for static entries (never forgotten). */
  heard: number;
  /** Hunt round state: CANDIDATE_*. */
  state: number;
  /** Association of the connect in progress, 0 = none. */
  association: number;
}

export const CANDIDATE_UNTRIED = 0;
export const CANDIDATE_CONNECTING = 1;
export const CANDIDATE_FAILED = 2;

/** A request to the registrar (the ASAP message type it sends). */
export interface Request {
  type: number;
  /** Application request id (resolve), 0 for internal ones. */
  id: number;
  handle: Uint8Array;
  identifier: number;
  /** HANDLE_RESOLUTION: items to ask for, 0 = the registrar's default. */
  items: number;
  /** HANDLE_RESOLUTION: cache life of the answer in ms (0 = do not cache). */
  staleMs: number;
  /** HANDLE_RESOLUTION: PEs to hand back. */
  want: number;
  /** Session slot a resolution is for, -1 = none. */
  session: number;
  /** REGISTRATION: the PE (encoded when sent, so it carries the current values). */
  pe: OwnPoolElement | null;
  /** Transmissions so far plus expired queue waits. */
  trials: number;
  deadline: number;
}

/** A PE of this stack instance. */
export interface OwnPoolElement {
  handle: Uint8Array;
  /** What REGISTRATION carries: identifier, life, user transport, policy. */
  element: PoolElement;
  intervalMs: number;
  /** Ref in state.own. */
  ref: number;
  /** PE_NEW, PE_REGISTERED, PE_FAILED: events are sent on changes. */
  status: number;
  /** A queued, not yet sent registration for it. */
  pending: Request | null;
  lastSent: number;
  removed: boolean;
  /** Next PE with the same identifier (another pool) in the identifier index. */
  next: OwnPoolElement | null;
}

export const PE_NEW = 0;
export const PE_REGISTERED = 1;
export const PE_FAILED = 2;

export interface ClientState {
  config: ClientConfig;
  random: RandomSource;
  writer: Writer;
  decoder: Decoder;
  /** Scratch message for encoding. */
  message: AsapMessage;
  transmits: TransmitQueue;
  actions: ActionQueue;
  events: EventQueue;
  started: boolean;
  // Association numbers.
  kind: number[];
  ref: number[];
  freeNumbers: number[];
  nextNumber: number;
  // Registrar hunt and requests.
  candidates: Candidate[];
  registrar: number;
  registrarId: number;
  /** Candidate the registrar association came from (null: a new home that connected to us). */
  current: Candidate | null;
  /** Candidate whose registrar stopped answering: skipped in the next round. */
  suspect: Candidate | null;
  hunting: boolean;
  round: number;
  roundDeadline: number;
  queued: Request[];
  inflight: Request[];
  nextRequestId: number;
  /** Association keep-alive ACKs go to while visiting a pool. */
  ackAssociation: number;
  // Own PEs: an index handlespace (as rsplib's OwnPoolElements) plus records by ref.
  own: Handlespace;
  pes: (OwnPoolElement | undefined)[];
  /** Own PEs by identifier (chained through `next` across pools). */
  byIdentifier: { [identifier: number]: OwnPoolElement | null | undefined };
  // PU cache: the same handlespace code as the registrar's.
  cache: Handlespace;
  refs: number[];
  /** Scratch for cache registrations and reads. */
  meta: RegistrationMeta;
  transport: Transport;
  addressBuffers: AddressBuffers;
  // Sessions.
  sessions: (Session | undefined)[];
  freeSessions: number[];
  sessionCount: number;
  sessionSerial: number;
  sessionDeadline: number;
  sessionsDirty: boolean;
  nextListener: number;
}

/** A fresh even association number for a connect of ours. */
export function newAssociation(S: ClientState, kind: number, ref: number): number {
  let n = S.freeNumbers.pop();
  if (n === undefined) {
    n = S.nextNumber;
    S.nextNumber += 2;
  }
  S.kind[n] = kind;
  S.ref[n] = ref;
  return n;
}

/** After handleAssociationDown: the number may be reused. */
export function freeAssociation(S: ClientState, n: number): void {
  S.kind[n] = KIND_FREE;
  if ((n & 1) === 0) S.freeNumbers.push(n);
}

/**
 * The scratch message, reset to `type` with every parameter absent. Its
 * poolElements list is its own: push into it, never replace it.
 */
export function asapMessage(S: ClientState, type: number): AsapMessage {
  const m = S.message;
  m.type = type;
  m.flags = 0;
  m.poolHandle = null;
  m.poolElements.length = 0;
  m.policy = null;
  m.peIdentifier = null;
  m.serverIdentifier = null;
  m.error = null;
  m.cookie = null;
  m.items = null;
  return m;
}

/** Queues an ASAP message on stream 0 (RFC 5352: control on the data association uses PPID 11). */
export function sendAsap(S: ClientState, association: number, m: AsapMessage): boolean {
  return pushTransmit(S.transmits, association, 0, PPID_ASAP, encodeAsap(S.writer, m));
}

export function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes, 0);
  return copy;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A pool handle given as bytes (copied) or text (UTF-8). */
export function handleBytes(handle: Uint8Array | string): Uint8Array {
  if (typeof handle !== "string") {
    if (!(handle instanceof Uint8Array)) throw new TypeError("pool handle must be a string or Uint8Array");
    return copyBytes(handle);
  }
  const out: number[] = [];
  for (let i = 0; i < handle.length; i++) {
    let c = handle.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < handle.length) {
      c = 0x10000 + ((c - 0xd800) << 10) + (handle.charCodeAt(++i) - 0xdc00);
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** A deep copy of a transport (decoded ones are views into a receive buffer). */
export function copyTransport(t: Transport): Transport {
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < t.addresses.length; i++) addresses.push(copyBytes(t.addresses[i]));
  return { type: t.type, port: t.port, transportUse: t.transportUse, serviceCode: t.serviceCode, addresses: addresses };
}

/** A deep copy of a pool element parameter. */
export function copyPoolElement(pe: PoolElement): PoolElement {
  const p = pe.policy;
  return {
    identifier: pe.identifier,
    homeRegistrarIdentifier: pe.homeRegistrarIdentifier,
    registrationLife: pe.registrationLife,
    userTransport: copyTransport(pe.userTransport),
    policy: {
      type: p.type, weight: p.weight, priority: p.priority, load: p.load, loadDegradation: p.loadDegradation,
      loadDpf: p.loadDpf, weightDpf: p.weightDpf, distance: p.distance,
    },
    asapTransport: pe.asapTransport === null ? null : copyTransport(pe.asapTransport),
  };
}

/** The scratch ref list, at least k long (the handlespace fills up to its length). */
export function scratchRefs(S: ClientState, k: number): number[] {
  const refs = S.refs;
  while (refs.length < k) refs.push(0);
  return refs;
}
