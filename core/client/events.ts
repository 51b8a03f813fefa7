// Application events of the client machine: one fixed-shape record for every
// kind (fields a kind does not use are 0 / null / []), and errors as values.
// Records live in a ring the machine reuses: a polled event and its bytes
// are valid until the next call on the machine (copy what you keep).

import type { PoolElement } from "../wire/types.js";

/** A registrar association is up (registrar: its server id, 0 when unknown). */
export const EVENT_REGISTRAR_UP = 1;
/** The registrar association is gone (a new hunt starts when needed). */
export const EVENT_REGISTRAR_DOWN = 2;
/** ENDPOINT_KEEP_ALIVE with H from another registrar: it is the new home (registrar). */
export const EVENT_HOME_CHANGED = 3;
/** A PE is registered (handle, identifier); sent again only after a failure. */
export const EVENT_REGISTERED = 4;
/** A (re-)registration failed (handle, identifier, error, cause); the PE keeps retrying. */
export const EVENT_REGISTRATION_FAILED = 5;
/** deregisterPoolElement finished (handle, identifier, error). */
export const EVENT_DEREGISTERED = 6;
/** resolve() result (request, handle, poolElements or error/cause). */
export const EVENT_RESOLVED = 7;
/** A PU session is up for the first time (session, identifier of the PE). */
export const EVENT_SESSION_UP = 8;
/** A PE accepted a session (session, listener). */
export const EVENT_SESSION_ACCEPTED = 9;
/** Application data (session, stream, ppid, bytes). */
export const EVENT_DATA = 10;
/** PE side: the PU echoed a cookie (session, bytes). */
export const EVENT_COOKIE_ECHO = 11;
/** PU side: the PE sent a cookie (session, bytes); the session keeps only the latest. */
export const EVENT_COOKIE = 12;
/** A business card arrived (session, handle, poolElements): failover tries these first. */
export const EVENT_BUSINESS_CARD = 13;
/** The session lost its peer and fails over (session, identifier of the lost PE). */
export const EVENT_FAILOVER_NEEDED = 14;
/** Failover done (session, identifier of the new PE, flags FLAG_COOKIE_ECHOED). */
export const EVENT_FAILOVER_COMPLETE = 15;
/** The session is gone (session, error: ERROR_NONE when the peer closed a PE-side session). */
export const EVENT_SESSION_CLOSED = 16;
/** A message the session could not deliver, handed back (session, stream, ppid, bytes). */
export const EVENT_DATA_RETURNED = 17;

/** EVENT_FAILOVER_COMPLETE flags: the latest cookie was echoed to the new PE first. */
export const FLAG_COOKIE_ECHOED = 1;

export const ERROR_NONE = 0;
/** No registrar could be reached (hunt failed, or the request waited too long). */
export const ERROR_NO_REGISTRAR = 1;
/** The registrar did not answer in time, on every trial. */
export const ERROR_TIMEOUT = 2;
/** The registrar does not know the pool (RFC 5354 cause 0x9) or it has no PE. */
export const ERROR_POOL_NOT_FOUND = 3;
/** The registrar refused (`cause` holds the RFC 5354 cause). */
export const ERROR_REJECTED = 4;
/** A local table is full (requests, PEs, sessions, queued messages). */
export const ERROR_LACK_OF_RESOURCES = 5;
/** No PE of the pool could be connected. */
export const ERROR_NO_POOL_ELEMENT = 6;
/** The session or request was closed or cancelled by the application. */
export const ERROR_CLOSED = 7;

export interface ClientEvent {
  kind: number;
  error: number;
  /** RFC 5354 cause from the registrar (ERROR_REJECTED), else 0. */
  cause: number;
  request: number;
  session: number;
  listener: number;
  /** PE identifier. */
  identifier: number;
  /** Registrar server id. */
  registrar: number;
  stream: number;
  ppid: number;
  flags: number;
  handle: Uint8Array | null;
  bytes: Uint8Array | null;
  poolElements: PoolElement[];
}

interface EventRecord extends ClientEvent {
  /** Owned storage for `bytes`, and the last view of it (reused for equal lengths). */
  storage_: Uint8Array;
  view_: Uint8Array;
}

/** A ring of reusable event records that grows (doubling) when an input produces many events. */
export interface EventQueue {
  records_: EventRecord[];
  head_: number;
  count_: number;
  /** The empty poolElements list of events that carry none. */
  none_: PoolElement[];
}

export function createEventQueue(): EventQueue {
  return { records_: [], head_: 0, count_: 0, none_: [] };
}

/** Appends an event of `kind` with every field reset; fill in what the kind uses. */
export function pushEvent(q: EventQueue, kind: number): ClientEvent {
  const records = q.records_;
  const n = records.length;
  if (q.count_ === n) {
    // Full: unroll the ring into order, then add fresh records (all built
    // by the same assignments below, so they share one shape).
    const ordered: EventRecord[] = [];
    for (let i = 0; i < n; i++) ordered.push(records[(q.head_ + i) % n]);
    for (let i = n < 8 ? 8 : n; i > 0; i--) {
      const fresh = { storage_: new Uint8Array(0) } as EventRecord;
      fresh.view_ = fresh.storage_;
      ordered.push(fresh);
    }
    q.records_ = ordered;
    q.head_ = 0;
  }
  const e = q.records_[(q.head_ + q.count_) % q.records_.length];
  q.count_++;
  e.kind = kind;
  e.error = 0;
  e.cause = 0;
  e.request = 0;
  e.session = 0;
  e.listener = -1;
  e.identifier = 0;
  e.registrar = 0;
  e.stream = 0;
  e.ppid = 0;
  e.flags = 0;
  e.handle = null;
  e.bytes = null;
  e.poolElements = q.none_;
  return e;
}

/** Copies `bytes` into the event's own storage (reused while big enough). */
export function setEventBytes(event: ClientEvent, bytes: Uint8Array): void {
  const e = event as EventRecord;
  const length = bytes.length;
  if (e.storage_.length < length) e.storage_ = new Uint8Array(length < 64 ? 64 : length * 2);
  e.storage_.set(bytes, 0);
  if (e.view_.length !== length || e.view_.buffer !== e.storage_.buffer) e.view_ = e.storage_.subarray(0, length);
  e.bytes = e.view_;
}

export function pollEventQueue(q: EventQueue): ClientEvent | null {
  if (q.count_ === 0) return null;
  const e = q.records_[q.head_];
  q.head_ = (q.head_ + 1) % q.records_.length;
  q.count_--;
  return e;
}
