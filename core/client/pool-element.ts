// Pool element side (RFC 5352 s3.1-s3.3, s3.8; rsplib rserpool.md s4.3):
// registration with automatic re-registration, load updates, keep-alive
// answers, home-registrar change, deregistration.
//
// Own PEs are indexed by a handlespace (rsplib keeps its own PEs in one too):
// lookups by (pool handle, identifier) hash without allocating, and its
// deadline heap holds every PE's next re-registration.

import {
  ASAP_DEREGISTRATION,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_FLAG_HOME,
  ASAP_FLAG_REJECT,
  ASAP_REGISTRATION,
  CAUSE_LACK_OF_RESOURCES,
  PARAM_SCTP_TRANSPORT,
  PARAM_UDP_TRANSPORT,
  POLICY_ROUND_ROBIN,
  TRANSPORT_USE_DATA_ONLY,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
} from "../wire/constants.js";
import { parseAddress } from "../wire/address.js";
import { newPolicy, newPoolElement, newTransport } from "../wire/build.js";
import type { AsapMessage, Policy } from "../wire/types.js";
import { newRegistrationMeta } from "../handlespace/handlespace.js";
import {
  ERROR_LACK_OF_RESOURCES,
  ERROR_REJECTED,
  EVENT_DEREGISTERED,
  EVENT_HOME_CHANGED,
  EVENT_REGISTERED,
  EVENT_REGISTRATION_FAILED,
  pushEvent,
} from "./events.js";
import { adoptRegistrar, cancelRequest, dropRegistrar, flush, queueRequest, stopHunt } from "./hunt.js";
import { asapMessage, handleBytes, PE_FAILED, PE_NEW, PE_REGISTERED, sameBytes, sendAsap } from "./state.js";
import type { ClientState, OwnPoolElement, Request } from "./state.js";

export interface PoolElementOptions {
  /** PE identifier; absent or 0 = a random non-zero 32-bit value. */
  identifier?: number;
  /** User transport addresses (text); the registrar accepts only those its association uses. */
  addresses: string[];
  port: number;
  /** PARAM_SCTP_TRANSPORT (default), PARAM_TCP_TRANSPORT or PARAM_UDP_TRANSPORT. */
  protocol?: number;
  /** Selection policy (copied); default round robin. */
  policy?: Policy;
  /** Default: the config's reregistrationIntervalMs. */
  reregistrationIntervalMs?: number;
  /** Default: 3 x the re-registration interval (rsplib). */
  registrationLifeMs?: number;
  /** Advertise the ASAP control channel on the user transport (transport use data+control). */
  controlChannel?: boolean;
}

export function newRequest(type: number, handle: Uint8Array, identifier: number): Request {
  return {
    type: type, id: 0, handle: handle, identifier: identifier, items: 0, staleMs: 0, want: 0, session: -1, pe: null,
    trials: 0, deadline: 0,
  };
}

/** The first cause code of a response's Operation Error, else 0. */
export function firstCause(m: AsapMessage): number {
  return m.error !== null && m.error.causes.length > 0 ? m.error.causes[0].code : 0;
}

/**
 * Own PE by pool handle and identifier, through the identifier index (a
 * plain object with integer keys: no allocation, and Espruino has it).
 */
export function ownPoolElement(S: ClientState, handle: Uint8Array, identifier: number): OwnPoolElement | null {
  let pe = S.byIdentifier[identifier];
  while (pe !== undefined && pe !== null && !sameBytes(pe.handle, handle)) pe = pe.next;
  return pe === undefined ? null : pe;
}

function failed(S: ClientState, pe: OwnPoolElement, error: number, cause: number): void {
  if (pe.status === PE_FAILED) return;
  pe.status = PE_FAILED;
  const e = pushEvent(S.events, EVENT_REGISTRATION_FAILED);
  e.handle = pe.handle;
  e.identifier = pe.element.identifier;
  e.error = error;
  e.cause = cause;
}

/**
 * Registers a PE, or updates one registered before (same handle and
 * identifier: new policy values, transport or intervals) and re-registers it
 * at once. Returns the identifier, 0 when refused locally (an
 * EVENT_REGISTRATION_FAILED says why). Throws on malformed arguments.
 */
