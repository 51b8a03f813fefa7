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
import { decodeAsap } from "../wire/asap.js";
import { formatAddress } from "../wire/address.js";
import type { PoolElement, Transport } from "../wire/types.js";
import { DOWN_CLOSED } from "../driver/platform.js";
import { pushTransmit, queueAbort, queueClose, queueConnect, queueListen, queueStopListening } from "../driver/output-queue.js";
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

export const SESSION_FREE = 0;
/** Waiting for the registrar's answer. */
export const SESSION_RESOLVING = 1;
export const SESSION_CONNECTING = 2;
export const SESSION_UP = 3;
/** No PE found: trying again after sessionRetryDelayMs. */
export const SESSION_WAITING = 4;

interface QueuedMessage {
  stream: number;
  ppid: number;
  bytes: Uint8Array;
}

export interface Session {
  id: number;
  slot: number;
  state: number;
  /** This side connects and fails over (a PU, or a PE holding the PU's business card). */
  pu: boolean;
  association: number;
  /** Pool to (re)connect to; null for a PE-side session without a card. */
  handle: Uint8Array | null;
  /** PE at the other end (0 when not known). */
  identifier: number;
  /** The latest cookie (a view of cookieStorage), or null. */
  cookie: Uint8Array | null;
  cookieStorage: Uint8Array;
  /** PEs of the latest business card not tried yet, in its order. */
  card: PoolElement[];
  queue: QueuedMessage[];
  deadline: number;
  attempts: number;
  /** The registrar was asked during this round of tries. */
  asked: boolean;
  failover: boolean;
  /** The PE that was lost (not tried again from a card). */
  lost: number;
  /** Last resolution error, reported if no PE can be reached. */
  error: number;
}

export interface ListenOptions {
  /** Local addresses ([] = wildcard). */
  addresses?: string[];
  port: number;
  /** Transport name ("" = the platform's first). */
  transport?: string;
}

function findSession(S: ClientState, id: number): Session | null {
  const s = S.sessions[id & 0xffff];
  return s !== undefined && s.state !== SESSION_FREE && s.id === id ? s : null;
}

function newSession(S: ClientState): Session | null {
  if (S.sessionCount >= S.config.maxSessions) return null;
  let slot = S.freeSessions.pop();
  if (slot === undefined) slot = S.sessions.length;
  let s = S.sessions[slot];
  if (s === undefined) {
    s = {
      id: 0, slot: slot, state: SESSION_FREE, pu: false, association: 0, handle: null, identifier: 0, cookie: null,
      cookieStorage: new Uint8Array(0), card: [], queue: [], deadline: -1, attempts: 0, asked: false, failover: false,
      lost: 0, error: 0,
    };
    S.sessions[slot] = s;
  }
  S.sessionSerial = (S.sessionSerial % 32767) + 1;
  s.id = slot + S.sessionSerial * 65536;
  s.state = SESSION_CONNECTING;
  S.sessionCount++;
  return s;
}

function freeSession(S: ClientState, s: Session): void {
  s.state = SESSION_FREE;
  s.association = 0;
  s.handle = null;
  s.identifier = 0;
  s.cookie = null;
  s.card = [];
  s.queue = [];
  s.attempts = 0;
  s.asked = false;
  s.failover = false;
  s.lost = 0;
  s.error = 0;
  setDeadline(S, s, -1);
  S.freeSessions.push(s.slot);
  S.sessionCount--;
}

function setDeadline(S: ClientState, s: Session, deadline: number): void {
  if (s.deadline !== deadline) S.sessionsDirty = true;
  s.deadline = deadline;
}

function event(S: ClientState, kind: number, s: Session): void {
  const e = pushEvent(S.events, kind);
  e.session = s.id;
  e.identifier = s.identifier;
}

