// Registrar hunt and the request queue (RFC 5352 s3.2/s3.6 server hunt;
// rsplib registrartable.c / asapinstance.c behaviour, rserpool.md s4.2).
//
// Candidates are the static registrars plus those heard in SERVER_ANNOUNCEs
// (forgotten after registrarAnnounceTimeoutMs of silence). A hunt round
// starts at a random candidate and keeps up to maxParallelConnects connects
// open; the first association up becomes the registrar association and the
// other connects are aborted. A round lasts registrarConnectTimeoutMs; an
// announce heard while no connect is open is tried at once. After
// registrarConnectMaxTrials rounds the hunt gives up until something needs a
// registrar again (a request, a PE's re-registration, a new announce).
//
// One registrar association serves every PE and PU of the stack instance.
// Requests wait in `queued` while there is none, then move to `inflight`.
// Both lists stay in deadline order (equal timeouts, appended in time order).

import {
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
} from "../wire/constants.js";
import type { AsapMessage } from "../wire/types.js";
import { EVENT_REGISTRAR_DOWN, EVENT_REGISTRAR_UP, ERROR_NO_REGISTRAR, ERROR_TIMEOUT, pushEvent } from "./events.js";
import {
  asapMessage,
  CANDIDATE_CONNECTING,
  CANDIDATE_FAILED,
  CANDIDATE_UNTRIED,
  KIND_DEAD,
  KIND_HUNT,
  KIND_REGISTRAR,
  newAssociation,
  sameBytes,
  sendAsap,
} from "./state.js";
import type { Candidate, ClientState, Request } from "./state.js";
import { deregistrationDone, registrarUp, registrationDone, registrationSent } from "./pool-element.js";
import { resolutionDone } from "./pool-user.js";
import { formatAddress, queueAbort, queueConnect } from "./shared.js";

/** Static registrars become permanent candidates. */
export function addStaticCandidates(S: ClientState): void {
  const list = S.config_.registrars;
  for (let i = 0; i < list.length && S.candidates_.length < S.config_.maxRegistrars; i++) {
    S.candidates_.push({
      addresses_: list[i].addresses.slice(), port_: list[i].port, identifier_: 0, heard_: -1,
      state_: CANDIDATE_UNTRIED, association_: 0,
    });
  }
}

/**
 * A SERVER_ANNOUNCE from address:port (rsplib sends only the server id; the
 * UDP source names the ASAP endpoint). Transports in the announce win.
 */
export function heardAnnounce(S: ClientState, now: number, m: AsapMessage, address: string, port: number): void {
  const id = m.serverIdentifier as number;
  let addresses = [address];
  for (let i = 0; i < m.transports.length; i++) {
    const t = m.transports[i];
    if ((t.type === PARAM_SCTP_TRANSPORT || t.type === PARAM_TCP_TRANSPORT) && t.addresses.length > 0) {
      addresses = [];
      for (let j = 0; j < t.addresses.length; j++) addresses.push(formatAddress(t.addresses[j]));
      port = t.port;
      break;
    }
  }
  const list = S.candidates_;
  let c: Candidate | null = null;
  for (let i = 0; i < list.length && c === null; i++) {
    if (id !== 0 && list[i].identifier_ === id) c = list[i];
    else if (list[i].port_ === port && list[i].addresses_[0] === addresses[0]) c = list[i];
  }
  if (c === null) {
    if (list.length >= S.config_.maxRegistrars) return;
    c = { addresses_: addresses, port_: port, identifier_: id, heard_: now, state_: CANDIDATE_UNTRIED, association_: 0 };
    list.push(c);
  } else {
    if (c.heard_ >= 0) c.heard_ = now;
    if (c.state_ === CANDIDATE_FAILED && c.heard_ >= 0) c.state_ = CANDIDATE_UNTRIED;
    c.identifier_ = id;
  }
  if (S.hunting_) {
    if (connecting(S) === 0) fill(S, now);
  } else if (S.registrar_ === 0 && needsRegistrar(S)) {
    startHunt(S, now);
  }
}

function connecting(S: ClientState): number {
  let n = 0;
  for (let i = 0; i < S.candidates_.length; i++) if (S.candidates_[i].association_ !== 0) n++;
  return n;
}

export function needsRegistrar(S: ClientState): boolean {
  return S.queued_.length > 0 || S.own_.count > 0;
}

/** Starts a hunt unless there is a registrar association or a hunt already. */
export function wantRegistrar(S: ClientState, now: number): void {
  if (S.registrar_ === 0 && !S.hunting_) startHunt(S, now);
}

export function startHunt(S: ClientState, now: number): void {
  S.hunting_ = true;
  S.round_ = 0;
  startRound(S, now);
}

function startRound(S: ClientState, now: number): void {
  const list = S.candidates_;
  for (let i = 0; i < list.length; i++) {
    // The registrar that just stopped answering sits out one round, unless it is alone.
    const c = list[i];
    if (c.association_ === 0) c.state_ = c === S.suspect_ && list.length > 1 ? CANDIDATE_FAILED : CANDIDATE_UNTRIED;
  }
  S.suspect_ = null;
  // rsplib starts at a random registrar so a crowd of clients spreads out.
  if (list.length > 1) {
    const k = (S.random_() >>> 0) % list.length;
    const head = list.splice(0, k);
    for (let i = 0; i < head.length; i++) list.push(head[i]);
  }
  S.roundDeadline_ = now + S.config_.registrarConnectTimeoutMs;
  fill(S, now);
}