export function registerPoolElement(S: ClientState, now: number, handle: Uint8Array | string, o: PoolElementOptions): number {
  const h = handleBytes(handle);
  if (h.length === 0 || h.length > S.config.maxPoolHandleLength) throw new TypeError("pool handle length");
  if (o === null || typeof o !== "object" || !Array.isArray(o.addresses) || !(o.port > 0 && o.port < 65536)) {
    throw new TypeError("pool element options need addresses and port");
  }
  const protocol = o.protocol === undefined ? PARAM_SCTP_TRANSPORT : o.protocol;
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < o.addresses.length; i++) {
    const a = parseAddress(o.addresses[i]);
    if (a === null) throw new TypeError("bad address " + o.addresses[i]);
    addresses.push(a);
  }
  const use = o.controlChannel === true && protocol !== PARAM_UDP_TRANSPORT
    ? TRANSPORT_USE_DATA_PLUS_CONTROL : TRANSPORT_USE_DATA_ONLY;
  const policy = newPolicy(POLICY_ROUND_ROBIN);
  const p = o.policy;
  if (p !== undefined && p !== null) {
    policy.type = p.type >>> 0;
    policy.weight = p.weight >>> 0;
    policy.priority = p.priority >>> 0;
    policy.load = p.load >>> 0;
    policy.loadDegradation = p.loadDegradation >>> 0;
    policy.loadDpf = p.loadDpf >>> 0;
    policy.weightDpf = p.weightDpf >>> 0;
  }
  const interval = o.reregistrationIntervalMs !== undefined && o.reregistrationIntervalMs > 0
    ? o.reregistrationIntervalMs : S.config.reregistrationIntervalMs;
  const life = o.registrationLifeMs !== undefined && o.registrationLifeMs > 0 ? o.registrationLifeMs : 3 * interval;
  let id = o.identifier === undefined ? 0 : o.identifier >>> 0;
  let pe = id !== 0 ? ownPoolElement(S, h, id) : null;
  if (id === 0) {
    do id = S.random(); while (id === 0 || ownPoolElement(S, h, id) !== null);
  }
  const element = newPoolElement(id, 0, life, newTransport(protocol, o.port, use, addresses), policy, null);
  const cause = pe === null && S.own.count >= S.config.maxPoolElements
    ? CAUSE_LACK_OF_RESOURCES : S.own.register(h, element, newRegistrationMeta());
  if (cause !== 0) {
    const e = pushEvent(S.events, EVENT_REGISTRATION_FAILED);
    e.handle = h;
    e.identifier = id;
    e.error = cause === CAUSE_LACK_OF_RESOURCES ? ERROR_LACK_OF_RESOURCES : ERROR_REJECTED;
    e.cause = cause;
    return 0;
  }
  if (pe === null) {
    pe = {
      handle: h, element: element, intervalMs: interval, ref: S.own.lastRef, status: PE_NEW, pending: null, lastSent: now,
      removed: false, next: S.byIdentifier[id] || null,
    };
    S.pes[pe.ref] = pe;
    S.byIdentifier[id] = pe;
  } else {
    // An update: the queued registration (if any) encodes these values when sent.
    pe.element.registrationLife = life;
    pe.element.userTransport = element.userTransport;
    pe.element.policy = policy;
    pe.intervalMs = interval;
    pe.status = PE_NEW;
  }
  reregister(S, now, pe, now + interval);
  return id;
}

/** Queues a registration (unless one is queued) and sets the next re-registration. */
function reregister(S: ClientState, now: number, pe: OwnPoolElement, next: number): void {
  S.own.setTimer(pe.ref, next, 0);
  if (pe.pending !== null) return;
  const r = newRequest(ASAP_REGISTRATION, pe.handle, pe.element.identifier);
  r.pe = pe;
  pe.pending = r;
  if (!queueRequest(S, now, r)) {
    pe.pending = null;
    failed(S, pe, ERROR_LACK_OF_RESOURCES, 0);
  }
}

/** The registration left: later changes need a new one. */
export function registrationSent(S: ClientState, now: number, r: Request): void {
  const pe = r.pe as OwnPoolElement;
  if (pe.pending === r) pe.pending = null;
  pe.lastSent = now;
}

export function registrationDone(S: ClientState, now: number, r: Request, m: AsapMessage | null, error: number): void {
  const pe = r.pe;
  if (pe === null || pe.removed) return;
  let cause = 0;
  if (m !== null && ((m.flags & ASAP_FLAG_REJECT) !== 0 || m.error !== null)) {
    error = ERROR_REJECTED;
    cause = firstCause(m);
  }
  if (error !== 0) {
    failed(S, pe, error, cause);
  } else if (pe.status !== PE_REGISTERED) {
    pe.status = PE_REGISTERED;
    const e = pushEvent(S.events, EVENT_REGISTERED);
    e.handle = pe.handle;
    e.identifier = pe.element.identifier;
  }
}

/** Re-registration timers, anchored on the schedule so late timers do not drift. */
export function poolElementTimeout(S: ClientState, now: number): void {
  let ref = S.own.nextDue(now);
  while (ref >= 0) {
    const pe = S.pes[ref] as OwnPoolElement;
    const next = S.own.getDeadline(ref) + pe.intervalMs;
    reregister(S, now, pe, next > now ? next : now + pe.intervalMs);
    ref = S.own.nextDue(now);
  }
}

/**
 * A new registrar association (not a takeover): every PE registers with it
 * now, ahead of what waits in the queue. The caller flushes.
 */
