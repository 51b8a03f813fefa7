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
import type { AsapMessage, Policy } from "../wire/types.js";
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
import { asapMessage, copyFields, handleBytes, PE_FAILED, PE_NEW, PE_REGISTERED, sameBytes, sendAsap } from "./state.js";
import type { ClientState, OwnPoolElement, Request } from "./state.js";
import { newPolicy, newPoolElement, newRegistrationMeta, newTransport, parseAddress } from "./shared.js";

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
    type_: type, id_: 0, handle_: handle, identifier_: identifier, items_: 0, staleMs_: 0, want_: 0, session_: -1, pe_: null,
    trials_: 0, deadline_: 0,
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
  let pe = S.byIdentifier_[identifier];
  while (pe !== undefined && pe !== null && !sameBytes(pe.handle_, handle)) pe = pe.next_;
  return pe === undefined ? null : pe;
}

function failed(S: ClientState, pe: OwnPoolElement, error: number, cause: number): void {
  if (pe.status_ === PE_FAILED) return;
  pe.status_ = PE_FAILED;
  const e = pushEvent(S.events_, EVENT_REGISTRATION_FAILED);
  e.handle = pe.handle_;
  e.identifier = pe.element_.identifier;
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
  if (h.length === 0 || h.length > S.config_.maxPoolHandleLength) throw new TypeError("pool handle length");
  if (o === null || typeof o !== "object" || !Array.isArray(o.addresses) || !(o.port > 0 && o.port < 65536)) {
    throw new TypeError("PE needs addresses and port");
  }
  const protocol = o.protocol || PARAM_SCTP_TRANSPORT;
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < o.addresses.length; i++) {
    const a = parseAddress(o.addresses[i]);
    if (a === null) throw new TypeError("bad address " + o.addresses[i]);
    addresses.push(a);
  }
  const use = o.controlChannel === true && protocol !== PARAM_UDP_TRANSPORT
    ? TRANSPORT_USE_DATA_PLUS_CONTROL : TRANSPORT_USE_DATA_ONLY;
  const policy = newPolicy(POLICY_ROUND_ROBIN);
  if (o.policy) copyFields(policy, o.policy);
  // (undefined > 0 is false, undefined >>> 0 is 0)
  const interval = (o.reregistrationIntervalMs as number) > 0 ? o.reregistrationIntervalMs as number : S.config_.reregistrationIntervalMs;
  const life = (o.registrationLifeMs as number) > 0 ? o.registrationLifeMs as number : 3 * interval;
  let id = (o.identifier as number) >>> 0;
  let pe = id !== 0 ? ownPoolElement(S, h, id) : null;
  if (id === 0) {
    do id = S.random_() >>> 0; while (id === 0 || ownPoolElement(S, h, id) !== null);
  }
  const element = newPoolElement(id, 0, life, newTransport(protocol, o.port, use, addresses), policy, null);
  const cause = pe === null && S.own_.count >= S.config_.maxPoolElements
    ? CAUSE_LACK_OF_RESOURCES : S.own_.register(h, element, newRegistrationMeta());
  if (cause !== 0) {
    const e = pushEvent(S.events_, EVENT_REGISTRATION_FAILED);
    e.handle = h;
    e.identifier = id;
    e.error = cause === CAUSE_LACK_OF_RESOURCES ? ERROR_LACK_OF_RESOURCES : ERROR_REJECTED;
    e.cause = cause;
    return 0;
  }
  if (pe === null) {
    pe = {
      handle_: h, element_: element, intervalMs_: interval, ref_: S.own_.lastRef, status_: PE_NEW, pending_: null, lastSent_: now,
      removed_: false, next_: S.byIdentifier_[id] || null,
    };
    S.pes_[pe.ref_] = pe;
    S.byIdentifier_[id] = pe;
  } else {
    // An update: the queued registration (if any) encodes these values when sent.
    pe.element_.registrationLife = life;
    pe.element_.userTransport = element.userTransport;
    pe.element_.policy = policy;
    pe.intervalMs_ = interval;
    pe.status_ = PE_NEW;
  }
  reregister(S, now, pe, now + interval);
  return id;
}

/** Queues a registration (unless one is queued) and sets the next re-registration. */
function reregister(S: ClientState, now: number, pe: OwnPoolElement, next: number): void {
  S.own_.setTimer(pe.ref_, next, 0);
  if (pe.pending_ !== null) return;
  const r = newRequest(ASAP_REGISTRATION, pe.handle_, pe.element_.identifier);
  r.pe_ = pe;
  pe.pending_ = r;
  if (!queueRequest(S, now, r)) {
    pe.pending_ = null;
    failed(S, pe, ERROR_LACK_OF_RESOURCES, 0);
  }
}

/** The registration left: later changes need a new one. */
export function registrationSent(S: ClientState, now: number, r: Request): void {
  const pe = r.pe_ as OwnPoolElement;
  if (pe.pending_ === r) pe.pending_ = null;
  pe.lastSent_ = now;
}

