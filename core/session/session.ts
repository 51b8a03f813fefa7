// Sessions, the enhanced mode (RFC 5351 s3-s4, RFC 5352 s3.8-s3.9; rsplib
// rspenhancedmode.c / sessioncontrol.c, rserpool.md s4.5): a PU session is
// an association to a PE of a pool carrying application data and, with
// PPID 11 on the same association, the ASAP control channel (COOKIE,
// COOKIE_ECHO, BUSINESS_CARD).
//
// Failover. When a PU session loses its PE (or the application asks), the
// session connects to another PE: first the PEs of the latest business card
// in its order, then the cache / registrar by the pool's policy. On the new
// association the latest cookie goes first (COOKIE_ECHO), then the messages
// the application sent meanwhile. Messages never vanish: a session that
// cannot fail over hands every queued message back (EVENT_DATA_RETURNED).
// A PE-side session that received a business card (the PU's pool and the
// PEs to reach it by: the seed's "last will") fails over towards that pool
// the same way; without a card it just closes.
//
// The session layer is part of the client machine: the same driver, the
// same association numbers, the same registrar association for resolutions.

import { ASAP_BUSINESS_CARD, ASAP_COOKIE, ASAP_COOKIE_ECHO, ASAP_HANDLE_RESOLUTION, PPID_ASAP } from "../wire/constants.js";
import type { PoolElement, Transport } from "../wire/types.js";
import { DOWN_CLOSED } from "../driver/platform.js";
import {
  ERROR_LACK_OF_RESOURCES,
  ERROR_NO_POOL_ELEMENT,
  EVENT_BUSINESS_CARD,
  EVENT_COOKIE,
  EVENT_COOKIE_ECHO,
  EVENT_DATA,
  EVENT_DATA_RETURNED,
  EVENT_FAILOVER_COMPLETE,
  EVENT_FAILOVER_NEEDED,
  EVENT_SESSION_ACCEPTED,
  EVENT_SESSION_CLOSED,
  EVENT_SESSION_UP,
  FLAG_COOKIE_ECHOED,
  pushEvent,
  setEventBytes,
} from "../client/events.js";
import { earliest, queueRequest } from "../client/hunt.js";
import { newRequest } from "../client/pool-element.js";
import { reportFailure } from "../client/pool-user.js";
import {
  asapMessage,
  copyBytes,
  copyPoolElement,
  handleBytes,
  KIND_DEAD,
  KIND_SESSION,
  newAssociation,
  scratchRefs,
  sendAsap,
} from "../client/state.js";
import type { ClientState, Request } from "../client/state.js";
import { decodeAsap, formatAddress, pushTransmit, queueAbort, queueClose, queueConnect, queueListen, queueStopListening } from "../client/shared.js";

export const SESSION_FREE = 0;
/** Waiting for the registrar's answer. */
export const SESSION_RESOLVING = 1;
export const SESSION_CONNECTING = 2;
export const SESSION_UP = 3;
/** No PE found: trying again after sessionRetryDelayMs. */
export const SESSION_WAITING = 4;

interface QueuedMessage {
  stream_: number;
  ppid_: number;
  bytes_: Uint8Array;
}

export interface Session {
  id_: number;
  slot_: number;
  state_: number;
  /** This side connects and fails over (a PU, or a PE holding the PU's business card). */
  pu_: boolean;
  association_: number;
  /** Pool to (re)connect to; null for a PE-side session without a card. */
  handle_: Uint8Array | null;
  /** PE at the other end (0 when not known). */
  identifier_: number;
  /** The latest cookie (a view of cookieStorage), or null. */
  cookie_: Uint8Array | null;
  cookieStorage_: Uint8Array;
  /** PEs of the latest business card not tried yet, in its order. */
  card_: PoolElement[];
  queue_: QueuedMessage[];
  deadline_: number;
  attempts_: number;
  /** The registrar was asked during this round of tries. */
  asked_: boolean;
  failover_: boolean;
  /** The PE that was lost (not tried again from a card). */
  lost_: number;
  /** Last resolution error, reported if no PE can be reached. */
  error_: number;
}