/** Ends the association of a session without telling it (we abort or close it). */
function release(S: ClientState, s: Session, graceful: boolean): void {
  const n = s.association;
  if (n === 0) return;
  s.association = 0;
  S.kind[n] = KIND_DEAD;
  if (graceful) queueClose(S.actions, n);
  else queueAbort(S.actions, n);
}

/** Hands every queued message back to the application. */
function returnQueued(S: ClientState, s: Session): void {
  const queue = s.queue;
  s.queue = [];
  for (let i = 0; i < queue.length; i++) {
    const e = pushEvent(S.events, EVENT_DATA_RETURNED);
    e.session = s.id;
    e.stream = queue[i].stream;
    e.ppid = queue[i].ppid;
    setEventBytes(e, queue[i].bytes);
  }
}

function fail(S: ClientState, s: Session, error: number): void {
  release(S, s, false);
  returnQueued(S, s);
  const e = pushEvent(S.events, EVENT_SESSION_CLOSED);
  e.session = s.id;
  e.error = error;
  freeSession(S, s);
}

/** PU: opens a session to a PE of the pool; returns its id (0 when the session table is full). */
export function connect(S: ClientState, now: number, handle: Uint8Array | string): number {
  const h = handleBytes(handle);
  const s = newSession(S);
  if (s === null) return 0;
  s.pu = true;
  s.handle = h;
  tryNext(S, now, s);
  return s.id;
}

/** The next PE to try: business card first, then the cache, then ask the registrar. */
function tryNext(S: ClientState, now: number, s: Session): void {
  if (s.attempts >= S.config.sessionMaxAttempts) {
    fail(S, s, s.error !== 0 ? s.error : ERROR_NO_POOL_ELEMENT);
    return;
  }
  while (s.card.length > 0) {
    const pe = s.card.shift() as PoolElement;
    if (pe.identifier !== s.lost) {
      open(S, now, s, pe.userTransport, pe.identifier);
      return;
    }
  }
  const h = s.handle as Uint8Array;
  S.cache.expire(now, null, null);
  if (S.cache.resolve(h, 1, scratchRefs(S, 1), 0) > 0) {
    const ref = S.refs[0];
    S.cache.readUserTransport(ref, S.transport, S.addressBuffers);
    open(S, now, s, S.transport, S.cache.getIdentifier(ref));
    return;
  }
  if (!s.asked) {
    s.asked = true;
    s.state = SESSION_RESOLVING;
    const r = newRequest(ASAP_HANDLE_RESOLUTION, h, 0);
    r.session = s.slot;
    r.id = s.id;
    r.staleMs = S.config.staleCacheMs;
    if (!queueRequest(S, now, r)) fail(S, s, ERROR_LACK_OF_RESOURCES);
    return;
  }
  // rsplib: no PE found, try again a little later.
  s.attempts++;
  s.asked = false;
  s.state = SESSION_WAITING;
  setDeadline(S, s, now + S.config.sessionRetryDelayMs);
}

function open(S: ClientState, now: number, s: Session, t: Transport, identifier: number): void {
  s.attempts++;
  s.identifier = identifier;
  const addresses: string[] = [];
  for (let i = 0; i < t.addresses.length; i++) addresses.push(formatAddress(t.addresses[i]));
  const n = newAssociation(S, KIND_SESSION, s.slot);
  queueConnect(S.actions, n, S.config.sessionTransport, addresses, t.port, [], 0);
  s.association = n;
  s.state = SESSION_CONNECTING;
  setDeadline(S, s, now + S.config.sessionConnectTimeoutMs);
}

/** The registrar answered a session's resolution (the cache holds the answer). */
export function sessionResolved(S: ClientState, now: number, r: Request, error: number): void {
  const s = S.sessions[r.session];
  if (s === undefined || s.id !== r.id || s.state !== SESSION_RESOLVING) return;
  if (error !== 0) s.error = error;
  tryNext(S, now, s);
}

