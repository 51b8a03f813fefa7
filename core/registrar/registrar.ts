// The pool registrar's ASAP side (RFC 5352 s3) as a sans-I/O machine:
// registration with anti-spoofing (RFC 5355), deregistration, handle
// resolution, keep-alive supervision of home PEs, endpoint-unreachable
// counting, server announces, and abuse limits. ENRP (RFC 5353) plugs in
// through a RegistrarExtension: it sees every ADD_PE/DEL_PE of an owned PE,
// every ENRP association, message, datagram and timer, and feeds peer-owned
// PEs in with addPeerPoolElement / removePeerPoolElement.
//
// Numbers: listeners 0.. are ours (ASAP transports first, then ENRP);
// socket 0 is the announce socket, sockets >= 1 and even (outgoing)
// association numbers belong to the extension, which queues its own
// actions and transmits on `actions` / `transmits` (core/driver/output-queue).

import {
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_ERROR,
  ASAP_FLAG_HOME,
  ASAP_FLAG_REJECT,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  CAUSE_INCONSISTENT_DATA_CONTROL,
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INCONSISTENT_TRANSPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_NON_UNIQUE_PE_IDENTIFIER,
  CAUSE_REJECTED_SECURITY,
  CAUSE_UNRECOGNIZED_MESSAGE,
  CAUSE_UNRECOGNIZED_PARAMETER,
  CAUSE_UNKNOWN_POOL_HANDLE,
  PARAM_HANDLE_RESOLUTION_OPTION,
  PARAM_POOL_HANDLE,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
  PPID_ASAP,
  PPID_ENRP,
  TRANSPORT_USE_DATA_ONLY,
  UPDATE_ACTION_ADD_PE,
  UPDATE_ACTION_DEL_PE,
} from "../wire/constants.js";
import type { AsapMessage, ErrorCause, PoolElement, Transport } from "../wire/types.js";
import { decodeAsap, encodeAsap } from "../wire/asap.js";
import { createDecoder } from "../wire/decoder.js";
import { createWriter } from "../wire/writer.js";
import { newAsapMessage, newErrorCause, newOperationError, newTransport } from "../wire/build.js";
import { parseAddress } from "../wire/address.js";
import { createHandlespace, newHandlespaceConfig, newRegistrationMeta } from "../handlespace/handlespace.js";
import type { Handlespace } from "../handlespace/handlespace.js";
import { newPoolElementRecord } from "../handlespace/record.js";
import type { PoolElementRecord } from "../handlespace/record.js";
import { createRandomSource } from "../handlespace/random.js";
import {
  createActionQueue,
  createTransmitQueue,
  dropTransmits,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueAbort,
  queueClose,
  queueCloseSocket,
  queueListen,
  queueOpenSocket,
  queueSendDatagram,
  queueStopListening,
  transmitQueueLength,
} from "../driver/output-queue.js";
import type { ActionQueue, TransmitQueue } from "../driver/output-queue.js";
import type { Machine, MachineAction, MachineTransmit } from "../driver/machine.js";
import { scopeByName, validateRegistrarConfig } from "./config.js";
import type { RegistrarConfig } from "./config.js";
import { filterAddresses } from "./scope.js";
import type { FilterResult } from "./scope.js";

/** Registrar event kinds (RegistrarEvent.kind). */
export const EVENT_STARTED = 1;
export const EVENT_STOPPED = 2;
/** A new PE registered (cause 0). */
export const EVENT_REGISTERED = 3;
export const EVENT_REREGISTERED = 4;
/** cause = the RFC 5354 cause sent back. */
export const EVENT_REGISTRATION_REJECTED = 5;
export const EVENT_DEREGISTERED = 6;
/** A PE left without deregistering; cause = REMOVED_*. */
export const EVENT_REMOVED = 7;
export const EVENT_ASSOCIATION_UP = 8;
/** cause = the DOWN_* reason. */
export const EVENT_ASSOCIATION_DOWN = 9;
/** We aborted or closed an association; cause = CLOSED_*. */
export const EVENT_ASSOCIATION_ENDED = 10;
/** A message we answered with ASAP_ERROR or dropped; cause = the RFC 5354 cause. */
export const EVENT_PROTOCOL_ERROR = 11;
/** A request over a rate limit; cause = its ASAP message type. */
export const EVENT_RATE_LIMITED = 12;

/** EVENT_REMOVED causes. */
export const REMOVED_KEEP_ALIVE_TIMEOUT = 1;
export const REMOVED_ASSOCIATION_DOWN = 2;
export const REMOVED_UNREACHABLE = 3;
/** A peer-owned PE's registration life ran out (RFC 5353: non-home registrars expire PEs). */
export const REMOVED_EXPIRED = 4;
export const REMOVED_STOPPED = 5;
/** removePeerPoolElement (ENRP DEL_PE). */
export const REMOVED_BY_PEER = 6;

/** EVENT_ASSOCIATION_ENDED causes. */
export const CLOSED_PPID_MISMATCH = 1;
export const CLOSED_KEEP_ALIVE_TIMEOUT = 2;
export const CLOSED_TOO_MANY = 3;
export const CLOSED_IDLE = 4;
export const CLOSED_STOPPED = 5;