export interface ListenOptions {
  /** Local addresses ([] = wildcard). */
  addresses?: string[];
  port: number;
  /** Transport name ("" = the platform's first). */
  transport?: string;
}

function findSession(S: ClientState, id: number): Session | null {
  const s = S.sessions_[id & 0xffff];
  return s !== undefined && s.state_ !== SESSION_FREE && s.id_ === id ? s : null;
}

function newSession(S: ClientState): Session | null {
  if (S.sessionCount_ >= S.config_.maxSessions) return null;
  let slot = S.freeSessions_.pop();
  if (slot === undefined) slot = S.sessions_.length;
  let s = S.sessions_[slot];
  if (s === undefined) {
    // Built by the same assignments as a freed session: one shape.
    s = { id_: 0, slot_: slot, cookieStorage_: new Uint8Array(0), deadline_: -1 } as Session;
    clear(s);
    S.sessions_[slot] = s;
  }
  S.sessionSerial_ = (S.sessionSerial_ % 32767) + 1;
  s.id_ = slot + S.sessionSerial_ * 65536;
  s.state_ = SESSION_CONNECTING;
  S.sessionCount_++;
  return s;
}

function clear(s: Session): void {
  s.state_ = SESSION_FREE;
  s.pu_ = false;
  s.association_ = 0;
  s.handle_ = null;
  s.identifier_ = 0;
  s.cookie_ = null;
  s.card_ = [];
  s.queue_ = [];
  s.attempts_ = 0;
  s.asked_ = false;
  s.failover_ = false;
  s.lost_ = 0;
  s.error_ = 0;
}

function freeSession(S: ClientState, s: Session): void {
  clear(s);
  setDeadline(S, s, -1);
  S.freeSessions_.push(s.slot_);
  S.sessionCount_--;
}

function setDeadline(S: ClientState, s: Session, deadline: number): void {
  if (s.deadline_ !== deadline) S.sessionsDirty_ = true;
  s.deadline_ = deadline;
}

function event(S: ClientState, kind: number, s: Session): void {
  const e = pushEvent(S.events_, kind);
  e.session = s.id_;
  e.identifier = s.identifier_;
}

/** Ends the association of a session without telling it (we abort or close it). */
function release(S: ClientState, s: Session, graceful: boolean): void {
  const n = s.association_;
  if (n === 0) return;
  s.association_ = 0;
  S.kind_[n] = KIND_DEAD;
  if (graceful) queueClose(S.actions_, n);
  else queueAbort(S.actions_, n);
}

/** Hands every queued message back to the application. */
function returnQueued(S: ClientState, s: Session): void {
  const queue = s.queue_;
  s.queue_ = [];
  for (let i = 0; i < queue.length; i++) {
    const e = pushEvent(S.events_, EVENT_DATA_RETURNED);
    e.session = s.id_;
    e.stream = queue[i].stream_;
    e.ppid = queue[i].ppid_;
    setEventBytes(e, queue[i].bytes_);
  }
}

function fail(S: ClientState, s: Session, error: number): void {
  release(S, s, false);
  returnQueued(S, s);
  const e = pushEvent(S.events_, EVENT_SESSION_CLOSED);
  e.session = s.id_;
  e.error = error;
  freeSession(S, s);
}

/** PU: opens a session to a PE of the pool; returns its id (0 when the session table is full). */
export function connect(S: ClientState, now: number, handle: Uint8Array | string): number {
  const h = handleBytes(handle);
  const s = newSession(S);
  if (s === null) return 0;
  s.pu_ = true;
  s.handle_ = h;
  tryNext(S, now, s);
  return s.id_;
}