/** Opens connects to untried candidates, up to the parallel limit. */
function fill(S: ClientState, now: number): void {
  const list = S.candidates_;
  let open = connecting(S);
  for (let i = 0; i < list.length && open < S.config_.maxParallelConnects; i++) {
    const c = list[i];
    if (c.state_ !== CANDIDATE_UNTRIED || c.association_ !== 0) continue;
    c.state_ = CANDIDATE_CONNECTING;
    c.association_ = newAssociation(S, KIND_HUNT, 0);
    queueConnect(S.actions_, c.association_, S.config_.transport, c.addresses_, c.port_, S.config_.asapAddresses, S.config_.asapPort);
    open++;
  }
}

function abortHuntConnects(S: ClientState): void {
  const list = S.candidates_;
  for (let i = 0; i < list.length; i++) {
    const n = list[i].association_;
    if (n !== 0) {
      list[i].association_ = 0;
      S.kind_[n] = KIND_DEAD;
      queueAbort(S.actions_, n);
    }
  }
}

export function stopHunt(S: ClientState): void {
  abortHuntConnects(S);
  S.hunting_ = false;
  S.roundDeadline_ = -1;
}

function candidateOf(S: ClientState, n: number): Candidate | null {
  for (let i = 0; i < S.candidates_.length; i++) if (S.candidates_[i].association_ === n) return S.candidates_[i];
  return null;
}

/** A hunt connect is up: the first one becomes the registrar association. */
export function huntUp(S: ClientState, now: number, n: number): void {
  const c = candidateOf(S, n);
  const id = c === null ? 0 : c.identifier_;
  if (c !== null) {
    c.association_ = 0;
    c.state_ = CANDIDATE_UNTRIED;
  }
  if (S.registrar_ !== 0) {
    S.kind_[n] = KIND_DEAD;
    queueAbort(S.actions_, n);
    return;
  }
  // PEs first, so that a resolution waiting in the queue finds them. (The
  // hunt still runs here: queueing starts no other.)
  const waiting = S.queued_;
  S.queued_ = [];
  registrarUp(S, now);
  for (let i = 0; i < waiting.length; i++) S.queued_.push(waiting[i]);
  stopHunt(S);
  S.current_ = c;
  adoptRegistrar(S, now, n, id);
  flush(S, now);
}

/** `n` is the registrar association now (a hunt winner or a new home); the caller flushes. */
export function adoptRegistrar(S: ClientState, now: number, n: number, id: number): void {
  S.kind_[n] = KIND_REGISTRAR;
  S.registrar_ = n;
  S.registrarId_ = id;
  pushEvent(S.events_, EVENT_REGISTRAR_UP).registrar = id;
}

/** A hunt connect failed. */
export function huntDown(S: ClientState, now: number, n: number): void {
  const c = candidateOf(S, n);
  if (c === null) return;
  c.association_ = 0;
  c.state_ = CANDIDATE_FAILED;
  if (S.hunting_) fill(S, now);
}

/**
 * The registrar association is gone (`n` was it). In-flight requests lose a
 * trial; those with trials left wait for the next registrar.
 */
export function registrarLost(S: ClientState, now: number, n: number, timedOut: Request | null): void {
  if (S.registrar_ !== n) return;
  S.registrar_ = 0;
  S.registrarId_ = 0;
  if (timedOut !== null) S.suspect_ = S.current_;
  S.current_ = null;
  pushEvent(S.events_, EVENT_REGISTRAR_DOWN);
  const inflight = S.inflight_;
  S.inflight_ = [];
  for (let i = 0; i < inflight.length; i++) {
    const r = inflight[i];
    if (r.trials_ >= S.config_.registrarRequestMaxTrials) {
      finish(S, now, r, null, r === timedOut ? ERROR_TIMEOUT : ERROR_NO_REGISTRAR);
    } else {
      // Behind what is queued, so `queued` stays in deadline order.
      r.deadline_ = now + S.config_.registrarRequestTimeoutMs;
      S.queued_.push(r);
    }
  }
  if (needsRegistrar(S)) wantRegistrar(S, now);
}

/** Drops the registrar association (abort) and hunts again. */
export function dropRegistrar(S: ClientState, now: number, timedOut: Request | null): void {
  const n = S.registrar_;
  if (n === 0) return;
  S.kind_[n] = KIND_DEAD;
  queueAbort(S.actions_, n);
  registrarLost(S, now, n, timedOut);
}

/** Queues a request; false when the table is full. */
export function queueRequest(S: ClientState, now: number, r: Request): boolean {
  if (S.queued_.length + S.inflight_.length >= S.config_.maxRequests) return false;
  r.deadline_ = now + S.config_.registrarRequestTimeoutMs;
  S.queued_.push(r);
  if (S.registrar_ !== 0) flush(S, now);
  else wantRegistrar(S, now);
  return true;
}

