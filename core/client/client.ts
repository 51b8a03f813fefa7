// The client machine: one stack instance of PEs, PUs and sessions behind one
// registrar association, as a sans-I/O Machine (core/driver/machine.ts) for
// one driver. Commands take `now` first (time is an argument); their
// results come back as events after the command returns.
//
// Association numbers: even ones are ours (hunt connects, the registrar,
// PU sessions), odd ones arrive on listeners: the ASAP listener (a registrar
// taking over as home, see pool-element.ts keepAlive) or a session listener.
//
// Home-registrar change in this model: rsplib's PE library listens on its
// "hunt socket" and every registrar association starts from that socket, so
// the registrar learns the PE's ASAP transport (address and port) from the
// association. A registrar taking over connects to that transport and sends
// ENDPOINT_KEEP_ALIVE with H. Here: with config.asapPort set, registrar
// associations are opened from that local port and an ASAP listener waits
// on it; an association accepted there whose keep-alive carries H becomes
// the registrar association and the old one is aborted.

import { ASAP_ENDPOINT_KEEP_ALIVE, ASAP_SERVER_ANNOUNCE, PPID_ASAP } from "../wire/constants.js";
import { decodeAsap } from "../wire/asap.js";
import { createDecoder } from "../wire/decoder.js";
import { createWriter } from "../wire/writer.js";
import { newAsapMessage, newTransport } from "../wire/build.js";
import type { PoolElement } from "../wire/types.js";
import type { Machine, MachineAction, MachineTransmit } from "../driver/machine.js";
import {
  createActionQueue,
  createTransmitQueue,
  pollActionQueue,
  pollTransmitQueue,
  queueListen,
  queueOpenSocket,
} from "../driver/output-queue.js";
import { createHandlespace, newHandlespaceConfig, newRegistrationMeta } from "../handlespace/handlespace.js";
import type { Handlespace } from "../handlespace/handlespace.js";
import { createRandomSource } from "../handlespace/random.js";
import type { RandomSource } from "../handlespace/random.js";
import { validateClientConfig } from "./config.js";
import type { ClientConfig } from "./config.js";
import { createEventQueue, pollEventQueue } from "./events.js";
import type { ClientEvent } from "./events.js";
import {
  addStaticCandidates,
  earliest,
  heardAnnounce,
  huntDeadline,
  huntDown,
  huntTimeout,
  huntUp,
  registrarLost,
  registrarResponse,
  startHunt,
} from "./hunt.js";
import {
  deregisterPoolElement,
  keepAlive,
  poolElementTimeout,
  registerPoolElement,
  setLoad,
} from "./pool-element.js";
import type { PoolElementOptions } from "./pool-element.js";
import { reportFailure, resolve } from "./pool-user.js";
import type { ResolveOptions } from "./pool-user.js";
import {
  ANNOUNCE_SOCKET,
  ASAP_LISTENER,
  freeAssociation,
  KIND_ASAP_IN,
  KIND_HUNT,
  KIND_REGISTRAR,
  KIND_SESSION,
} from "./state.js";
import type { ClientState } from "./state.js";
import {
  close,
  connect,
  failover,
  listen,
  send,
  sendBusinessCard,
  sendCookie,
  sessionAccepted,
  sessionDeadline,
  sessionDown,
  sessionMessage,
  sessionTimeout,
  sessionUp,
  stopListening,
} from "../session/session.js";
import type { ListenOptions } from "../session/session.js";

export interface Client extends Machine<ClientEvent> {
  /** The machine's state, for diagnostics and tests: read, never write. */
  readonly state: ClientState;
  /** Opens the announce socket and ASAP listener and starts hunting; commands call it too. */
  start(now: number): void;
  registerPoolElement(now: number, handle: Uint8Array | string, options: PoolElementOptions): number;
  deregisterPoolElement(now: number, handle: Uint8Array | string, identifier: number): void;
  setLoad(now: number, handle: Uint8Array | string, identifier: number, load: number): boolean;
  resolve(now: number, handle: Uint8Array | string, options?: ResolveOptions | null): number;
  reportFailure(now: number, handle: Uint8Array | string, identifier: number): boolean;
  connect(now: number, handle: Uint8Array | string): number;
  listen(now: number, options: ListenOptions): number;
  stopListening(now: number, listener: number): void;
  send(now: number, session: number, stream: number, ppid: number, bytes: Uint8Array): boolean;
  sendCookie(now: number, session: number, bytes: Uint8Array): boolean;
  sendBusinessCard(now: number, session: number, handle: Uint8Array | string, poolElements: PoolElement[] | null): boolean;
  failover(now: number, session: number, reportUnreachable: boolean): boolean;
  close(now: number, session: number): boolean;
}

function handlespace(random: RandomSource, config: ClientConfig, pools: number, elements: number): Handlespace {
  const h = newHandlespaceConfig(random);
  h.maxPoolHandleLength = config.maxPoolHandleLength;
  h.maxPools = pools;
  h.maxPoolElements = elements;
  h.maxPoolElementsPerPool = elements;
  h.initialCapacity = 16;
  return createHandlespace(h);
}