/** The next PE to try: business card first, then the cache, then ask the registrar. */
function tryNext(S: ClientState, now: number, s: Session): void {
  if (s.attempts_ >= S.config_.sessionMaxAttempts) {
    fail(S, s, s.error_ !== 0 ? s.error_ : ERROR_NO_POOL_ELEMENT);
    return;
  }
  while (s.card_.length > 0) {
    const pe = s.card_.shift() as PoolElement;
    if (pe.identifier !== s.lost_) {
      open(S, now, s, pe.userTransport, pe.identifier);
      return;
    }
  }
  const h = s.handle_ as Uint8Array;
  S.cache_.expire(now, null, null);
  if (S.cache_.resolve(h, 1, scratchRefs(S, 1), 0) > 0) {
    const ref = S.refs_[0];
    S.cache_.readUserTransport(ref, S.transport_, S.addressBuffers_);
    open(S, now, s, S.transport_, S.cache_.getIdentifier(ref));
    return;
  }
  if (!s.asked_) {
    s.asked_ = true;
    s.state_ = SESSION_RESOLVING;
    const r = newRequest(ASAP_HANDLE_RESOLUTION, h, 0);
    r.session_ = s.slot_;
    r.id_ = s.id_;
    r.staleMs_ = S.config_.staleCacheMs;
    if (!queueRequest(S, now, r)) fail(S, s, ERROR_LACK_OF_RESOURCES);
    return;
  }
  // rsplib: no PE found, try again a little later.
  s.attempts_++;
  s.asked_ = false;
  s.state_ = SESSION_WAITING;
  setDeadline(S, s, now + S.config_.sessionRetryDelayMs);
}

function open(S: ClientState, now: number, s: Session, t: Transport, identifier: number): void {
  s.attempts_++;
  s.identifier_ = identifier;
  const addresses: string[] = [];
  for (let i = 0; i < t.addresses.length; i++) addresses.push(formatAddress(t.addresses[i]));
  const n = newAssociation(S, KIND_SESSION, s.slot_);
  queueConnect(S.actions_, n, S.config_.sessionTransport, addresses, t.port, [], 0);
  s.association_ = n;
  s.state_ = SESSION_CONNECTING;
  setDeadline(S, s, now + S.config_.sessionConnectTimeoutMs);
}

/** The registrar answered a session's resolution (the cache holds the answer). */
export function sessionResolved(S: ClientState, now: number, r: Request, error: number): void {
  const s = S.sessions_[r.session_];
  if (s === undefined || s.id_ !== r.id_ || s.state_ !== SESSION_RESOLVING) return;
  if (error !== 0) s.error_ = error;
  tryNext(S, now, s);
}

/** Forgets the PE locally, or reports it to the registrar as well. */
function dropPoolElement(S: ClientState, now: number, s: Session, report: boolean): void {
  s.lost_ = s.identifier_;
  if (s.handle_ === null || s.identifier_ === 0) return;
  if (report) reportFailure(S, now, s.handle_, s.identifier_);
  else S.cache_.deregister(s.handle_, s.identifier_);
}

function startFailover(S: ClientState, now: number, s: Session, report: boolean): void {
  event(S, EVENT_FAILOVER_NEEDED, s);
  dropPoolElement(S, now, s, report);
  s.pu_ = true;
  s.failover_ = true;
  s.attempts_ = 0;
  s.asked_ = false;
  s.error_ = 0;
  tryNext(S, now, s);
}

export function sessionUp(S: ClientState, now: number, n: number): void {
  const s = S.sessions_[S.ref_[n]] as Session;
  s.state_ = SESSION_UP;
  setDeadline(S, s, -1);
  let flags = 0;
  if (s.failover_ && s.cookie_ !== null) {
    // RFC 5352 s3.9 (verify): the new PE gets the latest cookie before any data.
    const m = asapMessage(S, ASAP_COOKIE_ECHO);
    m.cookie = s.cookie_;
    sendAsap(S, n, m);
    flags = FLAG_COOKIE_ECHOED;
  }
  const queue = s.queue_;
  let i = 0;
  while (i < queue.length && pushTransmit(S.transmits_, n, queue[i].stream_, queue[i].ppid_, queue[i].bytes_)) i++;
  s.queue_ = queue.slice(i);
  returnQueued(S, s); // only what the transmit queue could not take
  const e = pushEvent(S.events_, s.failover_ ? EVENT_FAILOVER_COMPLETE : EVENT_SESSION_UP);
  e.session = s.id_;
  e.identifier = s.identifier_;
  e.flags = flags;
  s.failover_ = false;
}

