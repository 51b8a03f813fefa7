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
import { formatAddress } from "../wire/address.js";
import type { AsapMessage } from "../wire/types.js";
import { queueAbort, queueConnect } from "../driver/output-queue.js";
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

/** Static registrars become permanent candidates. */
export function addStaticCandidates(S: ClientState): void {
  const list = S.config.registrars;
  for (let i = 0; i < list.length && S.candidates.length < S.config.maxRegistrars; i++) {
    S.candidates.push({
      addresses: list[i].addresses.slice(), port: list[i].port, identifier: 0, heard: -1,
      state: CANDIDATE_UNTRIED, association: 0,
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
  const list = S.candidates;
  let c: Candidate | null = null;
  for (let i = 0; i < list.length && c === null; i++) {
    if (id !== 0 && list[i].identifier === id) c = list[i];
    else if (list[i].port === port && list[i].addresses[0] === addresses[0]) c = list[i];
  }
  if (c === null) {
    if (list.length >= S.config.maxRegistrars) return;
    c = { addresses: addresses, port: port, identifier: id, heard: now, state: CANDIDATE_UNTRIED, association: 0 };
    list.push(c);
  } else {
    if (c.heard >= 0) c.heard = now;
    if (c.state === CANDIDATE_FAILED && c.heard >= 0) c.state = CANDIDATE_UNTRIED;
    c.identifier = id;
  }
  if (S.hunting) {
    if (connecting(S) === 0) fill(S, now);
  } else if (S.registrar === 0 && needsRegistrar(S)) {
    startHunt(S, now);
  }
}

function connecting(S: ClientState): number {
  let n = 0;
  for (let i = 0; i < S.candidates.length; i++) if (S.candidates[i].association !== 0) n++;
  return n;
}

export function needsRegistrar(S: ClientState): boolean {
  return S.queued.length > 0 || S.own.count > 0;
}

/** Starts a hunt unless there is a registrar association or a hunt already. */
export function wantRegistrar(S: ClientState, now: number): void {
  if (S.registrar === 0 && !S.hunting) startHunt(S, now);
}

export function startHunt(S: ClientState, now: number): void {
  S.hunting = true;
  S.round = 0;
  startRound(S, now);
}

function startRound(S: ClientState, now: number): void {
  const list = S.candidates;
  for (let i = 0; i < list.length; i++) {
    // The registrar that just stopped answering sits out one round, unless it is alone.
    const c = list[i];
    if (c.association === 0) c.state = c === S.suspect && list.length > 1 ? CANDIDATE_FAILED : CANDIDATE_UNTRIED;
  }
  S.suspect = null;
  // rsplib starts at a random registrar so a crowd of clients spreads out.
  if (list.length > 1) {
    const k = S.random() % list.length;
    const head = list.splice(0, k);
    for (let i = 0; i < head.length; i++) list.push(head[i]);
  }
  S.roundDeadline = now + S.config.registrarConnectTimeoutMs;
  fill(S, now);
}

/** Opens connects to untried candidates, up to the parallel limit. */
function fill(S: ClientState, now: number): void {
  const list = S.candidates;
  let open = connecting(S);
  for (let i = 0; i < list.length && open < S.config.maxParallelConnects; i++) {
    const c = list[i];
    if (c.state !== CANDIDATE_UNTRIED || c.association !== 0) continue;
    c.state = CANDIDATE_CONNECTING;
    c.association = newAssociation(S, KIND_HUNT, 0);
    queueConnect(S.actions, c.association, S.config.transport, c.addresses, c.port, S.config.asapAddresses, S.config.asapPort);
    open++;
  }
}

function abortHuntConnects(S: ClientState): void {
  const list = S.candidates;
  for (let i = 0; i < list.length; i++) {
    const n = list[i].association;
    if (n !== 0) {
      list[i].association = 0;
      S.kind[n] = KIND_DEAD;
      queueAbort(S.actions, n);
    }
  }
}

export function stopHunt(S: ClientState): void {
  abortHuntConnects(S);
  S.hunting = false;
  S.roundDeadline = -1;
}

function candidateOf(S: ClientState, n: number): Candidate | null {
  for (let i = 0; i < S.candidates.length; i++) if (S.candidates[i].association === n) return S.candidates[i];
  return null;
}

/** A hunt connect is up: the first one becomes the registrar association. */
export function huntUp(S: ClientState, now: number, n: number): void {
  const c = candidateOf(S, n);
  const id = c === null ? 0 : c.identifier;
  if (c !== null) {
    c.association = 0;
    c.state = CANDIDATE_UNTRIED;
  }
  if (S.registrar !== 0) {
    S.kind[n] = KIND_DEAD;
    queueAbort(S.actions, n);
    return;
  }
  stopHunt(S);
  S.current = c;
  adoptRegistrar(S, now, n, id);
  // PEs first, so that a resolution waiting in the queue finds them.
  registrarUp(S, now);
  flush(S, now);
}

/** `n` is the registrar association now (a hunt winner or a new home); the caller flushes. */
export function adoptRegistrar(S: ClientState, now: number, n: number, id: number): void {
  S.kind[n] = KIND_REGISTRAR;
  S.registrar = n;
  S.registrarId = id;
  pushEvent(S.events, EVENT_REGISTRAR_UP).registrar = id;
}

/** A hunt connect failed. */
export function huntDown(S: ClientState, now: number, n: number): void {
  const c = candidateOf(S, n);
  if (c === null) return;
  c.association = 0;
  c.state = CANDIDATE_FAILED;
  if (S.hunting) fill(S, now);
}

/**
 * The registrar association is gone (`n` was it). In-flight requests lose a
 * trial; those with trials left wait for the next registrar.
 */
export function registrarLost(S: ClientState, now: number, n: number, timedOut: Request | null): void {
  if (S.registrar !== n) return;
  S.registrar = 0;
  S.registrarId = 0;
  if (timedOut !== null) S.suspect = S.current;
  S.current = null;
  pushEvent(S.events, EVENT_REGISTRAR_DOWN);
  const inflight = S.inflight;
  S.inflight = [];
  for (let i = 0; i < inflight.length; i++) {
    const r = inflight[i];
    if (r.trials >= S.config.registrarRequestMaxTrials) {
      finish(S, now, r, null, r === timedOut ? ERROR_TIMEOUT : ERROR_NO_REGISTRAR);
    } else {
      // Behind what is queued, so `queued` stays in deadline order.
      r.deadline = now + S.config.registrarRequestTimeoutMs;
      S.queued.push(r);
    }
  }
  if (needsRegistrar(S)) wantRegistrar(S, now);
}

/** Drops the registrar association (abort) and hunts again. */
export function dropRegistrar(S: ClientState, now: number, timedOut: Request | null): void {
  const n = S.registrar;
  if (n === 0) return;
  S.kind[n] = KIND_DEAD;
  queueAbort(S.actions, n);
  registrarLost(S, now, n, timedOut);
}

/** Queues a request; false when the table is full. */
export function queueRequest(S: ClientState, now: number, r: Request): boolean {
  if (S.queued.length + S.inflight.length >= S.config.maxRequests) return false;
  r.deadline = now + S.config.registrarRequestTimeoutMs;
  S.queued.push(r);
  if (S.registrar !== 0) flush(S, now);
  else wantRegistrar(S, now);
  return true;
}

/** Removes a queued, unsent request (a PE deregistered before its registration went out). */
export function cancelRequest(S: ClientState, r: Request): void {
  const i = S.queued.indexOf(r);
  if (i >= 0) S.queued.splice(i, 1);
}

/** Sends queued requests on the registrar association. */
export function flush(S: ClientState, now: number): void {
  const n = S.registrar;
  while (n !== 0 && S.queued.length > 0) {
    const r = S.queued[0];
    const type = r.type;
    const m = asapMessage(S, type);
    m.poolHandle = r.handle;
    if (type === ASAP_REGISTRATION) {
      const pe = r.pe;
      if (pe === null || pe.removed) {
        S.queued.shift();
        continue;
      }
      pe.element.homeRegistrarIdentifier = S.registrarId;
      m.poolElements.push(pe.element);
    } else if (type === ASAP_HANDLE_RESOLUTION) {
      if (r.items > 0) m.items = r.items;
    } else {
      m.peIdentifier = r.identifier;
    }
    if (!sendAsap(S, n, m)) return; // transmit queue full: retried on the next flush
    S.queued.shift();
    if (type === ASAP_ENDPOINT_UNREACHABLE) continue; // RFC 5352 s3.5: no response
    if (type === ASAP_REGISTRATION) registrationSent(S, now, r);
    r.trials++;
    r.deadline = now + S.config.registrarResponseTimeoutMs;
    S.inflight.push(r);
  }
}

/** A response from the registrar: completes the oldest matching request. */
export function registrarResponse(S: ClientState, now: number, m: AsapMessage): void {
  const t = m.type;
  const want =
    t === ASAP_REGISTRATION_RESPONSE ? ASAP_REGISTRATION
      : t === ASAP_DEREGISTRATION_RESPONSE ? ASAP_DEREGISTRATION
        : t === ASAP_HANDLE_RESOLUTION_RESPONSE ? ASAP_HANDLE_RESOLUTION : 0;
  const list = S.inflight;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r.type !== want || !sameBytes(r.handle, m.poolHandle as Uint8Array)) continue;
    if (want !== ASAP_HANDLE_RESOLUTION && r.identifier !== m.peIdentifier) continue;
    list.splice(i, 1);
    finish(S, now, r, m, 0);
    return;
  }
}

/** Completes a request with a response or an ERROR_* value. */
export function finish(S: ClientState, now: number, r: Request, m: AsapMessage | null, error: number): void {
  if (r.type === ASAP_REGISTRATION) registrationDone(S, now, r, m, error);
  else if (r.type === ASAP_DEREGISTRATION) deregistrationDone(S, r, m, error);
  else if (r.type === ASAP_HANDLE_RESOLUTION) resolutionDone(S, now, r, m, error);
}

/** Hunt rounds, announce expiry and request deadlines. */
export function huntTimeout(S: ClientState, now: number): void {
  const list = S.candidates;
  const life = S.config.registrarAnnounceTimeoutMs;
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i];
    if (c.heard >= 0 && c.association === 0 && c.heard + life <= now) list.splice(i, 1);
  }
  if (S.hunting && S.roundDeadline <= now) {
    abortHuntConnects(S);
    S.round++;
    if (S.round < S.config.registrarConnectMaxTrials) startRound(S, now);
    else stopHunt(S);
  }
  // A response that does not come: drop the registrar and hunt again (rsplib).
  if (S.inflight.length > 0 && S.inflight[0].deadline <= now) dropRegistrar(S, now, S.inflight[0]);
  while (S.queued.length > 0 && S.queued[0].deadline <= now) {
    const r = S.queued.shift() as Request;
    r.trials++;
    if (r.trials >= S.config.registrarRequestMaxTrials) {
      finish(S, now, r, null, ERROR_NO_REGISTRAR);
    } else {
      r.deadline = now + S.config.registrarRequestTimeoutMs;
      S.queued.push(r);
    }
  }
  if (S.registrar === 0 && !S.hunting && S.queued.length > 0) startHunt(S, now);
}

/** Earliest hunt, announce or request deadline; -1 for none. */
export function huntDeadline(S: ClientState): number {
  let d = S.hunting ? S.roundDeadline : -1;
  const life = S.config.registrarAnnounceTimeoutMs;
  const list = S.candidates;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.heard >= 0 && c.association === 0) d = earliest(d, c.heard + life);
  }
  if (S.inflight.length > 0) d = earliest(d, S.inflight[0].deadline);
  if (S.queued.length > 0) d = earliest(d, S.queued[0].deadline);
  return d;
}

export function earliest(a: number, b: number): number {
  return a < 0 || (b >= 0 && b < a) ? b : a;
}