export function createClient(options: Partial<ClientConfig>): Client {
  const config = validateClientConfig(options);
  const random = createRandomSource(config.random as (into: Uint8Array) => void);
  const S: ClientState = {
    config: config,
    random: random,
    writer: createWriter(512),
    decoder: createDecoder(),
    message: newAsapMessage(0),
    transmits: createTransmitQueue(config.maxRequests + config.maxPoolElements + config.maxQueuedMessages + 256),
    actions: createActionQueue(config.maxSessions + 2 * config.maxRegistrars + 64),
    events: createEventQueue(),
    started: false,
    kind: [],
    ref: [],
    freeNumbers: [],
    nextNumber: 2,
    candidates: [],
    registrar: 0,
    registrarId: 0,
    current: null,
    suspect: null,
    hunting: false,
    round: 0,
    roundDeadline: -1,
    queued: [],
    inflight: [],
    nextRequestId: 0,
    ackAssociation: 0,
    own: handlespace(random, config, config.maxPoolElements, config.maxPoolElements),
    pes: [],
    byIdentifier: {},
    cache: handlespace(random, config, config.maxCachePools, config.maxCacheElements),
    refs: [],
    meta: newRegistrationMeta(),
    transport: newTransport(0, 0, 0, []),
    addressBuffers: { v4: [], v6: [] },
    sessions: [],
    freeSessions: [],
    sessionCount: 0,
    sessionSerial: 0,
    sessionDeadline: -1,
    sessionsDirty: false,
    nextListener: 1,
  };
  addStaticCandidates(S);

  function start(now: number): void {
    if (S.started) return;
    S.started = true;
    if (config.announce) {
      queueOpenSocket(S.actions, ANNOUNCE_SOCKET, "", config.announcePort, config.announceAddress, 1, "");
    }
    if (config.asapPort > 0) queueListen(S.actions, ASAP_LISTENER, config.transport, config.asapAddresses, config.asapPort);
    if (S.candidates.length > 0) startHunt(S, now);
  }

  return {
    state: S,
    start: start,

    handleAssociationUp(now: number, n: number, addresses: string[], port: number, listener: number): void {
      if (listener >= 0) {
        if (listener === ASAP_LISTENER && config.asapPort > 0) S.kind[n] = KIND_ASAP_IN;
        else sessionAccepted(S, now, n, listener);
        return;
      }
      const kind = S.kind[n];
      if (kind === KIND_HUNT) huntUp(S, now, n);
      else if (kind === KIND_SESSION) sessionUp(S, now, n);
    },

    handleAssociationDown(now: number, n: number, reason: number): void {
      const kind = S.kind[n];
      if (kind === KIND_HUNT) huntDown(S, now, n);
      else if (kind === KIND_REGISTRAR) registrarLost(S, now, n, null);
      else if (kind === KIND_SESSION) sessionDown(S, now, n, reason);
      freeAssociation(S, n);
    },

    handleMessage(now: number, n: number, stream: number, ppid: number, bytes: Uint8Array): void {
      const kind = S.kind[n];
      if (kind === KIND_SESSION) {
        sessionMessage(S, now, n, stream, ppid, bytes);
        return;
      }
      if ((kind !== KIND_REGISTRAR && kind !== KIND_ASAP_IN) || ppid !== PPID_ASAP) return;
      const m = decodeAsap(S.decoder, bytes, 0, bytes.length);
      if (m === null) return;
      if (m.type === ASAP_ENDPOINT_KEEP_ALIVE) keepAlive(S, now, n, m);
      else if (kind === KIND_REGISTRAR) registrarResponse(S, now, m);
    },

    handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void {
      if (socket !== ANNOUNCE_SOCKET) return;
      const m = decodeAsap(S.decoder, bytes, 0, bytes.length);
      if (m !== null && m.type === ASAP_SERVER_ANNOUNCE) heardAnnounce(S, now, m, address, port);
    },

    handleTimeout(now: number): void {
      huntTimeout(S, now);
      poolElementTimeout(S, now);
      S.cache.expire(now, null, null);
      sessionTimeout(S, now);
    },

    pollTransmit(): MachineTransmit | null {
      return pollTransmitQueue(S.transmits);
    },

    pollAction(): MachineAction | null {
      return pollActionQueue(S.actions);
    },

    pollEvent(): ClientEvent | null {
      return pollEventQueue(S.events);
    },

    pollTimeout(): number {
      let d = huntDeadline(S);
      d = earliest(d, S.own.nextDeadline());
      d = earliest(d, S.cache.nextDeadline());
      return earliest(d, sessionDeadline(S));
    },

    registerPoolElement(now: number, handle: Uint8Array | string, o: PoolElementOptions): number {
      start(now);
      return registerPoolElement(S, now, handle, o);
    },
    deregisterPoolElement(now: number, handle: Uint8Array | string, identifier: number): void {
      start(now);
      deregisterPoolElement(S, now, handle, identifier);
    },
    setLoad(now: number, handle: Uint8Array | string, identifier: number, load: number): boolean {
      start(now);
      return setLoad(S, now, handle, identifier, load);
    },
    resolve(now: number, handle: Uint8Array | string, o?: ResolveOptions | null): number {
      start(now);
      return resolve(S, now, handle, o);
    },
    reportFailure(now: number, handle: Uint8Array | string, identifier: number): boolean {
      start(now);
      return reportFailure(S, now, handle, identifier);
    },
    connect(now: number, handle: Uint8Array | string): number {
      start(now);
      return connect(S, now, handle);
    },
    listen(now: number, o: ListenOptions): number {
      start(now);
      return listen(S, now, o);
    },
    stopListening(now: number, listener: number): void {
      stopListening(S, now, listener);
    },
    send(now: number, session: number, stream: number, ppid: number, bytes: Uint8Array): boolean {
      return send(S, now, session, stream, ppid, bytes);
    },
    sendCookie(now: number, session: number, bytes: Uint8Array): boolean {
      return sendCookie(S, now, session, bytes);
    },
    sendBusinessCard(now: number, session: number, handle: Uint8Array | string, poolElements: PoolElement[] | null): boolean {
      return sendBusinessCard(S, now, session, handle, poolElements);
    },
    failover(now: number, session: number, reportUnreachable: boolean): boolean {
      return failover(S, now, session, reportUnreachable);
    },
    close(now: number, session: number): boolean {
      return close(S, now, session);
    },
  };
}
