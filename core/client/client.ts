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
import type { PoolElement } from "../wire/types.js";
import type { Machine, MachineAction, MachineTransmit } from "../driver/machine.js";
import type { Handlespace } from "../handlespace/handlespace.js";
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
  wantRegistrar,
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
  KIND_DEAD,
  KIND_FREE,
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
import {
  createActionQueue,
  createDecoder,
  createHandlespace,
  createRandomSource,
  createTransmitQueue,
  createWriter,
  decodeAsap,
  newAsapMessage,
  newHandlespaceConfig,
  newRegistrationMeta,
  newTransport,
  pollActionQueue,
  pollTransmitQueue,
  queueAbort,
  queueListen,
  queueOpenSocket,
} from "./shared.js";

export interface Client extends Machine<ClientEvent> {
  /** The machine's state, for diagnostics and tests: read, never write. */
  readonly state: ClientState;
  /**
   * Starts hunting for a registrar now (rsplib connects at start-up);
   * otherwise the first request or PE starts the hunt.
   */
  start(now: number): void;
  /** PE: registers (or updates and re-registers) a PE; its identifier, 0 when refused (event says why). */
  registerPoolElement(now: number, handle: Uint8Array | string, options: PoolElementOptions): number;
  /** PE: deregisters; EVENT_DEREGISTERED follows. */
  deregisterPoolElement(now: number, handle: Uint8Array | string, identifier: number): void;
  /** PE: a new load (adaptive policies); re-registers, rate-limited. False for an unknown PE. */
  setLoad(now: number, handle: Uint8Array | string, identifier: number, load: number): boolean;
  /** PU: resolves a pool handle; EVENT_RESOLVED with the returned request id follows. */
  resolve(now: number, handle: Uint8Array | string, options?: ResolveOptions | null): number;
  /** PU: drops the PE from the cache and sends ENDPOINT_UNREACHABLE. */
  reportFailure(now: number, handle: Uint8Array | string, identifier: number): boolean;
  /** PU: opens a session to a PE of the pool; its id (0 when the session table is full). */
  connect(now: number, handle: Uint8Array | string): number;
  /** PE: accepts sessions on a local port; the listener number (EVENT_SESSION_ACCEPTED names it). */
  listen(now: number, options: ListenOptions): number;
  stopListening(now: number, listener: number): void;
  /** Application data on a session (held while it connects or fails over); false when not taken. */
  send(now: number, session: number, stream: number, ppid: number, bytes: Uint8Array): boolean;
  /** PE: sends a cookie; the PU keeps the latest and echoes it after a failover. */
  sendCookie(now: number, session: number, bytes: Uint8Array): boolean;
  /** Sends a business card: the pool and the PEs to fail over to (null: this stack's PEs of that pool). */
  sendBusinessCard(now: number, session: number, handle: Uint8Array | string, poolElements: PoolElement[] | null): boolean;
  /** Fails the session over now; reportUnreachable also reports the PE to the registrar. */
  failover(now: number, session: number, reportUnreachable: boolean): boolean;
  /** Closes the session gracefully; unsent data comes back as EVENT_DATA_RETURNED. */
  close(now: number, session: number): boolean;
}