/** Forgets the PE locally, or reports it to the registrar as well. */
function dropPoolElement(S: ClientState, now: number, s: Session, report: boolean): void {
  s.lost = s.identifier;
  if (s.handle === null || s.identifier === 0) return;
  if (report) reportFailure(S, now, s.handle, s.identifier);
  else S.cache.deregister(s.handle, s.identifier);
}

function startFailover(S: ClientState, now: number, s: Session, report: boolean): void {
  event(S, EVENT_FAILOVER_NEEDED, s);
  dropPoolElement(S, now, s, report);
  s.pu = true;
  s.failover = true;
  s.attempts = 0;
  s.asked = false;
  s.error = 0;
  tryNext(S, now, s);
}

export function sessionUp(S: ClientState, now: number, n: number): void {
  const s = S.sessions[S.ref[n]] as Session;
  s.state = SESSION_UP;
  setDeadline(S, s, -1);
  let flags = 0;
  if (s.failover && s.cookie !== null) {
    // RFC 5352 s3.9 (verify): the new PE gets the latest cookie before any data.
    const m = asapMessage(S, ASAP_COOKIE_ECHO);
    m.cookie = s.cookie;
    sendAsap(S, n, m);
    flags = FLAG_COOKIE_ECHOED;
  }
  const queue = s.queue;
  let i = 0;
  while (i < queue.length && pushTransmit(S.transmits, n, queue[i].stream, queue[i].ppid, queue[i].bytes)) i++;
  s.queue = queue.slice(i);
  returnQueued(S, s); // only what the transmit queue could not take
  const e = pushEvent(S.events, s.failover ? EVENT_FAILOVER_COMPLETE : EVENT_SESSION_UP);
  e.session = s.id;
  e.identifier = s.identifier;
  e.flags = flags;
  s.failover = false;
}

export function sessionDown(S: ClientState, now: number, n: number, reason: number): void {
  const s = S.sessions[S.ref[n]] as Session;
  s.association = 0;
  if (s.state === SESSION_CONNECTING) {
    dropPoolElement(S, now, s, false);
    tryNext(S, now, s);
  } else if (s.pu || s.handle !== null) {
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
    S.kind[n] = KIND_DEAD;
    queueAbort(S.actions, n);
    return;
  }
  S.kind[n] = KIND_SESSION;
  S.ref[n] = s.slot;
  s.association = n;
  s.state = SESSION_UP;
  const e = pushEvent(S.events, EVENT_SESSION_ACCEPTED);
  e.session = s.id;
  e.listener = listener;
}