export function sessionDown(S: ClientState, now: number, n: number, reason: number): void {
  const s = S.sessions_[S.ref_[n]] as Session;
  s.association_ = 0;
  if (s.state_ === SESSION_CONNECTING) {
    dropPoolElement(S, now, s, false);
    tryNext(S, now, s);
  } else if (s.pu_ || s.handle_ !== null) {
    // A graceful shutdown is not a failure of the PE: do not report it.
    startFailover(S, now, s, reason !== DOWN_CLOSED);
  } else {
    fail(S, s, 0);
  }
}

/** PE side: a PU connected to one of our listeners. */
export function sessionAccepted(S: ClientState, now: number, n: number, listener: number): void {
  const s = newSession(S);
  if (s === null) {
    S.kind_[n] = KIND_DEAD;
    queueAbort(S.actions_, n);
    return;
  }
  S.kind_[n] = KIND_SESSION;
  S.ref_[n] = s.slot_;
  s.association_ = n;
  s.state_ = SESSION_UP;
  const e = pushEvent(S.events_, EVENT_SESSION_ACCEPTED);
  e.session = s.id_;
  e.listener = listener;
}

export function sessionMessage(S: ClientState, now: number, n: number, stream: number, ppid: number, bytes: Uint8Array): void {
  const s = S.sessions_[S.ref_[n]] as Session;
  if (ppid !== PPID_ASAP) {
    const e = pushEvent(S.events_, EVENT_DATA);
    e.session = s.id_;
    e.stream = stream;
    e.ppid = ppid;
    setEventBytes(e, bytes);
    return;
  }
  const m = decodeAsap(S.decoder_, bytes, 0, bytes.length);
  if (m === null) return;
  if (m.type === ASAP_COOKIE || m.type === ASAP_COOKIE_ECHO) {
    const cookie = m.cookie as Uint8Array;
    if (m.type === ASAP_COOKIE) {
      // The PU keeps only the latest cookie (RFC 5352 s3.9).
      if (s.cookieStorage_.length < cookie.length) s.cookieStorage_ = new Uint8Array(cookie.length * 2);
      s.cookieStorage_.set(cookie, 0);
      if (s.cookie_ === null || s.cookie_.length !== cookie.length || s.cookie_.buffer !== s.cookieStorage_.buffer) {
        s.cookie_ = s.cookieStorage_.subarray(0, cookie.length);
      }
    }
    const e = pushEvent(S.events_, m.type === ASAP_COOKIE ? EVENT_COOKIE : EVENT_COOKIE_ECHO);
    e.session = s.id_;
    setEventBytes(e, cookie);
  } else if (m.type === ASAP_BUSINESS_CARD) {
    s.handle_ = copyBytes(m.poolHandle as Uint8Array);
    const card: PoolElement[] = [];
    for (let i = 0; i < m.poolElements.length; i++) card.push(copyPoolElement(m.poolElements[i]));
    s.card_ = card;
    const e = pushEvent(S.events_, EVENT_BUSINESS_CARD);
    e.session = s.id_;
    e.handle = s.handle_;
    e.poolElements = card.slice();
  }
}

/**
 * Sends application data. While the session connects or fails over the
 * message waits in the session (up to maxQueuedMessages). False: not taken
 * (unknown session, PPID 11 is the control channel's, or no room).
 */
export function send(S: ClientState, now: number, id: number, stream: number, ppid: number, bytes: Uint8Array): boolean {
  const s = findSession(S, id);
  if (s === null || ppid === PPID_ASAP) return false;
  if (s.state_ === SESSION_UP) return pushTransmit(S.transmits_, s.association_, stream, ppid, bytes);
  if (s.queue_.length >= S.config_.maxQueuedMessages) return false;
  s.queue_.push({ stream_: stream, ppid_: ppid, bytes_: copyBytes(bytes) });
  return true;
}