/** A command bound to the state (commands take `now` first, then their arguments). */
function bind(S: ClientState, command: Function): Function {
  return function (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): unknown {
    return command(S, a, b, c, d, e);
  };
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
    config_: config,
    random_: random,
    writer_: createWriter(512),
    decoder_: createDecoder(),
    message_: newAsapMessage(0),
    transmits_: createTransmitQueue(config.maxRequests + config.maxPoolElements + config.maxQueuedMessages + 256),
    actions_: createActionQueue(config.maxSessions + 2 * config.maxRegistrars + 64),
    events_: createEventQueue(),
    kind_: [],
    ref_: [],
    freeNumbers_: [],
    nextNumber_: 2,
    candidates_: [],
    registrar_: 0,
    registrarId_: 0,
    current_: null,
    suspect_: null,
    hunting_: false,
    round_: 0,
    roundDeadline_: -1,
    queued_: [],
    inflight_: [],
    nextRequestId_: 0,
    ackAssociation_: 0,
    own_: handlespace(random, config, config.maxPoolElements, config.maxPoolElements),
    pes_: [],
    byIdentifier_: {},
    cache_: handlespace(random, config, config.maxCachePools, config.maxCacheElements),
    refs_: [],
    meta_: newRegistrationMeta(),
    transport_: newTransport(0, 0, 0, []),
    addressBuffers_: { v4: [], v6: [] },
    sessions_: [],
    freeSessions_: [],
    sessionCount_: 0,
    sessionSerial_: 0,
    sessionDeadline_: -1,
    sessionsDirty_: false,
    nextListener_: 1,
  };
  addStaticCandidates(S);
  // Go out with the first drain (the first command or input).
  if (config.announce) queueOpenSocket(S.actions_, ANNOUNCE_SOCKET, "", config.announcePort, config.announceAddress, 1, "");
  if (config.asapPort > 0) queueListen(S.actions_, ASAP_LISTENER, config.transport, config.asapAddresses, config.asapPort);

  return {
    state: S,
    start(now: number): void {
      if (S.candidates_.length > 0) wantRegistrar(S, now);
    },

    handleAssociationUp(now: number, n: number, addresses: string[], port: number, listener: number): void {
      if (listener >= 0) {
        if (listener !== ASAP_LISTENER || config.asapPort === 0) {
          sessionAccepted(S, now, n, listener);
        } else {
          // A registrar that may take over as home; only a few at a time.
          let open = 0;
          for (let i = 1; i < S.kind_.length; i++) if (S.kind_[i] === KIND_ASAP_IN) open++;
          if (open < config.maxRegistrars) {
            S.kind_[n] = KIND_ASAP_IN;
          } else {
            S.kind_[n] = KIND_DEAD;
            queueAbort(S.actions_, n);
          }
        }
        return;
      }
      const kind = S.kind_[n];
      if (kind === KIND_HUNT) huntUp(S, now, n);
      else if (kind === KIND_SESSION) sessionUp(S, now, n);
    },

    handleAssociationDown(now: number, n: number, reason: number): void {
      const kind = S.kind_[n];
      if (kind === KIND_HUNT) huntDown(S, now, n);
      else if (kind === KIND_REGISTRAR) registrarLost(S, now, n, null);
      else if (kind === KIND_SESSION) sessionDown(S, now, n, reason);
      // (A number we never used must not enter the free list twice.)
      if (kind !== undefined && kind !== KIND_FREE) freeAssociation(S, n);
    },

    handleMessage(now: number, n: number, stream: number, ppid: number, bytes: Uint8Array): void {
      const kind = S.kind_[n];
      if (kind === KIND_SESSION) {
        sessionMessage(S, now, n, stream, ppid, bytes);
        return;
      }
      if ((kind !== KIND_REGISTRAR && kind !== KIND_ASAP_IN) || ppid !== PPID_ASAP) return;
      const m = decodeAsap(S.decoder_, bytes, 0, bytes.length);
      if (m === null) return;
      if (m.type === ASAP_ENDPOINT_KEEP_ALIVE) keepAlive(S, now, n, m);
      else if (kind === KIND_REGISTRAR) registrarResponse(S, now, m);
    },

    handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void {
      if (socket !== ANNOUNCE_SOCKET) return;
      const m = decodeAsap(S.decoder_, bytes, 0, bytes.length);
      if (m !== null && m.type === ASAP_SERVER_ANNOUNCE) heardAnnounce(S, now, m, address, port);
    },

    handleTimeout(now: number): void {
      huntTimeout(S, now);
      poolElementTimeout(S, now);
      S.cache_.expire(now, null, null);
      sessionTimeout(S, now);
    },

    pollTransmit(): MachineTransmit | null {
      return pollTransmitQueue(S.transmits_);
    },

    pollAction(): MachineAction | null {
      return pollActionQueue(S.actions_);
    },

    pollEvent(): ClientEvent | null {
      return pollEventQueue(S.events_);
    },

    pollTimeout(): number {
      let d = huntDeadline(S);
      d = earliest(d, S.own_.nextDeadline());
      d = earliest(d, S.cache_.nextDeadline());
      return earliest(d, sessionDeadline(S));
    },

    registerPoolElement: bind(S, registerPoolElement) as Client["registerPoolElement"],
    deregisterPoolElement: bind(S, deregisterPoolElement) as Client["deregisterPoolElement"],
    setLoad: bind(S, setLoad) as Client["setLoad"],
    resolve: bind(S, resolve) as Client["resolve"],
    reportFailure: bind(S, reportFailure) as Client["reportFailure"],
    connect: bind(S, connect) as Client["connect"],
    listen: bind(S, listen) as Client["listen"],
    stopListening: bind(S, stopListening) as Client["stopListening"],
    send: bind(S, send) as Client["send"],
    sendCookie: bind(S, sendCookie) as Client["sendCookie"],
    sendBusinessCard: bind(S, sendBusinessCard) as Client["sendBusinessCard"],
    failover: bind(S, failover) as Client["failover"],
    close: bind(S, close) as Client["close"],
  };
}