/** Removes a queued, unsent request (a PE deregistered before its registration went out). */
export function cancelRequest(S: ClientState, r: Request): void {
  const i = S.queued_.indexOf(r);
  if (i >= 0) S.queued_.splice(i, 1);
}

/** Sends queued requests on the registrar association. */
export function flush(S: ClientState, now: number): void {
  const n = S.registrar_;
  while (n !== 0 && S.queued_.length > 0) {
    const r = S.queued_[0];
    const type = r.type_;
    const m = asapMessage(S, type);
    m.poolHandle = r.handle_;
    if (type === ASAP_REGISTRATION) {
      const pe = r.pe_;
      if (pe === null || pe.removed_) {
        S.queued_.shift();
        continue;
      }
      pe.element_.homeRegistrarIdentifier = S.registrarId_;
      m.poolElements.push(pe.element_);
    } else if (type === ASAP_HANDLE_RESOLUTION) {
      if (r.items_ > 0) m.items = r.items_;
    } else {
      m.peIdentifier = r.identifier_;
    }
    if (!sendAsap(S, n, m)) return; // transmit queue full: retried on the next flush
    S.queued_.shift();
    if (type === ASAP_ENDPOINT_UNREACHABLE) continue; // RFC 5352 s3.5: no response
    if (type === ASAP_REGISTRATION) registrationSent(S, now, r);
    r.trials_++;
    r.deadline_ = now + S.config_.registrarResponseTimeoutMs;
    S.inflight_.push(r);
  }
}

/** A response from the registrar: completes the oldest matching request. */
export function registrarResponse(S: ClientState, now: number, m: AsapMessage): void {
  const t = m.type;
  const want =
    t === ASAP_REGISTRATION_RESPONSE ? ASAP_REGISTRATION
      : t === ASAP_DEREGISTRATION_RESPONSE ? ASAP_DEREGISTRATION
        : t === ASAP_HANDLE_RESOLUTION_RESPONSE ? ASAP_HANDLE_RESOLUTION : 0;
  const list = S.inflight_;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r.type_ !== want || !sameBytes(r.handle_, m.poolHandle as Uint8Array)) continue;
    if (want !== ASAP_HANDLE_RESOLUTION && r.identifier_ !== m.peIdentifier) continue;
    list.splice(i, 1);
    finish(S, now, r, m, 0);
    return;
  }
}

/** Completes a request with a response or an ERROR_* value. */
export function finish(S: ClientState, now: number, r: Request, m: AsapMessage | null, error: number): void {
  if (r.type_ === ASAP_REGISTRATION) registrationDone(S, now, r, m, error);
  else if (r.type_ === ASAP_DEREGISTRATION) deregistrationDone(S, r, m, error);
  else if (r.type_ === ASAP_HANDLE_RESOLUTION) resolutionDone(S, now, r, m, error);
}

/** Hunt rounds, announce expiry and request deadlines. */
export function huntTimeout(S: ClientState, now: number): void {
  const list = S.candidates_;
  const life = S.config_.registrarAnnounceTimeoutMs;
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i];
    if (c.heard_ >= 0 && c.association_ === 0 && c.heard_ + life <= now) list.splice(i, 1);
  }
  if (S.hunting_ && S.roundDeadline_ <= now) {
    abortHuntConnects(S);
    S.round_++;
    if (S.round_ < S.config_.registrarConnectMaxTrials) startRound(S, now);
    else stopHunt(S);
  }
  // A response that does not come: drop the registrar and hunt again (rsplib).
  if (S.inflight_.length > 0 && S.inflight_[0].deadline_ <= now) dropRegistrar(S, now, S.inflight_[0]);
  // What a full transmit queue held back goes now, before its wait counts as a trial.
  flush(S, now);
  while (S.queued_.length > 0 && S.queued_[0].deadline_ <= now) {
    const r = S.queued_.shift() as Request;
    r.trials_++;
    if (r.trials_ >= S.config_.registrarRequestMaxTrials) {
      finish(S, now, r, null, ERROR_NO_REGISTRAR);
    } else {
      r.deadline_ = now + S.config_.registrarRequestTimeoutMs;
      S.queued_.push(r);
    }
  }
  if (S.registrar_ === 0 && !S.hunting_ && S.queued_.length > 0) startHunt(S, now);
}

/** Earliest hunt, announce or request deadline; -1 for none. */
export function huntDeadline(S: ClientState): number {
  let d = S.hunting_ ? S.roundDeadline_ : -1;
  const life = S.config_.registrarAnnounceTimeoutMs;
  const list = S.candidates_;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.heard_ >= 0 && c.association_ === 0) d = earliest(d, c.heard_ + life);
  }
  if (S.inflight_.length > 0) d = earliest(d, S.inflight_[0].deadline_);
  if (S.queued_.length > 0) d = earliest(d, S.queued_[0].deadline_);
  return d;
}

export function earliest(a: number, b: number): number {
  return a < 0 || (b >= 0 && b < a) ? b : a;
}