/** Association kinds. */
const KIND_ASAP = 1;
const KIND_ENRP = 2;

/** Handlespace timer codes of PEs. */
const TIMER_KEEP_ALIVE = 1;
const TIMER_KEEP_ALIVE_TIMEOUT = 2;
const TIMER_EXPIRY = 3;

/** rsplib MAX_MAX_HANDLE_RESOLUTION_ITEMS. */
const MAX_ITEMS = 128;

export interface RegistrarEvent {
  kind: number;
  time: number;
  association: number;
  /** A copy (the PE's pool handle), or null. */
  poolHandle: Uint8Array | null;
  identifier: number;
  cause: number;
}

export interface RegistrarStatistics {
  associationsUp: number;
  associationsDown: number;
  /** Associations we aborted or closed (PPID mismatch, keep-alive timeout, over the cap, idle). */
  associationsEnded: number;
  messages: number;
  malformedMessages: number;
  errorsSent: number;
  errorsReceived: number;
  registrations: number;
  reregistrations: number;
  registrationsRejected: number;
  deregistrations: number;
  handleResolutions: number;
  handleResolutionsRefused: number;
  unreachableReports: number;
  unreachableReportsIgnored: number;
  keepAlivesSent: number;
  keepAliveAcks: number;
  removedPoolElements: number;
  announcesSent: number;
  enrpMessages: number;
  droppedTransmits: number;
  droppedEvents: number;
}

/**
 * An ENRP module (RFC 5353) plugged into the registrar. Called from inside
 * the registrar's handle* methods; it queues its outputs on the registrar's
 * `transmits` / `actions` queues.
 */
export interface RegistrarExtension {
  /** True: start-up is complete at once; false: call registrar.completeStartup(now) when it is. */
  start(now: number): boolean;
  stop(now: number): void;
  /**
   * A PE this registrar owns was registered or re-registered (ADD_PE) or is
   * about to be removed (DEL_PE). `ref` is readable in the handlespace
   * during the call.
   */
  handleUpdate(now: number, action: number, ref: number): void;
  /** ENRP associations: accepted by an ENRP listener, or the extension's own (even) connects. */
  handleAssociationUp(now: number, association: number, remoteAddresses: string[], remotePort: number, listener: number): void;
  handleAssociationDown(now: number, association: number, reason: number): void;
  /** A PPID 12 message on an ENRP association. */
  handleMessage(now: number, association: number, stream: number, bytes: Uint8Array): void;
  /** A datagram on a socket >= 1. */
  handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void;
  handleTimeout(now: number): void;
  pollTimeout(): number;
}

export interface Registrar extends Machine<RegistrarEvent> {
  readonly identifier: number;
  readonly config: RegistrarConfig;
  /** The handlespace (read it; change it only through the registrar). */
  readonly handlespace: Handlespace;
  readonly statistics: RegistrarStatistics;
  /** Output queues the extension may use (core/driver/output-queue). */
  readonly transmits: TransmitQueue;
  readonly actions: ActionQueue;
  /** Listen, open the announce socket, start the extension. */
  start(now: number): void;
  /** Graceful: stop listening, close every association, remove the PEs it owns (DEL_PE); nothing else. */
  stop(now: number): void;
  isRunning(): boolean;
  setExtension(extension: RegistrarExtension | null): void;
  /** The extension's start-up (mentor phase) is over: begin announcing. */
  completeStartup(now: number): void;
  /**
   * A PE owned by registrar `owner`, learned by ENRP: kept until its
   * registration life runs out (or forever for life < 0) unless refreshed.
   * Returns 0 or an RFC 5354 cause.
   */
  addPeerPoolElement(now: number, poolHandle: Uint8Array, element: PoolElement, owner: number, distance: number): number;
  /** Removes a peer-owned PE; false when unknown or owned by this registrar. */
  removePeerPoolElement(now: number, poolHandle: Uint8Array, identifier: number): boolean;
  /** ENDPOINT_KEEP_ALIVE to a home PE now (H flag on takeover), expecting the ACK. */
  sendKeepAlive(now: number, ref: number, home: boolean): void;
}

interface Bucket {
  tokens_: number;
  at_: number;
}

interface AssociationState {
  kind_: number;
  addresses_: Uint8Array[];
  /** The PE's ASAP transport as seen from here (RFC 5354 s3.10 for ENRP). */
  asap_: Transport;
  lastActivity_: number;
  /** We closed or aborted it: ignore what still arrives. */
  ending_: boolean;
  resolutions_: Bucket;
  reports_: Bucket;
}

/** Takes one token from a bucket refilled at `rate` per second up to `burst`; rate 0 = unlimited. */
function take(b: Bucket, now: number, rate: number, burst: number): boolean {
  if (rate <= 0) return true;
  let tokens = b.tokens_;
  if (now > b.at_) tokens += ((now - b.at_) * rate) / 1000;
  if (tokens > burst) tokens = burst;
  b.at_ = now;
  b.tokens_ = tokens >= 1 ? tokens - 1 : tokens;
  return tokens >= 1;
}