export function sessionMessage(S: ClientState, now: number, n: number, stream: number, ppid: number, bytes: Uint8Array): void {
  const s = S.sessions[S.ref[n]] as Session;
  if (ppid !== PPID_ASAP) {
    const e = pushEvent(S.events, EVENT_DATA);
    e.session = s.id;
    e.stream = stream;
    e.ppid = ppid;
    setEventBytes(e, bytes);
    return;
  }
  const m = decodeAsap(S.decoder, bytes, 0, bytes.length);
  if (m === null) return;
  if (m.type === ASAP_COOKIE || m.type === ASAP_COOKIE_ECHO) {
    const cookie = m.cookie as Uint8Array;
    if (m.type === ASAP_COOKIE) {
      // The PU keeps only the latest cookie (RFC 5352 s3.9).
      if (s.cookieStorage.length < cookie.length) s.cookieStorage = new Uint8Array(cookie.length * 2);
      s.cookieStorage.set(cookie, 0);
      if (s.cookie === null || s.cookie.length !== cookie.length || s.cookie.buffer !== s.cookieStorage.buffer) {
        s.cookie = s.cookieStorage.subarray(0, cookie.length);
      }
    }
    const e = pushEvent(S.events, m.type === ASAP_COOKIE ? EVENT_COOKIE : EVENT_COOKIE_ECHO);
    e.session = s.id;
    setEventBytes(e, cookie);
  } else if (m.type === ASAP_BUSINESS_CARD) {
    s.handle = copyBytes(m.poolHandle as Uint8Array);
    const card: PoolElement[] = [];
    for (let i = 0; i < m.poolElements.length; i++) card.push(copyPoolElement(m.poolElements[i]));
    s.card = card;
    const e = pushEvent(S.events, EVENT_BUSINESS_CARD);
    e.session = s.id;
    e.handle = s.handle;
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
  if (s.state === SESSION_UP) return pushTransmit(S.transmits, s.association, stream, ppid, bytes);
  if (s.queue.length >= S.config.maxQueuedMessages) return false;
  s.queue.push({ stream: stream, ppid: ppid, bytes: copyBytes(bytes) });
  return true;
}

/** PE side: sends a cookie (the PU keeps the latest and echoes it after a failover). */
export function sendCookie(S: ClientState, now: number, id: number, bytes: Uint8Array): boolean {
  const s = findSession(S, id);
  if (s === null || s.state !== SESSION_UP) return false;
  const m = asapMessage(S, ASAP_COOKIE);
  m.cookie = bytes;
  return sendAsap(S, s.association, m);
}

/**
 * Sends a BUSINESS_CARD: the pool handle and the PEs to fail over to, in
 * order (null: this stack's own PEs of that pool). False when there is no
 * PE to name or the session is not up.
 */
export function sendBusinessCard(S: ClientState, now: number, id: number, handle: Uint8Array | string,
  poolElements: PoolElement[] | null): boolean {
  const s = findSession(S, id);
  if (s === null || s.state !== SESSION_UP) return false;
  const m = asapMessage(S, ASAP_BUSINESS_CARD);
  m.poolHandle = handleBytes(handle);
  if (poolElements !== null) {
    for (let i = 0; i < poolElements.length; i++) m.poolElements.push(poolElements[i]);
  } else {
    const pool = S.own.findPool(m.poolHandle);
    if (pool >= 0) S.own.forEachInPool(pool, addOwnElement, S);
  }
  return m.poolElements.length > 0 && sendAsap(S, s.association, m);
}

function addOwnElement(S: ClientState, ref: number): void {
  const pe = S.pes[ref];
  if (pe !== undefined) S.message.poolElements.push(pe.element);
}

/** Fails over now (rsplib rsp_forcefailover); reportUnreachable also tells the registrar. */
export function failover(S: ClientState, now: number, id: number, reportUnreachable: boolean): boolean {
  const s = findSession(S, id);
  if (s === null || s.handle === null || s.state === SESSION_RESOLVING || s.state === SESSION_WAITING) return false;
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
  const listener = S.nextListener++;
  queueListen(S.actions, listener, o.transport === undefined ? "" : o.transport, o.addresses === undefined ? [] : o.addresses, o.port);
  return listener;
}

export function stopListening(S: ClientState, now: number, listener: number): void {
  queueStopListening(S.actions, listener);
}

/** Connect timeouts and retry delays. */
export function sessionTimeout(S: ClientState, now: number): void {
  if (!S.sessionsDirty && (S.sessionDeadline < 0 || S.sessionDeadline > now)) return;
  const list = S.sessions;
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (s === undefined || s.state === SESSION_FREE || s.deadline < 0 || s.deadline > now) continue;
    setDeadline(S, s, -1);
    if (s.state === SESSION_CONNECTING) {
      release(S, s, false);
      dropPoolElement(S, now, s, false);
    }
    tryNext(S, now, s);
  }
}

/** Earliest session deadline, -1 for none (recomputed only after changes). */
export function sessionDeadline(S: ClientState): number {
  if (S.sessionsDirty) {
    S.sessionsDirty = false;
    let d = -1;
    const list = S.sessions;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s !== undefined && s.state !== SESSION_FREE) d = earliest(d, s.deadline);
    }
    S.sessionDeadline = d;
  }
  return S.sessionDeadline;
}