/** PE side: sends a cookie (the PU keeps the latest and echoes it after a failover). */
export function sendCookie(S: ClientState, now: number, id: number, bytes: Uint8Array): boolean {
  const s = findSession(S, id);
  if (s === null || s.state_ !== SESSION_UP) return false;
  const m = asapMessage(S, ASAP_COOKIE);
  m.cookie = bytes;
  return sendAsap(S, s.association_, m);
}

/**
 * Sends a BUSINESS_CARD: the pool handle and the PEs to fail over to, in
 * order (null: this stack's own PEs of that pool). False when there is no
 * PE to name or the session is not up.
 */
export function sendBusinessCard(S: ClientState, now: number, id: number, handle: Uint8Array | string,
  poolElements: PoolElement[] | null): boolean {
  const s = findSession(S, id);
  if (s === null || s.state_ !== SESSION_UP) return false;
  const m = asapMessage(S, ASAP_BUSINESS_CARD);
  m.poolHandle = handleBytes(handle);
  if (poolElements !== null) {
    for (let i = 0; i < poolElements.length; i++) m.poolElements.push(poolElements[i]);
  } else {
    const pool = S.own_.findPool(m.poolHandle);
    if (pool >= 0) S.own_.forEachInPool(pool, addOwnElement, S);
  }
  return m.poolElements.length > 0 && sendAsap(S, s.association_, m);
}

function addOwnElement(S: ClientState, ref: number): void {
  const pe = S.pes_[ref];
  if (pe !== undefined) S.message_.poolElements.push(pe.element_);
}

/** Fails over now (rsplib rsp_forcefailover); reportUnreachable also tells the registrar. */
export function failover(S: ClientState, now: number, id: number, reportUnreachable: boolean): boolean {
  const s = findSession(S, id);
  if (s === null || s.handle_ === null || s.state_ === SESSION_RESOLVING || s.state_ === SESSION_WAITING) return false;
  release(S, s, false);
  startFailover(S, now, s, reportUnreachable);
  return true;
}

/** Closes a session (graceful shutdown); unsent messages come back as EVENT_DATA_RETURNED. */
export function close(S: ClientState, now: number, id: number): boolean {
  const s = findSession(S, id);
  if (s === null) return false;
  release(S, s, true);
  returnQueued(S, s);
  freeSession(S, s);
  return true;
}

/** PE side: accepts sessions on a local transport address; returns the listener number. */
export function listen(S: ClientState, now: number, o: ListenOptions): number {
  if (o === null || typeof o !== "object" || !(o.port > 0 && o.port < 65536)) throw new TypeError("listen needs a port");
  const listener = S.nextListener_++;
  queueListen(S.actions_, listener, o.transport || "", o.addresses || [], o.port);
  return listener;
}

export function stopListening(S: ClientState, now: number, listener: number): void {
  queueStopListening(S.actions_, listener);
}

/** Connect timeouts and retry delays. */
export function sessionTimeout(S: ClientState, now: number): void {
  if (!S.sessionsDirty_ && (S.sessionDeadline_ < 0 || S.sessionDeadline_ > now)) return;
  const list = S.sessions_;
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (s === undefined || s.state_ === SESSION_FREE || s.deadline_ < 0 || s.deadline_ > now) continue;
    setDeadline(S, s, -1);
    if (s.state_ === SESSION_CONNECTING) {
      release(S, s, false);
      dropPoolElement(S, now, s, false);
    }
    tryNext(S, now, s);
  }
}

/** Earliest session deadline, -1 for none (recomputed only after changes). */
export function sessionDeadline(S: ClientState): number {
  if (S.sessionsDirty_) {
    S.sessionsDirty_ = false;
    let d = -1;
    const list = S.sessions_;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s !== undefined && s.state_ !== SESSION_FREE) d = earliest(d, s.deadline_);
    }
    S.sessionDeadline_ = d;
  }
  return S.sessionDeadline_;
}