export function registrationDone(S: ClientState, now: number, r: Request, m: AsapMessage | null, error: number): void {
  const pe = r.pe_ as OwnPoolElement;
  // Failed before it was sent: the next timer or registrar queues a new one.
  if (pe.pending_ === r) pe.pending_ = null;
  if (pe.removed_) return;
  let cause = 0;
  if (m !== null && ((m.flags & ASAP_FLAG_REJECT) !== 0 || m.error !== null)) {
    error = ERROR_REJECTED;
    cause = firstCause(m);
  }
  if (error !== 0) {
    failed(S, pe, error, cause);
  } else if (pe.status_ !== PE_REGISTERED) {
    pe.status_ = PE_REGISTERED;
    const e = pushEvent(S.events_, EVENT_REGISTERED);
    e.handle = pe.handle_;
    e.identifier = pe.element_.identifier;
  }
}

/** Re-registration timers, anchored on the schedule so late timers do not drift. */
export function poolElementTimeout(S: ClientState, now: number): void {
  let ref = S.own_.nextDue(now);
  while (ref >= 0) {
    const pe = S.pes_[ref] as OwnPoolElement;
    const next = S.own_.getDeadline(ref) + pe.intervalMs_;
    reregister(S, now, pe, next > now ? next : now + pe.intervalMs_);
    ref = S.own_.nextDue(now);
  }
}

/** A new registrar association (not a takeover): every PE registers with it now. */
export function registrarUp(S: ClientState, now: number): void {
  const pes = S.pes_;
  for (let i = 0; i < pes.length; i++) {
    const pe = pes[i];
    if (pe !== undefined) reregister(S, now, pe, now + pe.intervalMs_);
  }
}

/**
 * Sets the load of an adaptive-policy PE; it re-registers at once, or after
 * loadUpdateIntervalMs since the last registration (rate limit). False when
 * the PE is not known.
 */
export function setLoad(S: ClientState, now: number, handle: Uint8Array | string, identifier: number, load: number): boolean {
  const pe = ownPoolElement(S, handleBytes(handle), identifier >>> 0);
  if (pe === null) return false;
  const ref = pe.ref_;
  load = load >>> 0;
  if (pe.element_.policy.load === load) return true;
  pe.element_.policy.load = load;
  if (pe.pending_ !== null) return true; // the queued registration carries it
  const due = pe.lastSent_ + S.config_.loadUpdateIntervalMs;
  if (due <= now) reregister(S, now, pe, now + pe.intervalMs_);
  else if (due < S.own_.getDeadline(ref)) S.own_.setTimer(ref, due, 0);
  return true;
}

/** Deregisters a PE (also one this stack does not know: the registrar answers OK, RFC 5352 s3.3). */
export function deregisterPoolElement(S: ClientState, now: number, handle: Uint8Array | string, identifier: number): void {
  const h = handleBytes(handle);
  identifier = identifier >>> 0;
  const pe = ownPoolElement(S, h, identifier);
  if (pe !== null) {
    pe.removed_ = true;
    if (pe.pending_ !== null) cancelRequest(S, pe.pending_);
    S.own_.remove(pe.ref_);
    S.pes_[pe.ref_] = undefined;
    // Unlink from the identifier index.
    let p = S.byIdentifier_[identifier] as OwnPoolElement;
    if (p === pe) {
      if (pe.next_ === null) delete S.byIdentifier_[identifier];
      else S.byIdentifier_[identifier] = pe.next_;
    } else {
      while (p.next_ !== pe) p = p.next_ as OwnPoolElement;
      p.next_ = pe.next_;
    }
  }
  if (!queueRequest(S, now, newRequest(ASAP_DEREGISTRATION, h, identifier))) {
    deregistrationDone(S, newRequest(ASAP_DEREGISTRATION, h, identifier), null, ERROR_LACK_OF_RESOURCES);
  }
}

export function deregistrationDone(S: ClientState, r: Request, m: AsapMessage | null, error: number): void {
  const e = pushEvent(S.events_, EVENT_DEREGISTERED);
  e.handle = r.handle_;
  e.identifier = r.identifier_;
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
  if (n !== S.registrar_) {
    if (!home) return;
    // What went to the old home is sent again to the new one, without costing a trial.
    for (let i = S.inflight_.length - 1; i >= 0; i--) S.queued_.unshift(S.inflight_[i]);
    S.inflight_.length = 0;
    // (Counted as hunting while the old one goes, so that no hunt starts.)
    S.hunting_ = true;
    dropRegistrar(S, now, null);
    stopHunt(S);
    S.current_ = null;
    adoptRegistrar(S, now, n, id);
    pushEvent(S.events_, EVENT_HOME_CHANGED).registrar = id;
    flush(S, now);
  } else if (home || S.registrarId_ === 0) {
    S.registrarId_ = id;
  }
  const handle = m.poolHandle as Uint8Array;
  if (m.peIdentifier !== null) {
    const pe = ownPoolElement(S, handle, m.peIdentifier);
    if (pe !== null) acknowledge(S, n, pe);
  } else {
    const pool = S.own_.findPool(handle);
    if (pool >= 0) {
      S.ackAssociation_ = n;
      S.own_.forEachInPool(pool, acknowledgeRef, S);
    }
  }
}

function acknowledgeRef(S: ClientState, ref: number): void {
  acknowledge(S, S.ackAssociation_, S.pes_[ref] as OwnPoolElement);
}

function acknowledge(S: ClientState, n: number, pe: OwnPoolElement): void {
  const m = asapMessage(S, ASAP_ENDPOINT_KEEP_ALIVE_ACK);
  m.poolHandle = pe.handle_;
  m.peIdentifier = pe.element_.identifier;
  sendAsap(S, n, m);
}