function earlier(a: number, b: number): number {
  return a < 0 || (b >= 0 && b < a) ? b : a;
}

export function createRegistrar(options: Partial<RegistrarConfig>): Registrar {
  const config = validateRegistrarConfig(options);
  const random = createRandomSource(config.random as (into: Uint8Array) => void);
  let identifier = config.identifier >>> 0;
  while (identifier === 0) identifier = random() >>> 0;

  const hsConfig = newHandlespaceConfig(random);
  hsConfig.maxPoolHandleLength = config.maxPoolHandleLength;
  hsConfig.maxPools = config.maxPools;
  hsConfig.maxPoolElements = config.maxPoolElements;
  hsConfig.maxPoolElementsPerPool = config.maxPoolElementsPerPool;
  hsConfig.maxPoolElementsPerAssociation = config.maxPoolElementsPerAssociation;
  hsConfig.maxAddresses = config.maxAddresses;
  hsConfig.maxBadPeReports = config.maxBadPeReports;
  const hs = createHandlespace(hsConfig);

  const minScope = scopeByName(config.minAddressScope);
  const noIPv6 = config.disableIPv6;
  const decoder = createDecoder();
  decoder.maxAddresses = config.maxAddresses;
  const writer = createWriter(512);
  const transmits = createTransmitQueue(config.transmitQueueCapacity);
  const actions = createActionQueue(config.maxAssociations + 64);
  const events: RegistrarEvent[] = [];
  let eventHead = 0;
  const statistics: RegistrarStatistics = {
    associationsUp: 0,
    associationsDown: 0,
    associationsEnded: 0,
    messages: 0,
    malformedMessages: 0,
    errorsSent: 0,
    errorsReceived: 0,
    registrations: 0,
    reregistrations: 0,
    registrationsRejected: 0,
    deregistrations: 0,
    handleResolutions: 0,
    handleResolutionsRefused: 0,
    unreachableReports: 0,
    unreachableReportsIgnored: 0,
    keepAlivesSent: 0,
    keepAliveAcks: 0,
    removedPoolElements: 0,
    announcesSent: 0,
    enrpMessages: 0,
    droppedTransmits: 0,
    droppedEvents: 0,
  };

  let running = false;
  let stopped = false;
  let extension: RegistrarExtension | null = null;
  const associations: Array<AssociationState | null> = [];
  let associationCount = 0;
  /** KIND_* and transport parameter type per listener number. */
  const listenerKinds: number[] = [];
  const listenerTypes: number[] = [];
  let announceAt = -1;
  let announceBytes: Uint8Array | null = null;
  let autoCloseAt = -1;

  // Reusable records: messages we send, the resolution result, scratch.
  const meta = newRegistrationMeta();
  const response = newAsapMessage(ASAP_REGISTRATION_RESPONSE);
  const responseCause = newErrorCause(0, new Uint8Array(0));
  const responseError = newOperationError([responseCause]);
  const resolution = newAsapMessage(ASAP_HANDLE_RESOLUTION_RESPONSE);
  const keepAlive = newAsapMessage(ASAP_ENDPOINT_KEEP_ALIVE);
  const refs = new Int32Array(MAX_ITEMS);
  const records: PoolElementRecord[] = [];
  /** elementLists[n]: an array of the first n records' elements (one per count, made once). */
  const elementLists: PoolElement[][] = [];
  const kept: Uint8Array[] = [];
  const filtered: FilterResult = { belowScope: 0, foreign: 0 };
  const handleBuffer = new Uint8Array(255);
  /** handleViews[n]: handleBuffer's first n bytes. */
  const handleViews: Uint8Array[] = [];
  let fastItems = -1;
  // For removal visitors (no closure per call).
  let visitNow = 0;
  let visitReason = 0;

  // ---- outputs -----------------------------------------------------------

  function emit(kind: number, now: number, association: number, handle: Uint8Array | null, id: number, cause: number): void {
    if (events.length - eventHead >= config.eventQueueCapacity) {
      statistics.droppedEvents++;
      return;
    }
    events.push({
      kind: kind,
      time: now,
      association: association,
      poolHandle: handle === null ? null : handle.slice(0),
      identifier: id,
      cause: cause,
    });
  }

  function send(association: number, stream: number, message: AsapMessage): void {
    if (!pushTransmit(transmits, association, stream, PPID_ASAP, encodeAsap(writer, message))) statistics.droppedTransmits++;
  }

  function sendError(association: number, stream: number, causes: ErrorCause[]): void {
    const message = newAsapMessage(ASAP_ERROR);
    message.error = newOperationError(causes);
    const bytes = encodeAsap(writer, message);
    if (decodeAsap(decoder, bytes, 0, bytes.length) === null) {
      // The offending bytes are too broken to carry as a parameter (RFC 5354
      // s3.12): an ERROR must itself be well-formed, so send the causes bare.
      for (let i = 0; i < causes.length; i++) causes[i].info = new Uint8Array(0);
    }
    send(association, stream, message);
    statistics.errorsSent++;
  }

  function end(now: number, association: number, abort: boolean, cause: number): void {
    const state = associations[association];
    if (state === null || state === undefined || state.ending_) return;
    state.ending_ = true;
    if (abort) queueAbort(actions, association);
    else queueClose(actions, association);
    statistics.associationsEnded++;
    emit(EVENT_ASSOCIATION_ENDED, now, association, null, 0, cause);
  }

  /** Removes a PE; a home PE's removal is an ENRP DEL_PE first (RFC 5353 s2.4). */
  function remove(now: number, ref: number, reason: number): void {
    if (extension !== null && hs.isHome(ref)) extension.handleUpdate(now, UPDATE_ACTION_DEL_PE, ref);
    emit(EVENT_REMOVED, now, hs.getAssociation(ref), hs.getPoolHandle(ref), hs.getIdentifier(ref), reason);
    statistics.removedPoolElements++;
    hs.remove(ref);
  }

  function visitRemoved(target: unknown, ref: number): void {
    if (extension !== null && hs.isHome(ref)) extension.handleUpdate(visitNow, UPDATE_ACTION_DEL_PE, ref);
    emit(EVENT_REMOVED, visitNow, hs.getAssociation(ref), hs.getPoolHandle(ref), hs.getIdentifier(ref), visitReason);
    statistics.removedPoolElements++;
  }

  function sendKeepAlive(now: number, ref: number, home: boolean): void {
    const association = hs.getAssociation(ref);
    keepAlive.flags = home ? ASAP_FLAG_HOME : 0;
    keepAlive.serverIdentifier = identifier;
    keepAlive.poolHandle = hs.getPoolHandle(ref);
    keepAlive.peIdentifier = hs.getIdentifier(ref);
    send(association, 0, keepAlive);
    statistics.keepAlivesSent++;
    const state = associations[association];
    if (state !== null && state !== undefined) state.lastActivity_ = now;
    hs.setTimer(ref, now + config.keepAliveTimeoutIntervalMs, TIMER_KEEP_ALIVE_TIMEOUT);
  }

  // ---- requests ----------------------------------------------------------

  /** RFC 5352 s3.1 (registrar side) plus RFC 5355 anti-spoofing. */
  function register(now: number, association: number, state: AssociationState, stream: number, m: AsapMessage): void {
    const handle = m.poolHandle as Uint8Array;
    const pe = m.poolElements[0];
    let cause = 0;
    if (pe.asapTransport !== null) {
      // RFC 5354 s3.10: the ASAP transport is ENRP-only (rsplib rejects it too).
      cause = CAUSE_INVALID_VALUES;
    } else {
      const transport = pe.userTransport;
      filterAddresses(transport.addresses, state.addresses_, minScope, noIPv6, kept, filtered);
      if (kept.length === 0) {
        // Addresses the association does not use may be spoofed (RFC 5355 s3):
        // a security rejection; usable-looking but below the minimum scope: invalid.
        cause = filtered.foreign > 0 ? CAUSE_REJECTED_SECURITY : CAUSE_INVALID_VALUES;
      } else {
        transport.addresses = kept;
        pe.homeRegistrarIdentifier = identifier;
        pe.asapTransport = state.asap_;
        const ref = hs.lookup(handle, pe.identifier);
        const other = ref >= 0 ? hs.getAssociation(ref) : 0;
        if (other !== 0 && other !== association) {
          // The identifier is in use by a PE on another live association (RFC 5354 cause 0x4).
          cause = CAUSE_NON_UNIQUE_PE_IDENTIFIER;
        } else {
          meta.association = association;
          meta.owner = identifier;
          meta.home = true;
          meta.distance = 0;
          meta.deadline = now + config.keepAliveTransmissionIntervalMs;
          meta.timerCode = TIMER_KEEP_ALIVE;
          cause = hs.register(handle, pe, meta);
        }
      }
    }
    response.type = ASAP_REGISTRATION_RESPONSE;
    response.flags = cause === 0 ? 0 : ASAP_FLAG_REJECT;
    response.poolHandle = handle;
    response.peIdentifier = pe.identifier;
    response.error = null;
    if (cause !== 0) {
      responseCause.code = cause;
      responseCause.policy = cause === CAUSE_INCONSISTENT_POLICY ? pe.policy : null;
      responseCause.transport =
        cause === CAUSE_INCONSISTENT_TRANSPORT || cause === CAUSE_INCONSISTENT_DATA_CONTROL ? pe.userTransport : null;
      response.error = responseError;
    }
    send(association, stream, response);
    if (cause !== 0) {
      statistics.registrationsRejected++;
      emit(EVENT_REGISTRATION_REJECTED, now, association, handle, pe.identifier, cause);
      return;
    }
    const created = hs.lastCreated;
    if (created) statistics.registrations++;
    else statistics.reregistrations++;
    emit(created ? EVENT_REGISTERED : EVENT_REREGISTERED, now, association, handle, pe.identifier, 0);
    if (extension !== null) extension.handleUpdate(now, UPDATE_ACTION_ADD_PE, hs.lastRef);
  }

  /** RFC 5352 s3.2; idempotent. Only the registering association may deregister (RFC 5355 s3). */
  function deregister(now: number, association: number, stream: number, m: AsapMessage): void {
    const handle = m.poolHandle as Uint8Array;
    const id = m.peIdentifier as number;
    const ref = hs.lookup(handle, id);
    response.type = ASAP_DEREGISTRATION_RESPONSE;
    response.flags = 0;
    response.poolHandle = handle;
    response.peIdentifier = id;
    response.error = null;
    if (ref >= 0 && hs.getAssociation(ref) !== association) {
      responseCause.code = CAUSE_REJECTED_SECURITY;
      responseCause.policy = null;
      responseCause.transport = null;
      response.error = responseError;
    } else if (ref >= 0) {
      if (extension !== null) extension.handleUpdate(now, UPDATE_ACTION_DEL_PE, ref);
      hs.remove(ref);
      statistics.deregistrations++;
      emit(EVENT_DEREGISTERED, now, association, handle, id, 0);
    }
    send(association, stream, response);
  }

  /** RFC 5352 s3.3 (and rsplib's Handle Resolution Option; absent or 0 = the configured default): allocates nothing. */
  function resolve(now: number, association: number, state: AssociationState, stream: number, handle: Uint8Array, items: number): void {
    statistics.handleResolutions++;
    let cause = 0;
    let n = 0;
    if (!take(state.resolutions_, now, config.maxHandleResolutionRate, config.handleResolutionBurst)) {
      // RFC 5355 s3: flooding. The PU learns it is throttled; the handlespace is untouched.
      cause = CAUSE_LACK_OF_RESOURCES;
      statistics.handleResolutionsRefused++;
    } else {
      const pool = hs.lookupPool(handle);
      if (pool < 0) {
        cause = CAUSE_UNKNOWN_POOL_HANDLE; // RFC 5352 s3.3
      } else {
        let k = items <= 0 ? config.maxHandleResolutionItems : items;
        if (k > MAX_ITEMS) k = MAX_ITEMS;
        n = hs.resolvePool(pool, k, refs, config.maxIncrement);
        while (records.length < n) records.push(newPoolElementRecord());
        for (let i = 0; i < n; i++) {
          hs.readPoolElement(refs[i], records[i]);
          records[i].element.asapTransport = null; // ENRP-only (RFC 5354 s3.10)
        }
      }
    }
    resolution.poolHandle = handle;
    if (n > 0) {
      let list = elementLists[n];
      if (list === undefined) {
        list = [];
        for (let i = 0; i < n; i++) list.push(records[i].element);
        elementLists[n] = list;
      }
      resolution.poolElements = list;
      // rsplib: the overall policy is the first selected PE's.
      resolution.policy = records[0].element.policy;
      resolution.error = null;
    } else {
      if (elementLists[0] === undefined) elementLists[0] = [];
      resolution.poolElements = elementLists[0];
      resolution.policy = null;
      responseCause.code = cause;
      responseCause.policy = null;
      responseCause.transport = null;
      resolution.error = responseError;
    }
    send(association, stream, resolution);
  }

  /** RFC 5352 s3.5 / RFC 5353 MAX-BAD-PE-REPORT, rate-limited per association (RFC 5355 s3). */
  function unreachable(now: number, association: number, state: AssociationState, m: AsapMessage): void {
    statistics.unreachableReports++;
    if (!take(state.reports_, now, config.maxEndpointUnreachableRate, config.endpointUnreachableBurst)) {
      statistics.unreachableReportsIgnored++;
      emit(EVENT_RATE_LIMITED, now, association, m.poolHandle, m.peIdentifier as number, ASAP_ENDPOINT_UNREACHABLE);
      return;
    }
    visitNow = now;
    visitReason = REMOVED_UNREACHABLE;
    hs.reportUnreachable(m.poolHandle as Uint8Array, m.peIdentifier as number, visitRemoved, null);
  }

  function keepAliveAck(association: number, m: AsapMessage, now: number): void {
    const ref = hs.lookup(m.poolHandle as Uint8Array, m.peIdentifier as number);
    // Only the PE's own association answers for it, and only when asked.
    if (ref >= 0 && hs.getAssociation(ref) === association && hs.getTimerCode(ref) === TIMER_KEEP_ALIVE_TIMEOUT) {
      statistics.keepAliveAcks++;
      hs.setTimer(ref, now + config.keepAliveTransmissionIntervalMs, TIMER_KEEP_ALIVE);
    }
  }

  /**
   * A HANDLE_RESOLUTION that is exactly a pool handle and an optional Handle
   * Resolution Option, cleanly framed: returns the handle length (its bytes
   * at offset 8) and sets fastItems (-1 absent). -1 sends it to the full
   * decoder, which also reports whatever is odd about it.
   */
  function scanResolution(b: Uint8Array, length: number): number {
    if (length < 12 || b[1] !== 0 || ((b[2] << 8) | b[3]) !== length || (length & 3) !== 0) return -1;
    if (((b[4] << 8) | b[5]) !== PARAM_POOL_HANDLE) return -1;
    const tlv = (b[6] << 8) | b[7];
    const padded = (tlv + 3) & ~3;
    if (tlv < 5 || tlv > 259 || 4 + padded > length) return -1;
    for (let i = 4 + tlv; i < 4 + padded; i++) if (b[i] !== 0) return -1;
    const q = 4 + padded;
    fastItems = -1;
    if (q !== length) {
      if (q + 8 !== length || ((b[q] << 8) | b[q + 1]) !== PARAM_HANDLE_RESOLUTION_OPTION || ((b[q + 2] << 8) | b[q + 3]) !== 8) return -1;
      fastItems = ((b[q + 4] << 24) | (b[q + 5] << 16) | (b[q + 6] << 8) | b[q + 7]) >>> 0;
    }
    return tlv - 4;
  }

  function handleAsap(now: number, association: number, state: AssociationState, stream: number, bytes: Uint8Array): void {
    const length = bytes.length;
    statistics.messages++;
    if (length > config.maxMessageSize) {
      // RFC 5355: bounded input. Nothing of it is echoed back.
      statistics.malformedMessages++;
      emit(EVENT_PROTOCOL_ERROR, now, association, null, 0, CAUSE_LACK_OF_RESOURCES);
      if (bytes[0] !== ASAP_ERROR) sendError(association, stream, [newErrorCause(CAUSE_LACK_OF_RESOURCES, new Uint8Array(0))]);
      return;
    }
    if (bytes[0] === ASAP_HANDLE_RESOLUTION) {
      const handleLength = scanResolution(bytes, length);
      if (handleLength > 0) {
        let handle = handleViews[handleLength];
        if (handle === undefined) handle = handleViews[handleLength] = handleBuffer.subarray(0, handleLength);
        for (let i = 0; i < handleLength; i++) handle[i] = bytes[8 + i];
        resolve(now, association, state, stream, handle, fastItems);
        return;
      }
    }
    const m = decodeAsap(decoder, bytes, 0, length);
    if (m === null) {
      const error = decoder.error;
      statistics.malformedMessages++;
      const cause = error === null ? 0 : error.cause;
      emit(EVENT_PROTOCOL_ERROR, now, association, null, 0, cause);
      // RFC 5354 s2: "stop" parameters are dropped silently; never answer an ERROR with an ERROR.
      if (error !== null && error.report && bytes[0] !== ASAP_ERROR) {
        sendError(association, stream, [newErrorCause(cause, error.info === null ? new Uint8Array(0) : error.info)]);
      }
      return;
    }
    // RFC 5354 s2 skip-and-report: one ERROR listing them, then process the rest.
    const problems = decoder.problems;
    let reported: ErrorCause[] | null = null;
    for (let i = 0; i < problems.length; i++) {
      const info = problems[i].info;
      if (problems[i].cause === CAUSE_UNRECOGNIZED_PARAMETER && info !== null) {
        if (reported === null) reported = [];
        reported.push(newErrorCause(CAUSE_UNRECOGNIZED_PARAMETER, info));
      }
    }
    if (reported !== null && m.type !== ASAP_ERROR) sendError(association, stream, reported);
    switch (m.type) {
      case ASAP_REGISTRATION:
        register(now, association, state, stream, m);
        break;
      case ASAP_DEREGISTRATION:
        deregister(now, association, stream, m);
        break;
      case ASAP_HANDLE_RESOLUTION:
        resolve(now, association, state, stream, m.poolHandle as Uint8Array, m.items === null ? -1 : m.items);
        break;
      case ASAP_ENDPOINT_KEEP_ALIVE_ACK:
        keepAliveAck(association, m, now);
        break;
      case ASAP_ENDPOINT_UNREACHABLE:
        unreachable(now, association, state, m);
        break;
      case ASAP_ERROR:
        statistics.errorsReceived++;
        emit(EVENT_PROTOCOL_ERROR, now, association, null, 0, m.error !== null && m.error.causes.length > 0 ? m.error.causes[0].code : 0);
        break;
      default:
        // A valid message a registrar does not take (responses, cookies, ...).
        emit(EVENT_PROTOCOL_ERROR, now, association, null, 0, CAUSE_UNRECOGNIZED_MESSAGE);
        sendError(association, stream, [newErrorCause(CAUSE_UNRECOGNIZED_MESSAGE, bytes)]);
    }
  }

  // ---- timers ------------------------------------------------------------

  function beginService(now: number): void {
    if (!config.asapAnnounce || announceBytes !== null) return;
    // RFC 5352 s3.6: the registrar id and its ASAP transports (rsplib sends the id only;
    // without configured addresses we do the same and receivers use the UDP source).
    const message = newAsapMessage(ASAP_SERVER_ANNOUNCE);
    message.serverIdentifier = identifier;
    const addresses: Uint8Array[] = [];
    for (let i = 0; i < config.asapAddresses.length; i++) addresses.push(parseAddress(config.asapAddresses[i]) as Uint8Array);
    if (addresses.length > 0) {
      for (let l = 0; l < listenerTypes.length; l++) {
        if (listenerKinds[l] !== KIND_ASAP) continue;
        if (listenerTypes[l] === PARAM_TCP_TRANSPORT) {
          // One address per TCP transport parameter (RFC 5354 s3.5).
          for (let i = 0; i < addresses.length; i++) {
            message.transports.push(newTransport(PARAM_TCP_TRANSPORT, config.asapPort, TRANSPORT_USE_DATA_ONLY, [addresses[i]]));
          }
        } else {
          message.transports.push(newTransport(PARAM_SCTP_TRANSPORT, config.asapPort, TRANSPORT_USE_DATA_ONLY, addresses));
        }
      }
    }
    announceBytes = encodeAsap(writer, message).slice(0);
    queueOpenSocket(actions, 0, "", config.asapPort, "", config.announceTtl, "");
    announceAt = now;
  }

  function handleTimeout(now: number): void {
    if (!running) return;
    // PE timers; when the transmit queue is nearly full, leave the rest due
    // (pollTimeout stays <= now, so the driver comes back after draining).
    for (;;) {
      if (transmitQueueLength(transmits) + 2 > config.transmitQueueCapacity) break;
      const ref = hs.nextDue(now);
      if (ref < 0) break;
      const code = hs.getTimerCode(ref);
      if (code === TIMER_KEEP_ALIVE) {
        sendKeepAlive(now, ref, false);
      } else if (code === TIMER_KEEP_ALIVE_TIMEOUT) {
        // rsplib: abort the PE's association, remove the PE; the abort removes the rest.
        const association = hs.getAssociation(ref);
        remove(now, ref, REMOVED_KEEP_ALIVE_TIMEOUT);
        end(now, association, true, CLOSED_KEEP_ALIVE_TIMEOUT);
      } else if (code === TIMER_EXPIRY) {
        remove(now, ref, REMOVED_EXPIRED);
      } else {
        hs.setTimer(ref, -1, 0);
      }
    }
    if (announceAt >= 0 && now >= announceAt && announceBytes !== null) {
      queueSendDatagram(actions, 0, announceBytes, config.announceAddress, config.announcePort);
      statistics.announcesSent++;
      // rsplib registrarRandomizeCycle: the cycle +-12.5 %.
      const cycle = config.serverAnnounceCycleMs;
      announceAt = now + cycle - (cycle >>> 3) + ((random() >>> 0) % ((cycle >>> 2) + 1));
    }
    if (autoCloseAt >= 0 && now >= autoCloseAt) {
      // SCTP_AUTOCLOSE as rsplib sets it: close associations idle that long.
      const timeout = config.autoCloseTimeoutMs;
      let next = -1;
      for (let a = 1; a < associations.length; a++) {
        const state = associations[a];
        if (state === null || state === undefined || state.ending_) continue;
        const due = state.lastActivity_ + timeout;
        if (due <= now) end(now, a, false, CLOSED_IDLE);
        else next = earlier(next, due);
      }
      autoCloseAt = next;
    }
    if (extension !== null) {
      const due = extension.pollTimeout();
      if (due >= 0 && due <= now) extension.handleTimeout(now);
    }
  }

  function pollTimeout(): number {
    if (!running) return -1;
    let deadline = earlier(hs.nextDeadline(), announceAt);
    deadline = earlier(deadline, autoCloseAt);
    if (extension !== null) deadline = earlier(deadline, extension.pollTimeout());
    return deadline;
  }

  // ---- associations ------------------------------------------------------

  function handleAssociationUp(now: number, association: number, remoteAddresses: string[], remotePort: number, listener: number): void {
    const kind = listener >= 0 ? listenerKinds[listener] : KIND_ENRP;
    const addresses: Uint8Array[] = [];
    for (let i = 0; i < remoteAddresses.length; i++) {
      const a = parseAddress(remoteAddresses[i]);
      if (a !== null) addresses.push(a);
    }
    // The PE's ASAP transport for ENRP: this association's usable addresses.
    const usable: Uint8Array[] = [];
    filterAddresses(addresses, addresses, minScope, noIPv6, usable, filtered);
    const tcp = listener >= 0 && listenerTypes[listener] === PARAM_TCP_TRANSPORT;
    if (tcp && usable.length > 1) usable.length = 1;
    const state: AssociationState = {
      kind_: kind === KIND_ASAP ? KIND_ASAP : KIND_ENRP,
      addresses_: addresses,
      asap_: newTransport(tcp ? PARAM_TCP_TRANSPORT : PARAM_SCTP_TRANSPORT, remotePort, TRANSPORT_USE_DATA_ONLY, usable),
      lastActivity_: now,
      ending_: false,
      resolutions_: { tokens_: config.handleResolutionBurst, at_: now },
      reports_: { tokens_: config.endpointUnreachableBurst, at_: now },
    };
    while (associations.length <= association) associations.push(null);
    associations[association] = state;
    associationCount++;
    statistics.associationsUp++;
    emit(EVENT_ASSOCIATION_UP, now, association, null, 0, 0);
    if (!running || associationCount > config.maxAssociations) {
      end(now, association, true, running ? CLOSED_TOO_MANY : CLOSED_STOPPED);
      return;
    }
    if (config.autoCloseTimeoutMs > 0) autoCloseAt = earlier(autoCloseAt, now + config.autoCloseTimeoutMs);
    if (state.kind_ === KIND_ENRP && extension !== null) {
      extension.handleAssociationUp(now, association, remoteAddresses, remotePort, listener);
    }
  }

  function handleAssociationDown(now: number, association: number, reason: number): void {
    const state = association < associations.length ? associations[association] : null;
    if (state === null || state === undefined) return;
    associations[association] = null;
    associationCount--;
    statistics.associationsDown++;
    dropTransmits(transmits, association);
    emit(EVENT_ASSOCIATION_DOWN, now, association, null, 0, reason);
    if (state.kind_ === KIND_ASAP) {
      // rsplib: every PE registered over a lost association goes at once.
      visitNow = now;
      visitReason = REMOVED_ASSOCIATION_DOWN;
      hs.removeAssociation(association, visitRemoved, null);
    } else if (extension !== null && running) {
      extension.handleAssociationDown(now, association, reason);
    }
  }

  function handleMessage(now: number, association: number, stream: number, ppid: number, bytes: Uint8Array): void {
    const state = association < associations.length ? associations[association] : null;
    if (!running || state === null || state === undefined || state.ending_) return;
    state.lastActivity_ = now;
    if (ppid !== (state.kind_ === KIND_ASAP ? PPID_ASAP : PPID_ENRP)) {
      // rsplib: a PPID that does not match the socket is answered with an ABORT.
      end(now, association, true, CLOSED_PPID_MISMATCH);
      return;
    }
    if (state.kind_ === KIND_ASAP) {
      handleAsap(now, association, state, stream, bytes);
    } else {
      statistics.enrpMessages++;
      if (extension !== null) extension.handleMessage(now, association, stream, bytes);
    }
  }

  function handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void {
    if (running && socket > 0 && extension !== null) extension.handleDatagram(now, socket, bytes, address, port);
  }

  // ---- commands ----------------------------------------------------------

  function listen(kind: number, names: string[], addresses: string[], port: number): void {
    for (let i = 0; i < names.length; i++) {
      const listener = listenerKinds.length;
      listenerKinds.push(kind);
      listenerTypes.push(names[i] === "tcp" ? PARAM_TCP_TRANSPORT : PARAM_SCTP_TRANSPORT);
      queueListen(actions, listener, names[i], addresses, port);
    }
  }

  function start(now: number): void {
    if (running || stopped) return;
    running = true;
    listen(KIND_ASAP, config.asapTransports, config.asapAddresses, config.asapPort);
    listen(KIND_ENRP, config.enrpTransports, config.enrpAddresses, config.enrpPort);
    emit(EVENT_STARTED, now, 0, null, 0, 0);
    if (extension === null || extension.start(now)) beginService(now);
  }

  function stop(now: number): void {
    if (!running) return;
    for (let l = 0; l < listenerKinds.length; l++) queueStopListening(actions, l);
    if (announceBytes !== null) queueCloseSocket(actions, 0);
    visitNow = now;
    visitReason = REMOVED_STOPPED;
    hs.removeOwned(identifier, visitRemoved, null);
    for (let a = 1; a < associations.length; a++) end(now, a, false, CLOSED_STOPPED);
    if (extension !== null) extension.stop(now);
    running = false;
    stopped = true;
    announceAt = -1;
    autoCloseAt = -1;
    emit(EVENT_STOPPED, now, 0, null, 0, 0);
  }

  function addPeerPoolElement(now: number, poolHandle: Uint8Array, element: PoolElement, owner: number, distance: number): number {
    meta.association = 0;
    meta.owner = owner;
    meta.home = false;
    meta.distance = distance;
    meta.deadline = element.registrationLife >= 0 ? now + element.registrationLife : -1;
    meta.timerCode = TIMER_EXPIRY;
    return hs.register(poolHandle, element, meta);
  }

  function removePeerPoolElement(now: number, poolHandle: Uint8Array, id: number): boolean {
    const ref = hs.lookup(poolHandle, id);
    if (ref < 0 || hs.isHome(ref)) return false;
    remove(now, ref, REMOVED_BY_PEER);
    return true;
  }

  return {
    identifier: identifier,
    config: config,
    handlespace: hs,
    statistics: statistics,
    transmits: transmits,
    actions: actions,
    handleAssociationUp: handleAssociationUp,
    handleAssociationDown: handleAssociationDown,
    handleMessage: handleMessage,
    handleDatagram: handleDatagram,
    handleTimeout: handleTimeout,
    pollTransmit: function (): MachineTransmit | null {
      return pollTransmitQueue(transmits);
    },
    pollAction: function (): MachineAction | null {
      return pollActionQueue(actions);
    },
    pollEvent: function (): RegistrarEvent | null {
      if (eventHead >= events.length) return null;
      const event = events[eventHead++];
      if (eventHead === events.length) {
        events.length = 0;
        eventHead = 0;
      }
      return event;
    },
    pollTimeout: pollTimeout,
    start: start,
    stop: stop,
    isRunning: function (): boolean {
      return running;
    },
    setExtension: function (value: RegistrarExtension | null): void {
      extension = value;
    },
    completeStartup: function (now: number): void {
      if (running) beginService(now);
    },
    addPeerPoolElement: addPeerPoolElement,
    removePeerPoolElement: removePeerPoolElement,
    sendKeepAlive: sendKeepAlive,
  };
}