export function registrarUp(S: ClientState, now: number): void {
  const pes = S.pes;
  const front: Request[] = [];
  for (let i = 0; i < pes.length; i++) {
    const pe = pes[i];
    if (pe === undefined) continue;
    S.own.setTimer(pe.ref, now + pe.intervalMs, 0);
    if (pe.pending !== null) continue;
    if (S.queued.length + S.inflight.length + front.length >= S.config.maxRequests) {
      failed(S, pe, ERROR_LACK_OF_RESOURCES, 0);
      continue;
    }
    const r = newRequest(ASAP_REGISTRATION, pe.handle, pe.element.identifier);
    r.pe = pe;
    r.deadline = now + S.config.registrarRequestTimeoutMs;
    pe.pending = r;
    front.push(r);
  }
  S.queued = front.concat(S.queued);
}

/**
 * Sets the load of an adaptive-policy PE; it re-registers at once, or after
 * loadUpdateIntervalMs since the last registration (rate limit). False when
 * the PE is not known.
 */
export function setLoad(S: ClientState, now: number, handle: Uint8Array | string, identifier: number, load: number): boolean {
  const pe = ownPoolElement(S, handleBytes(handle), identifier >>> 0);
  if (pe === null) return false;
  const ref = pe.ref;
  load = load >>> 0;
  if (pe.element.policy.load === load) return true;
  pe.element.policy.load = load;
  if (pe.pending !== null) return true; // the queued registration carries it
  const due = pe.lastSent + S.config.loadUpdateIntervalMs;
  if (due <= now) reregister(S, now, pe, now + pe.intervalMs);
  else if (due < S.own.getDeadline(ref)) S.own.setTimer(ref, due, 0);
  return true;
}

/** Deregisters a PE (also one this stack does not know: the registrar answers OK, RFC 5352 s3.3). */
export function deregisterPoolElement(S: ClientState, now: number, handle: Uint8Array | string, identifier: number): void {
  const h = handleBytes(handle);
  identifier = identifier >>> 0;
  const pe = ownPoolElement(S, h, identifier);
  if (pe !== null) {
    pe.removed = true;
    if (pe.pending !== null) cancelRequest(S, pe.pending);
    S.own.remove(pe.ref);
    S.pes[pe.ref] = undefined;
    // Unlink from the identifier index.
    let p = S.byIdentifier[identifier] as OwnPoolElement;
    if (p === pe) {
      if (pe.next === null) delete S.byIdentifier[identifier];
      else S.byIdentifier[identifier] = pe.next;
    } else {
      while (p.next !== pe) p = p.next as OwnPoolElement;
      p.next = pe.next;
    }
  }
  if (!queueRequest(S, now, newRequest(ASAP_DEREGISTRATION, h, identifier))) {
    deregistrationDone(S, newRequest(ASAP_DEREGISTRATION, h, identifier), null, ERROR_LACK_OF_RESOURCES);
  }
}

export function deregistrationDone(S: ClientState, r: Request, m: AsapMessage | null, error: number): void {
  const e = pushEvent(S.events, EVENT_DEREGISTERED);
  e.handle = r.handle;
  e.identifier = r.identifier;
  e.error = m !== null && m.error !== null ? ERROR_REJECTED : error;
  e.cause = m !== null ? firstCause(m) : 0;
}

/**
 * ENDPOINT_KEEP_ALIVE (RFC 5352 s3.7): answer with an ACK per PE (all of the
 * pool's PEs when it names none, rsplib). With the H flag from a registrar
 * that is not the current one, that registrar becomes the home: its
 * association replaces the old one (rsplib asapInstanceHandleEndpointKeepAlive).
 */
export function keepAlive(S: ClientState, now: number, n: number, m: AsapMessage): void {
  const home = (m.flags & ASAP_FLAG_HOME) !== 0;
  const id = m.serverIdentifier as number;
  if (n !== S.registrar) {
    if (!home) return;
    // What went to the old home is sent again to the new one, without costing a trial.
    for (let i = S.inflight.length - 1; i >= 0; i--) S.queued.unshift(S.inflight[i]);
    S.inflight.length = 0;
    dropRegistrar(S, now, null);
    stopHunt(S);
    S.current = null;
    adoptRegistrar(S, now, n, id);
    pushEvent(S.events, EVENT_HOME_CHANGED).registrar = id;
    flush(S, now);
  } else if (home || S.registrarId === 0) {
    S.registrarId = id;
  }
  const handle = m.poolHandle as Uint8Array;
  if (m.peIdentifier !== null) {
    const pe = ownPoolElement(S, handle, m.peIdentifier);
    if (pe !== null) acknowledge(S, n, pe);
  } else {
    const pool = S.own.findPool(handle);
    if (pool >= 0) {
      S.ackAssociation = n;
      S.own.forEachInPool(pool, acknowledgeRef, S);
    }
  }
}

function acknowledgeRef(S: ClientState, ref: number): void {
  acknowledge(S, S.ackAssociation, S.pes[ref] as OwnPoolElement);
}

function acknowledge(S: ClientState, n: number, pe: OwnPoolElement): void {
  const m = asapMessage(S, ASAP_ENDPOINT_KEEP_ALIVE_ACK);
  m.poolHandle = pe.handle;
  m.peIdentifier = pe.element.identifier;
  sendAsap(S, n, m);
}
