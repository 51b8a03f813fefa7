// The client machine's state record and the small helpers every part of it
// (hunt, pool element, pool user, sessions) shares. One record per stack
// instance; nothing lives at module level.

import { PPID_ASAP } from "../wire/constants.js";
import type { Decoder } from "../wire/decoder.js";
import type { Writer } from "../wire/writer.js";
import type { AsapMessage, PoolElement, Transport } from "../wire/types.js";
import type { RegistrationMeta } from "../handlespace/handlespace.js";
import type { AddressBuffers } from "../handlespace/record.js";
import type { ActionQueue, TransmitQueue } from "../driver/output-queue.js";
import type { Handlespace } from "../handlespace/handlespace.js";
import type { RandomSource } from "../handlespace/random.js";
import type { ClientConfig } from "./config.js";
import type { EventQueue } from "./events.js";
import type { Session } from "../session/session.js";
import { encodeAsap, newPolicy, newTransport, pushTransmit } from "./shared.js";

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
  addresses_: string[];
  port_: number;
  /** Server id (announces); 0 when not known. */
  identifier_: number;
  /** Time of the last announce; -1 for static entries (never forgotten). */
  heard_: number;
  /** Hunt round state: CANDIDATE_*. */
  state_: number;
  /** Association of the connect in progress, 0 = none. */
  association_: number;
}

export const CANDIDATE_UNTRIED = 0;
export const CANDIDATE_CONNECTING = 1;
export const CANDIDATE_FAILED = 2;

/** A request to the registrar (the ASAP message type it sends). */
export interface Request {
  type_: number;
  /** Application request id (resolve), 0 for internal ones. */
  id_: number;
  handle_: Uint8Array;
  identifier_: number;
  /** HANDLE_RESOLUTION: items to ask for, 0 = the registrar's default. */
  items_: number;
  /** HANDLE_RESOLUTION: cache life of the answer in ms (0 = do not cache). */
  staleMs_: number;
  /** HANDLE_RESOLUTION: PEs to hand back. */
  want_: number;
  /** Session slot a resolution is for, -1 = none. */
  session_: number;
  /** REGISTRATION: the PE (encoded when sent, so it carries the current values). */
  pe_: OwnPoolElement | null;
  /** Transmissions so far plus expired queue waits. */
  trials_: number;
  deadline_: number;
}

/** A PE of this stack instance. */
export interface OwnPoolElement {
  handle_: Uint8Array;
  /** What REGISTRATION carries: identifier, life, user transport, policy. */
  element_: PoolElement;
  intervalMs_: number;
  /** Ref in state.own. */
  ref_: number;
  /** PE_NEW, PE_REGISTERED, PE_FAILED: events are sent on changes. */
  status_: number;
  /** A queued, not yet sent registration for it. */
  pending_: Request | null;
  lastSent_: number;
  removed_: boolean;
  /** Next PE with the same identifier (another pool) in the identifier index. */
  next_: OwnPoolElement | null;
}

export const PE_NEW = 0;
export const PE_REGISTERED = 1;
export const PE_FAILED = 2;

export interface ClientState {
  config_: ClientConfig;
  random_: RandomSource;
  writer_: Writer;
  decoder_: Decoder;
  /** Scratch message for encoding. */
  message_: AsapMessage;
  transmits_: TransmitQueue;
  actions_: ActionQueue;
  events_: EventQueue;
  // Association numbers.
  kind_: number[];
  ref_: number[];
  freeNumbers_: number[];
  nextNumber_: number;
  // Registrar hunt and requests.
  candidates_: Candidate[];
  registrar_: number;
  registrarId_: number;
  /** Candidate the registrar association came from (null: a new home that connected to us). */
  current_: Candidate | null;
  /** Candidate whose registrar stopped answering: skipped in the next round. */
  suspect_: Candidate | null;
  hunting_: boolean;
  round_: number;
  roundDeadline_: number;
  queued_: Request[];
  inflight_: Request[];
  nextRequestId_: number;
  /** Association keep-alive ACKs go to while visiting a pool. */
  ackAssociation_: number;
  // Own PEs: an index handlespace (as rsplib's OwnPoolElements) plus records by ref.
  own_: Handlespace;
  pes_: (OwnPoolElement | undefined)[];
  /** Own PEs by identifier (chained through `next` across pools). */
  byIdentifier_: { [identifier: number]: OwnPoolElement | null | undefined };
  // PU cache: the same handlespace code as the registrar's.
  cache_: Handlespace;
  refs_: number[];
  /** Scratch for cache registrations and reads. */
  meta_: RegistrationMeta;
  transport_: Transport;
  addressBuffers_: AddressBuffers;
  // Sessions.
  sessions_: (Session | undefined)[];
  freeSessions_: number[];
  sessionCount_: number;
  sessionSerial_: number;
  sessionDeadline_: number;
  sessionsDirty_: boolean;
  nextListener_: number;
}

/** A fresh even association number for a connect of ours. */
export function newAssociation(S: ClientState, kind: number, ref: number): number {
  let n = S.freeNumbers_.pop();
  if (n === undefined) {
    n = S.nextNumber_;
    S.nextNumber_ += 2;
  }
  S.kind_[n] = kind;
  S.ref_[n] = ref;
  return n;
}

/** After handleAssociationDown: the number may be reused. */
export function freeAssociation(S: ClientState, n: number): void {
  S.kind_[n] = KIND_FREE;
  if ((n & 1) === 0) S.freeNumbers_.push(n);
}

/**
 * The scratch message, reset to `type` with every parameter absent. Its
 * poolElements list is its own: push into it, never replace it.
 */
export function asapMessage(S: ClientState, type: number): AsapMessage {
  const m = S.message_;
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
  return pushTransmit(S.transmits_, association, 0, PPID_ASAP, encodeAsap(S.writer_, m));
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

/**
 * A pool handle given as bytes (copied) or as text of one byte per character
 * (Latin-1; pass UTF-8 bytes for other text).
 */
export function handleBytes(handle: Uint8Array | string): Uint8Array {
  if (typeof handle !== "string") {
    if (!(handle instanceof Uint8Array)) throw new TypeError("pool handle");
    return copyBytes(handle);
  }
  const out = new Uint8Array(handle.length);
  for (let i = 0; i < handle.length; i++) out[i] = handle.charCodeAt(i);
  return out;
}

/** A deep copy of a transport (decoded ones are views into a receive buffer). */
export function copyTransport(t: Transport): Transport {
  const copy = copyFields(newTransport(0, 0, 0, []), t);
  copy.addresses = t.addresses.map(copyBytes);
  return copy;
}

/** Copies every field of a fixed-shape record (policies) into another of the same shape. */
export function copyFields<T extends object>(to: T, from: T): T {
  for (const k in from) to[k] = from[k];
  return to;
}

/** A deep copy of a pool element parameter. */
export function copyPoolElement(pe: PoolElement): PoolElement {
  return {
    identifier: pe.identifier,
    homeRegistrarIdentifier: pe.homeRegistrarIdentifier,
    registrationLife: pe.registrationLife,
    userTransport: copyTransport(pe.userTransport),
    policy: copyFields(newPolicy(0), pe.policy),
    asapTransport: pe.asapTransport === null ? null : copyTransport(pe.asapTransport),
  };
}

/** The scratch ref list, at least k long (the handlespace fills up to its length). */
export function scratchRefs(S: ClientState, k: number): number[] {
  const refs = S.refs_;
  while (refs.length < k) refs.push(0);
  return refs;
}
