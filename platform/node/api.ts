// The Node API: Promise and EventEmitter wrappers over the core roles. Each
// role is one core machine behind createDriver(createNodePlatform(...)):
//
//   startRegistrar(options)      -> Registrar        (core/registrar)
//   createPoolElement(options)   -> PoolElement      (core/client: one PE, sessions it accepts)
//   createPoolUser(options)      -> PoolUser         (core/client: resolution, sessions)
//   connect(handle, options)     -> Session          (a PoolUser of its own, closed with the session)
//
// Failures are RSerPoolError (an Error) with a string `code`. Events are
// plain EventEmitter events; payload bytes are Buffers the listener owns.

import { EventEmitter } from "node:events";
import os from "node:os";
import { createDriver } from "../../core/driver/driver.js";
import type { Driver } from "../../core/driver/driver.js";
import {
  DRIVER_ERROR_CONNECT_FAILED,
  DRIVER_ERROR_LISTEN_FAILED,
  DRIVER_ERROR_NO_TRANSPORT,
  DRIVER_ERROR_SOCKET_FAILED,
} from "../../core/driver/driver.js";
import { createRegistrar } from "../../core/registrar/index.js";
import * as R from "../../core/registrar/index.js";
import type { Registrar as RegistrarMachine, RegistrarConfig, RegistrarEvent, RegistrarStatistics } from "../../core/registrar/index.js";
import { createEnrpTableExtension } from "../../core/registrar/enrp-table.js";
import { newTableCursor } from "../../core/handlespace/handlespace.js";
import { newPoolElementRecord } from "../../core/handlespace/record.js";
import { createClient } from "../../core/client/client.js";
import type { Client } from "../../core/client/client.js";
import type { ClientConfig } from "../../core/client/config.js";
import * as C from "../../core/client/events.js";
import { errorText } from "../../core/client/error-text.js";
import type { ClientEvent } from "../../core/client/events.js";
import {
  PARAM_DCCP_TRANSPORT,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
  PARAM_UDP_LITE_TRANSPORT,
  PARAM_UDP_TRANSPORT,
  POLICY_ROUND_ROBIN,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
} from "../../core/wire/constants.js";
import { formatAddress } from "../../core/wire/address.js";
import { newPolicy } from "../../core/wire/build.js";
import { policyName } from "../../core/wire/policy-names.js";
import type { Policy, PoolElement as WirePoolElement, Transport } from "../../core/wire/types.js";
import { createNodePlatform } from "./platform.js";
import type { LogFunction, NodePlatform } from "./platform.js";
import type { SctpTransportOptions } from "./sctp-transport.js";
import type { TcpTransportOptions } from "./tcp-transport.js";
import {
  ASAP_PORT,
  conventionalRemoteUdpPort,
  ENRP_PORT,
  FallbackTransport,
  findFreePort,
  localAddressToward,
  parseEndpoint,
  RecordingTransport,
  SCTP_UDP_PORT,
  SctpRouter,
} from "./plumbing.js";
import type { RecordedListener, RemoteUdpPortFunction } from "./plumbing.js";
import { parsePolicy } from "./policy.js";

// ---- errors ---------------------------------------------------------------

export type RSerPoolErrorCode =
  | "ERR_NO_REGISTRAR"
  | "ERR_TIMEOUT"
  | "ERR_POOL_NOT_FOUND"
  | "ERR_REJECTED"
  | "ERR_LACK_OF_RESOURCES"
  | "ERR_NO_POOL_ELEMENT"
  | "ERR_CLOSED"
  | "ERR_LISTEN"
  | "ERR_INVALID_ARGUMENT";

/** RFC 5354 s3.12 cause names (for messages). */
const CAUSES = [
  "unspecified error",
  "unrecognized parameter",
  "unrecognized message",
  "invalid values",
  "non-unique PE identifier",
  "inconsistent pooling policy",
  "lack of resources",
  "inconsistent transport type",
  "inconsistent data/control configuration",
  "unknown pool handle",
  "rejected due to security considerations",
];

export function causeText(cause: number): string {
  return CAUSES[cause] ?? `cause 0x${cause.toString(16)}`;
}

export class RSerPoolError extends Error {
  readonly code: RSerPoolErrorCode;
  /** RFC 5354 error cause from the registrar (ERR_REJECTED), else 0. */
  readonly rfcCause: number;

  constructor(code: RSerPoolErrorCode, message: string, rfcCause = 0, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RSerPoolError";
    this.code = code;
    this.rfcCause = rfcCause;
  }
}

const ERROR_CODES: RSerPoolErrorCode[] = [
  "ERR_CLOSED", // ERROR_NONE never becomes an error; placeholder
  "ERR_NO_REGISTRAR",
  "ERR_TIMEOUT",
  "ERR_POOL_NOT_FOUND",
  "ERR_REJECTED",
  "ERR_LACK_OF_RESOURCES",
  "ERR_NO_POOL_ELEMENT",
  "ERR_CLOSED",
];

/** The RSerPoolError for a core client ERROR_* value (and RFC cause). */
export function clientError(error: number, cause: number, what: string): RSerPoolError {
  const code = ERROR_CODES[error] ?? "ERR_CLOSED";
  let text = `${what}: ${errorText(error)}`;
  if (cause !== 0) text += ` (${causeText(cause)})`;
  return new RSerPoolError(code, text, cause);
}

// ---- shared descriptions ------------------------------------------------------

export type TransportName = "sctp" | "tcp";

export interface TransportInfo {
  protocol: "sctp" | "tcp" | "udp" | "dccp" | "udp-lite" | "unknown";
  port: number;
  addresses: string[];
  /** Transport use "data plus control" (the ASAP control channel rides along). */
  controlChannel: boolean;
}

export interface PolicyInfo {
  name: string;
  type: number;
  weight: number;
  priority: number;
  /** 0...1 */
  load: number;
  loadDegradation: number;
  loadDpf: number;
  weightDpf: number;
  distance: number;
}

export interface PoolElementInfo {
  identifier: number;
  homeRegistrar: number;
  /** ms; -1 = infinite. */
  registrationLife: number;
  transport: TransportInfo;
  policy: PolicyInfo;
  /** ENRP only: the PE's ASAP transport as its home registrar sees it. */
  asapTransport: TransportInfo | null;
}

function protocolName(type: number): TransportInfo["protocol"] {
  switch (type) {
    case PARAM_SCTP_TRANSPORT:
      return "sctp";
    case PARAM_TCP_TRANSPORT:
      return "tcp";
    case PARAM_UDP_TRANSPORT:
      return "udp";
    case PARAM_DCCP_TRANSPORT:
      return "dccp";
    case PARAM_UDP_LITE_TRANSPORT:
      return "udp-lite";
  }
  return "unknown";
}

export function describeTransport(t: Transport): TransportInfo {
  return {
    protocol: protocolName(t.type),
    port: t.port,
    addresses: t.addresses.map(formatAddress),
    controlChannel: t.transportUse === TRANSPORT_USE_DATA_PLUS_CONTROL,
  };
}

const FULL = 0xffffffff;

export function describePolicy(p: Policy): PolicyInfo {
  return {
    name: policyName(p.type),
    type: p.type >>> 0,
    weight: p.weight,
    priority: p.priority,
    load: p.load / FULL,
    loadDegradation: p.loadDegradation / FULL,
    loadDpf: p.loadDpf / FULL,
    weightDpf: p.weightDpf / FULL,
    distance: p.distance,
  };
}

export function describePoolElement(pe: WirePoolElement): PoolElementInfo {
  return {
    identifier: pe.identifier >>> 0,
    homeRegistrar: pe.homeRegistrarIdentifier >>> 0,
    registrationLife: pe.registrationLife,
    transport: describeTransport(pe.userTransport),
    policy: describePolicy(pe.policy),
    asapTransport: pe.asapTransport === null ? null : describeTransport(pe.asapTransport),
  };
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** A pool handle as text (handles are opaque bytes; the tools use UTF-8 names). */
export function handleText(h: Uint8Array | null): string {
  return h === null ? "" : decoder.decode(h);
}

function handleBytes(h: string | Uint8Array): Uint8Array {
  return typeof h === "string" ? new TextEncoder().encode(h) : h;
}

export function hex(id: number): string {
  return "0x" + (id >>> 0).toString(16).padStart(8, "0");
}

// ---- platforms ------------------------------------------------------------------

/** A registrar to use: "addr[,addr]:port" or a record. */
export type RegistrarSpec = string | { addresses: string[]; port?: number; udpPort?: number };

export interface NetworkOptions {
  /**
   * Transports in order of preference. Default ["sctp", "tcp"]: SCTP (over
   * UDP encapsulation) first, the TCP mapping when SCTP cannot connect.
   */
  transports?: TransportName[];
  /** UDP encapsulation port this process's SCTP listeners use (role-specific default). */
  sctpUdpPort?: number;
  /** Remote UDP encapsulation port per SCTP destination; default: the project's convention (plumbing.ts). */
  remoteUdpPort?: RemoteUdpPortFunction;
  /** Options passed to the SCTP and TCP transports. */
  sctp?: SctpTransportOptions;
  tcp?: TcpTransportOptions;
  /** Receives the core's and transports' log calls (level, code, a, b). */
  log?: LogFunction | null;
}

/** @internal A platform with the API's transport wrappers (also used by the tools). */
export interface Stack {
  platform: NodePlatform;
  router: SctpRouter | null;
  listeners: RecordedListener[];
  /** Name for client connects: "auto" (SCTP then TCP), "sctp" or "tcp". */
  connectTransport: string;
  close(): void;
}

function transportsOf(o: NetworkOptions): TransportName[] {
  const list = o.transports ?? ["sctp", "tcp"];
  if (list.length === 0 || list.some((n) => n !== "sctp" && n !== "tcp")) {
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", `transports must be "sctp" and/or "tcp", not ${JSON.stringify(list)}`);
  }
  return list;
}

/** @internal */
export function buildStack(o: NetworkOptions, udpPort: number, routes: Map<string, number>, datagram: boolean): Stack {
  const names = transportsOf(o);
  const sctpOptions: SctpTransportOptions = { ...o.sctp, udpPort };
  const platform = createNodePlatform({
    transports: names,
    sctp: sctpOptions,
    tcp: o.tcp,
    datagram,
    log: o.log ?? null,
  });
  const listeners: RecordedListener[] = [];
  const fallbackRoute = o.remoteUdpPort ?? conventionalRemoteUdpPort;
  const route: RemoteUdpPortFunction = (address, port) => routes.get(`${address}|${port}`) ?? fallbackRoute(address, port);
  let router: SctpRouter | null = null;
  const wrapped = [];
  for (const name of names) {
    if (name === "sctp" && platform.sctp !== null) {
      router = new SctpRouter(platform.sctp, { ...sctpOptions, log: o.log ?? null }, route);
      wrapped.push(new RecordingTransport(router, listeners));
    } else if (name === "tcp" && platform.tcp !== null) {
      wrapped.push(new RecordingTransport(platform.tcp, listeners));
    }
  }
  let connectTransport: string = names[0];
  if (wrapped.length === 2) {
    const sctp = wrapped.find((w) => w.name === "sctp") as RecordingTransport;
    const tcp = wrapped.find((w) => w.name === "tcp") as RecordingTransport;
    wrapped.push(new FallbackTransport(sctp, tcp) as unknown as RecordingTransport);
    connectTransport = names[0] === "sctp" ? "auto" : "tcp";
  }
  platform.transports.length = 0;
  platform.transports.push(...wrapped);
  return {
    platform,
    router,
    listeners,
    connectTransport,
    close() {
      if (router !== null) router.close();
      platform.close();
    },
  };
}

/** Live associations of the stack's transports. */
function liveAssociations(stack: Stack): number {
  const p = stack.platform;
  let n = 0;
  if (p.tcp !== null) n += p.tcp.links.size;
  if (stack.router !== null) n += stack.router.associationCount;
  else if (p.sctp !== null) n += p.sctp.associationCount;
  return n;
}

/**
 * Releases a stack after driver.close() asked every association to close
 * gracefully: waits (at most graceMs) until they are gone, then closes the
 * transports (which end what is left at once).
 */
/** @internal */
export async function settleAndClose(stack: Stack, graceMs: number): Promise<void> {
  const until = Date.now() + graceMs;
  while (liveAssociations(stack) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  stack.close();
}

/** Waits for every recorded listener; rejects with ERR_LISTEN naming the first failure. */
async function listenersReady(stack: Stack, from: number, what: string): Promise<void> {
  const list = stack.listeners.slice(from);
  const results = await Promise.allSettled(list.map((l) => l.ready));
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (r.status === "rejected") {
      const e = r.reason as NodeJS.ErrnoException;
      throw new RSerPoolError("ERR_LISTEN", `${what}: cannot listen on ${list[i].transport} port ${list[i].port}: ${e?.message ?? e}`, 0, { cause: e });
    }
  }
}

function registrarAddresses(specs: RegistrarSpec[], routes: Map<string, number>): ClientConfig["registrars"] {
  const out: ClientConfig["registrars"] = [];
  for (const spec of specs) {
    let addresses: string[];
    let port: number;
    let udpPort: number | undefined;
    if (typeof spec === "string") {
      const e = parseEndpoint(spec, ASAP_PORT);
      addresses = e.addresses;
      port = e.port;
    } else {
      addresses = spec.addresses.slice();
      port = spec.port ?? ASAP_PORT;
      udpPort = spec.udpPort;
    }
    if (addresses.length === 0) throw new RSerPoolError("ERR_INVALID_ARGUMENT", `registrar '${String(spec)}' has no address`);
    for (const a of addresses) routes.set(`${a}|${port}`, udpPort ?? SCTP_UDP_PORT);
    out.push({ addresses, port });
  }
  return out;
}

// ---- registrar --------------------------------------------------------------------

export interface RegistrarOptions extends NetworkOptions {
  /**
   * Registrar configuration (core/registrar/config.ts; rsplib's options).
   * asapTransports / enrpTransports default to `transports`; asapPort 3863,
   * enrpPort 9901; a port of 0 picks a free one (the same number for SCTP
   * and TCP). The SCTP listeners use UDP port `sctpUdpPort` (default 9899;
   * 0 = ephemeral).
   */
  config?: Partial<Omit<RegistrarConfig, "random">>;
  /** Answer ENRP HANDLE_TABLE_REQUEST (hsdump). Default true. */
  handleTable?: boolean;
}

export type RegistrarEventName =
  | "started"
  | "stopped"
  | "registered"
  | "reregistered"
  | "registration-rejected"
  | "deregistered"
  | "removed"
  | "association-up"
  | "association-down"
  | "association-ended"
  | "protocol-error"
  | "rate-limited";

const REGISTRAR_EVENT_NAMES: RegistrarEventName[] = [
  "started", // index = kind
  "started",
  "stopped",
  "registered",
  "reregistered",
  "registration-rejected",
  "deregistered",
  "removed",
  "association-up",
  "association-down",
  "association-ended",
  "protocol-error",
  "rate-limited",
];

const REMOVED_REASONS = ["", "keep-alive-timeout", "association-down", "unreachable", "expired", "stopped", "removed-by-peer"];
const DOWN_REASONS = ["closed", "aborted", "connect-failed", "timeout", "protocol-error"];
const CLOSED_REASONS = ["", "ppid-mismatch", "keep-alive-timeout", "too-many-associations", "idle", "stopped"];

export interface RegistrarEventInfo {
  event: RegistrarEventName;
  /** Platform clock, ms. */
  time: number;
  association: number;
  poolHandle: string | null;
  identifier: number;
  /** RFC 5354 cause (rejections, protocol errors) or the reason code of removals and closes. */
  cause: number;
  /** Readable reason for removals, downs and closes; cause text for rejections. */
  reason: string;
}

function describeRegistrarEvent(e: RegistrarEvent): RegistrarEventInfo {
  const event = REGISTRAR_EVENT_NAMES[e.kind] ?? "protocol-error";
  let reason = "";
  if (e.kind === R.EVENT_REMOVED) reason = REMOVED_REASONS[e.cause] ?? String(e.cause);
  else if (e.kind === R.EVENT_ASSOCIATION_DOWN) reason = DOWN_REASONS[e.cause] ?? String(e.cause);
  else if (e.kind === R.EVENT_ASSOCIATION_ENDED) reason = CLOSED_REASONS[e.cause] ?? String(e.cause);
  else if (e.kind === R.EVENT_REGISTRATION_REJECTED || e.kind === R.EVENT_PROTOCOL_ERROR) reason = causeText(e.cause);
  else if (e.kind === R.EVENT_RATE_LIMITED) reason = `ASAP message type ${e.cause}`;
  return {
    event,
    time: e.time,
    association: e.association,
    poolHandle: e.poolHandle === null ? null : handleText(e.poolHandle),
    identifier: e.identifier >>> 0,
    cause: e.cause,
    reason,
  };
}

export interface RegistrarPorts {
  /** ASAP port: SCTP port and TCP mapping port (one number). */
  asap: number;
  /** ENRP port (SCTP and TCP), 0 when no ENRP listener. */
  enrp: number;
  /** UDP encapsulation port of the SCTP listeners, 0 without SCTP. */
  sctpUdp: number;
  transports: TransportName[];
}

export interface HandlespacePool {
  poolHandle: string;
  policy: string;
  elements: Array<PoolElementInfo & { owner: number; home: boolean }>;
}

/**
 * A running registrar. Events: each RegistrarEventName with a
 * RegistrarEventInfo, "event" with every one, and "warning" (Error) for
 * failures the machine is not told about (a send or socket error).
 */
export class Registrar extends EventEmitter {
  readonly identifier: number;
  readonly ports: RegistrarPorts;
  readonly machine: RegistrarMachine;
  readonly driver: Driver<RegistrarMachine>;
  /** @internal */ readonly stack: Stack;
  private openAssociations = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** @internal */
  constructor(machine: RegistrarMachine, stack: Stack, ports: RegistrarPorts) {
    super();
    this.machine = machine;
    this.identifier = machine.identifier;
    this.stack = stack;
    this.ports = ports;
    this.driver = createDriver<RegistrarMachine, RegistrarEvent>(stack.platform, machine, {
      onEvent: (_t, e) => this.onEvent(e),
      onError: (_t, code, number, detail) => this.emit("warning", driverError("registrar", code, number, detail)),
    });
  }

  private onEvent(e: RegistrarEvent): void {
    if (e.kind === R.EVENT_ASSOCIATION_UP) this.openAssociations++;
    else if (e.kind === R.EVENT_ASSOCIATION_DOWN) {
      this.openAssociations--;
      if (this.openAssociations <= 0 && this.drained !== null) this.drained();
    }
    const info = describeRegistrarEvent(e);
    this.emit(info.event, info);
    this.emit("event", info);
  }

  get statistics(): RegistrarStatistics {
    return this.machine.statistics;
  }

  get associationCount(): number {
    return this.openAssociations;
  }

  /** The whole handlespace (pools in handle order, PEs by identifier), as plain records. */
  handlespace(): HandlespacePool[] {
    const hs = this.machine.handlespace;
    const cursor = newTableCursor();
    const refs: number[] = [];
    hs.nextPage(cursor, -1, 0, (list: number[], ref: number) => {
      list.push(ref);
      return true;
    }, refs);
    const pools: HandlespacePool[] = [];
    const record = newPoolElementRecord();
    let last = -1;
    for (const ref of refs) {
      const pool = hs.getPool(ref);
      if (pool !== last) {
        pools.push({ poolHandle: handleText(hs.getPoolHandle(ref)), policy: policyName(hs.poolPolicyType(pool)), elements: [] });
        last = pool;
      }
      hs.readPoolElement(ref, record);
      pools[pools.length - 1].elements.push({ ...describePoolElement(record.element), owner: hs.getOwner(ref) >>> 0, home: hs.isHome(ref) });
    }
    return pools;
  }

  /**
   * Graceful stop: stop listening, close every association (the registrar
   * forgets the PEs it owns; it deregisters nothing else), wait for the
   * associations to go (at most graceMs), release sockets and timers.
   */
  close(graceMs = 2000): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      const wait = new Promise<void>((resolve) => {
        this.drained = resolve;
        const timer = setTimeout(resolve, graceMs);
        timer.unref();
      });
      this.driver.run(() => this.machine.stop(this.stack.platform.now()), null);
      if (this.openAssociations > 0) await wait;
      this.driver.close();
      await settleAndClose(this.stack, 200);
    })();
    return this.closing;
  }
}

function driverError(role: string, code: number, number: number, detail: unknown): Error {
  const what =
    code === DRIVER_ERROR_LISTEN_FAILED ? "listen failed" :
    code === DRIVER_ERROR_CONNECT_FAILED ? "connect failed" :
    code === DRIVER_ERROR_SOCKET_FAILED ? "socket failed" :
    code === DRIVER_ERROR_NO_TRANSPORT ? "no such transport" : `driver error ${code}`;
  const text = detail instanceof Error ? detail.message : detail === null || detail === undefined ? "" : String(detail);
  return new Error(`${role}: ${what} (${number})${text === "" ? "" : ": " + text}`);
}

/** Starts a registrar; resolves once every listener is bound. */
export async function startRegistrar(options: RegistrarOptions = {}): Promise<Registrar> {
  const names = transportsOf(options);
  const config: Partial<RegistrarConfig> = { ...options.config };
  if (config.asapTransports === undefined) config.asapTransports = names.slice();
  if (config.enrpTransports === undefined) config.enrpTransports = names.slice();
  if (config.asapPort === undefined) config.asapPort = ASAP_PORT;
  if (config.enrpPort === undefined) config.enrpPort = ENRP_PORT;
  if (config.asapPort === 0) config.asapPort = await findFreePort();
  if (config.enrpPort === 0 && config.enrpTransports.length > 0) config.enrpPort = await findFreePort();
  const stack = buildStack(options, options.sctpUdpPort ?? SCTP_UDP_PORT, new Map(), true);
  let machine: RegistrarMachine;
  try {
    machine = createRegistrar({ ...config, random: (into) => stack.platform.random(into) });
  } catch (e) {
    stack.close();
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", (e as Error).message, 0, { cause: e });
  }
  if (options.handleTable !== false) machine.setExtension(createEnrpTableExtension(machine));
  const sctpUsed = machine.config.asapTransports.includes("sctp") || machine.config.enrpTransports.includes("sctp");
  const ports: RegistrarPorts = {
    asap: machine.config.asapPort,
    enrp: machine.config.enrpTransports.length > 0 ? machine.config.enrpPort : 0,
    sctpUdp: 0,
    transports: names,
  };
  const registrar = new Registrar(machine, stack, ports);
  const failures: Error[] = [];
  const onWarning = (e: Error) => failures.push(e);
  registrar.on("warning", onWarning);
  registrar.driver.run(() => machine.start(stack.platform.now()), null);
  try {
    if (failures.length > 0) throw new RSerPoolError("ERR_LISTEN", failures[0].message);
    await listenersReady(stack, 0, "registrar");
  } catch (e) {
    registrar.removeListener("warning", onWarning);
    registrar.driver.close();
    stack.close();
    throw e;
  }
  registrar.removeListener("warning", onWarning);
  if (sctpUsed) {
    const l = stack.listeners.find((x) => x.transport === "sctp");
    if (l !== undefined) ports.sctpUdp = await l.ready;
  }
  return registrar;
}

// ---- client stacks (pool elements and pool users) ------------------------------------

export interface ClientOptions extends NetworkOptions {
  /** Static registrars (rsplib -registrar). */
  registrars?: RegistrarSpec[];
  /**
   * Listen for registrar announces (rsplib -asapannounce). Default: only
   * when no registrar is given.
   */
  announce?: boolean;
  /** Further core client options (core/client/config.ts). */
  client?: Partial<Omit<ClientConfig, "random" | "registrars">>;
}

export interface SendOptions {
  /** Payload protocol identifier; default 0. Not 11 (the ASAP control channel). */
  ppid?: number;
  stream?: number;
}

export interface DataInfo {
  stream: number;
  ppid: number;
}

/** The common part of PE-side and PU-side sessions. */
abstract class SessionBase extends EventEmitter {
  readonly id: number;
  /** @internal */ readonly owner: ClientStack;
  closed = false;

  /** @internal */
  constructor(owner: ClientStack, id: number) {
    super();
    this.owner = owner;
    this.id = id;
  }

  /** For error messages. */
  describe(): string {
    return "session";
  }

  /** Sends one message; false when it was not taken (closed, queue full). */
  send(data: Uint8Array | string, options: SendOptions = {}): boolean {
    if (this.closed || this.owner.closed) return false;
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    return this.owner.command((c, now) => c.send(now, this.id, options.stream ?? 0, options.ppid ?? 0, bytes));
  }

  /** Graceful close; unsent messages come back as "data-returned". */
  close(): void {
    if (this.closed) return;
    if (!this.owner.closed) this.owner.command((c, now) => c.close(now, this.id));
    this.finish(null);
  }

  /** @internal */
  finish(error: RSerPoolError | null): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.sessions.delete(this.id);
    this.emit("close", error);
  }

  /** @internal */
  handle(e: ClientEvent): void {
    switch (e.kind) {
      case C.EVENT_DATA:
        this.emit("data", Buffer.from(e.bytes as Uint8Array), { stream: e.stream, ppid: e.ppid } as DataInfo);
        break;
      case C.EVENT_DATA_RETURNED:
        this.emit("data-returned", Buffer.from(e.bytes as Uint8Array), { stream: e.stream, ppid: e.ppid } as DataInfo);
        break;
      case C.EVENT_BUSINESS_CARD:
        this.emit("business-card", { poolHandle: handleText(e.handle), elements: e.poolElements.map(describePoolElement) });
        break;
      case C.EVENT_SESSION_CLOSED:
        this.finish(e.error === C.ERROR_NONE ? null : clientError(e.error, e.cause, this.describe()));
        break;
    }
  }
}

/**
 * A PE-side session (a PU connected to the pool element). Events: "data"
 * (Buffer, DataInfo), "cookie-echo" (Buffer: the PU's latest cookie from the
 * PE it lost), "business-card", "data-returned", "close" (RSerPoolError | null).
 */
export class ServerSession extends SessionBase {
  /** Sends an ASAP COOKIE (the PU keeps the latest and echoes it after a failover). */
  sendCookie(cookie: Uint8Array | string): boolean {
    if (this.closed || this.owner.closed) return false;
    const bytes = typeof cookie === "string" ? Buffer.from(cookie, "utf8") : cookie;
    return this.owner.command((c, now) => c.sendCookie(now, this.id, bytes));
  }

  /** Sends a BUSINESS_CARD naming this stack's PEs of `poolHandle` (default: its own pool). */
  sendBusinessCard(poolHandle?: string): boolean {
    if (this.closed || this.owner.closed) return false;
    const h = poolHandle ?? this.owner.defaultHandle;
    return this.owner.command((c, now) => c.sendBusinessCard(now, this.id, handleBytes(h), null));
  }

  /** @internal */
  override handle(e: ClientEvent): void {
    if (e.kind === C.EVENT_COOKIE_ECHO) this.emit("cookie-echo", Buffer.from(e.bytes as Uint8Array));
    else super.handle(e);
  }
}

export interface FailoverInfo {
  /** The PE that was lost (failover) or is now in use (failover-complete). */
  identifier: number;
  /** failover-complete: the latest cookie went to the new PE first. */
  cookieEchoed: boolean;
}

/**
 * A PU session to a pool: it fails over to another PE on its own.
 * Events: "data", "cookie" (Buffer), "failover" (FailoverInfo: the PE lost),
 * "failover-complete" (FailoverInfo: the new PE), "business-card",
 * "data-returned", "close" (RSerPoolError | null).
 */
export class Session extends SessionBase {
  readonly poolHandle: string;
  /** The PE in use (0 while none). */
  identifier = 0;
  /** The latest cookie from a PE, or null. */
  cookie: Buffer | null = null;
  /** @internal */ pending: { resolve: (s: Session) => void; reject: (e: Error) => void } | null = null;
  /** @internal */ ownsStack = false;

  /** @internal */
  constructor(owner: ClientStack, id: number, poolHandle: string) {
    super(owner, id);
    this.poolHandle = poolHandle;
  }

  override describe(): string {
    return `session to ${this.poolHandle}`;
  }

  /** Fails over now (rsplib rsp_forcefailover); `reportUnreachable` tells the registrar too. */
  failover(reportUnreachable = false): boolean {
    if (this.closed || this.owner.closed) return false;
    return this.owner.command((c, now) => c.failover(now, this.id, reportUnreachable));
  }

  /** @internal */
  override finish(error: RSerPoolError | null): void {
    if (this.closed) return;
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      p.reject(error ?? new RSerPoolError("ERR_CLOSED", "session closed before it was up"));
    }
    super.finish(error);
    if (this.ownsStack) void this.owner.close();
  }

  /** @internal */
  override handle(e: ClientEvent): void {
    switch (e.kind) {
      case C.EVENT_SESSION_UP:
        this.identifier = e.identifier >>> 0;
        if (this.pending !== null) {
          const p = this.pending;
          this.pending = null;
          p.resolve(this);
        }
        break;
      case C.EVENT_COOKIE:
        this.cookie = Buffer.from(e.bytes as Uint8Array);
        this.emit("cookie", this.cookie);
        break;
      case C.EVENT_FAILOVER_NEEDED:
        this.emit("failover", { identifier: e.identifier >>> 0, cookieEchoed: false } as FailoverInfo);
        this.identifier = 0;
        break;
      case C.EVENT_FAILOVER_COMPLETE:
        this.identifier = e.identifier >>> 0;
        this.emit("failover-complete", { identifier: this.identifier, cookieEchoed: (e.flags & C.FLAG_COOKIE_ECHOED) !== 0 } as FailoverInfo);
        break;
      default:
        super.handle(e);
    }
  }
}

interface PendingRequest {
  resolve(value: PoolElementInfo[]): void;
  reject(e: Error): void;
  handle: string;
}

/** @internal One client machine on its own platform and driver. */
class ClientStack extends EventEmitter {
  readonly stack: Stack;
  readonly machine: Client;
  readonly driver: Driver<Client>;
  readonly sessions = new Map<number, SessionBase>();
  readonly requests = new Map<number, PendingRequest>();
  defaultHandle = "";
  closed = false;
  /** Called for PE events (registered, failed, deregistered). */
  onPoolElementEvent: ((e: ClientEvent) => void) | null = null;

  constructor(stack: Stack, config: Partial<ClientConfig>) {
    super();
    this.stack = stack;
    this.machine = createClient({ ...config, random: (into) => stack.platform.random(into) });
    this.driver = createDriver<Client, ClientEvent>(stack.platform, this.machine, {
      onEvent: (_t, e) => this.onEvent(e),
      onError: (_t, code, number, detail) => this.emit("warning", driverError("client", code, number, detail)),
    });
  }

  now(): number {
    return this.stack.platform.now();
  }

  /** Runs a command on the machine and drains; returns its result. */
  command<T>(fn: (c: Client, now: number) => T): T {
    let result: T | undefined;
    const ran = this.driver.run(() => {
      result = fn(this.machine, this.now());
    }, null);
    if (!ran) throw new RSerPoolError("ERR_CLOSED", "closed");
    return result as T;
  }

  private onEvent(e: ClientEvent): void {
    switch (e.kind) {
      case C.EVENT_REGISTRAR_UP:
        this.emit("registrar-up", { registrar: e.registrar >>> 0 });
        return;
      case C.EVENT_REGISTRAR_DOWN:
        this.emit("registrar-down", { registrar: e.registrar >>> 0 });
        return;
      case C.EVENT_HOME_CHANGED:
        this.emit("home-changed", { registrar: e.registrar >>> 0 });
        return;
      case C.EVENT_REGISTERED:
      case C.EVENT_REGISTRATION_FAILED:
      case C.EVENT_DEREGISTERED:
        if (this.onPoolElementEvent !== null) this.onPoolElementEvent(e);
        return;
      case C.EVENT_RESOLVED: {
        const r = this.requests.get(e.request);
        if (r === undefined) return;
        this.requests.delete(e.request);
        if (e.error !== C.ERROR_NONE) r.reject(clientError(e.error, e.cause, `resolving ${r.handle}`));
        else if (e.poolElements.length === 0) r.reject(new RSerPoolError("ERR_POOL_NOT_FOUND", `resolving ${r.handle}: no pool element`));
        else r.resolve(e.poolElements.map(describePoolElement));
        return;
      }
      case C.EVENT_SESSION_ACCEPTED: {
        const s = new ServerSession(this, e.session);
        this.sessions.set(e.session, s);
        this.emit("session", s);
        return;
      }
    }
    const s = this.sessions.get(e.session);
    if (s !== undefined) s.handle(e);
  }

  /** Closes sessions, the driver and the platform. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of Array.from(this.sessions.values())) s.close();
    for (const r of this.requests.values()) r.reject(new RSerPoolError("ERR_CLOSED", "closed"));
    this.requests.clear();
    this.driver.close();
    await settleAndClose(this.stack, 1000);
  }
}

function clientConfig(o: ClientOptions, stack: Stack, registrars: ClientConfig["registrars"]): Partial<ClientConfig> {
  return {
    transport: stack.connectTransport,
    sessionTransport: stack.connectTransport,
    announce: o.announce ?? registrars.length === 0,
    ...o.client,
    registrars,
  };
}

// ---- pool user ----------------------------------------------------------------------

export type PoolUserOptions = ClientOptions;

export interface ResolveOptions {
  /** PEs wanted (selected by the pool's policy); default 1. */
  items?: number;
  /** Cache life of the registrar's answer in ms; default the client's stale cache value (30 s); 0 = no cache. */
  staleAfterMs?: number;
}

/**
 * A pool user. Events: "registrar-up", "registrar-down" ({registrar}),
 * "warning" (Error).
 */
export class PoolUser extends EventEmitter {
  /** @internal */ readonly stack: ClientStack;

  /** @internal */
  constructor(stack: ClientStack) {
    super();
    this.stack = stack;
    for (const name of ["registrar-up", "registrar-down", "home-changed", "warning"]) {
      stack.on(name, (x) => this.emit(name, x));
    }
  }

  get machine(): Client {
    return this.stack.machine;
  }

  /** Handle resolution (from the cache when it holds the pool). */
  resolve(poolHandle: string | Uint8Array, options: ResolveOptions = {}): Promise<PoolElementInfo[]> {
    return new Promise((resolve, reject) => {
      const h = handleBytes(poolHandle);
      this.stack.command((c, now) => {
        const id = c.resolve(now, h, { items: options.items, staleAfterMs: options.staleAfterMs });
        this.stack.requests.set(id, { resolve, reject, handle: handleText(h) });
      });
    });
  }

  /** Reports a PE as unreachable (ENDPOINT_UNREACHABLE) and drops it from the cache. */
  reportFailure(poolHandle: string | Uint8Array, identifier: number): boolean {
    return this.stack.command((c, now) => c.reportFailure(now, handleBytes(poolHandle), identifier));
  }

  /** Opens a session to a PE of the pool; resolves when it is up. */
  connect(poolHandle: string | Uint8Array): Promise<Session> {
    return new Promise((resolve, reject) => {
      const h = handleBytes(poolHandle);
      this.stack.command((c, now) => {
        const id = c.connect(now, h);
        if (id === 0) {
          reject(new RSerPoolError("ERR_LACK_OF_RESOURCES", "session table full"));
          return;
        }
        const s = new Session(this.stack, id, handleText(h));
        s.pending = { resolve, reject };
        this.stack.sessions.set(id, s);
      });
    });
  }

  close(): Promise<void> {
    return this.stack.close();
  }
}

export async function createPoolUser(options: PoolUserOptions = {}): Promise<PoolUser> {
  const routes = new Map<string, number>();
  const registrars = registrarAddresses(options.registrars ?? [], routes);
  const stack = buildStack(options, 0, routes, options.announce ?? registrars.length === 0);
  let cs: ClientStack;
  try {
    cs = new ClientStack(stack, clientConfig(options, stack, registrars));
  } catch (e) {
    stack.close();
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", (e as Error).message, 0, { cause: e });
  }
  cs.command((c, now) => c.start(now));
  return new PoolUser(cs);
}

/** A session to a pool with a pool user of its own (closed with the session). */
export async function connect(poolHandle: string | Uint8Array, options: PoolUserOptions = {}): Promise<Session> {
  const pu = await createPoolUser(options);
  try {
    const s = await pu.connect(poolHandle);
    s.ownsStack = true;
    return s;
  } catch (e) {
    await pu.close();
    throw e;
  }
}

// ---- pool element --------------------------------------------------------------------

export interface PoolElementOptions extends ClientOptions {
  poolHandle: string;
  /** PE identifier; 0 / absent = random. */
  identifier?: number;
  /** Policy: an rsplib name with arguments ("LeastUsed", "wrr:3") or a record; default RoundRobin. */
  policy?: string | Partial<Policy>;
  /**
   * Session port (SCTP port and TCP port; SCTP listens on UDP port = this
   * port, the project's convention). 0 / absent = a free port.
   */
  port?: number;
  /** Local addresses to listen on (default wildcard). */
  listenAddresses?: string[];
  /**
   * Addresses to register. Default: the local address towards the first
   * registrar, or every address of the host when registrars come from announces.
   */
  addresses?: string[];
  /** Re-registration interval, ms (rsplib -rereginterval, 30000). Registration life is 3 times it. */
  reregistrationInterval?: number;
  /** Advertise the ASAP control channel (cookies, business cards). Default true. */
  controlChannel?: boolean;
  /** Resolve at once and keep trying to register (rsplib daemon mode); default: wait for the first registration. */
  daemon?: boolean;
}

/**
 * A pool element: registered (and re-registered) with a registrar, accepting
 * sessions. Events: "session" (ServerSession), "registered", "registration-failed"
 * (RSerPoolError), "registrar-up", "registrar-down", "home-changed", "warning".
 */
export class PoolElement extends EventEmitter {
  readonly poolHandle: string;
  readonly identifier: number;
  readonly port: number;
  readonly addresses: string[];
  readonly policy: Policy;
  /** @internal */ readonly stack: ClientStack;
  registered = false;
  private closing: Promise<void> | null = null;
  private deregistered: (() => void) | null = null;

  /** @internal */
  constructor(stack: ClientStack, poolHandle: string, identifier: number, port: number, addresses: string[], policy: Policy) {
    super();
    this.stack = stack;
    this.poolHandle = poolHandle;
    this.identifier = identifier;
    this.port = port;
    this.addresses = addresses;
    this.policy = policy;
    for (const name of ["session", "registrar-up", "registrar-down", "home-changed", "warning"]) {
      stack.on(name, (x) => this.emit(name, x));
    }
  }

  get machine(): Client {
    return this.stack.machine;
  }

  /** @internal */
  poolElementEvent(e: ClientEvent): void {
    if (e.identifier >>> 0 !== this.identifier) return;
    if (e.kind === C.EVENT_REGISTERED) {
      this.registered = true;
      this.emit("registered", { identifier: this.identifier });
    } else if (e.kind === C.EVENT_REGISTRATION_FAILED) {
      this.registered = false;
      this.emit("registration-failed", clientError(e.error, e.cause, `registering ${this.poolHandle}/${hex(this.identifier)}`));
    } else if (e.kind === C.EVENT_DEREGISTERED) {
      this.registered = false;
      if (this.deregistered !== null) this.deregistered();
    }
  }

  /** Reports the load (0...1) for load-based policies; re-registers (rate-limited by the client). */
  setLoad(load: number): boolean {
    const v = Math.round(Math.min(1, Math.max(0, load)) * FULL);
    return this.stack.command((c, now) => c.setLoad(now, handleBytes(this.poolHandle), this.identifier, v));
  }

  /**
   * Deregisters (bounded by timeoutMs), closes sessions and releases
   * sockets. Idempotent.
   */
  close(timeoutMs = 2000): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (!this.stack.closed) {
        const done = new Promise<void>((resolve) => {
          this.deregistered = resolve;
          setTimeout(resolve, timeoutMs).unref();
        });
        this.stack.command((c, now) => c.deregisterPoolElement(now, handleBytes(this.poolHandle), this.identifier));
        await done;
      }
      await this.stack.close();
    })();
    return this.closing;
  }
}

/** The host's addresses usable in a transport parameter (no IPv6 link-local: they need a scope). */
function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === "IPv6" && a.address.toLowerCase().startsWith("fe80")) continue;
      out.push(a.address);
    }
  }
  return out.length > 0 ? out : ["127.0.0.1"];
}

function policyOf(p: PoolElementOptions["policy"]): Policy {
  if (p === undefined) return newPolicy(POLICY_ROUND_ROBIN);
  if (typeof p === "string") {
    try {
      return parsePolicy(p);
    } catch (e) {
      throw new RSerPoolError("ERR_INVALID_ARGUMENT", (e as Error).message);
    }
  }
  return { ...newPolicy(p.type ?? POLICY_ROUND_ROBIN), ...p };
}

export async function createPoolElement(options: PoolElementOptions): Promise<PoolElement> {
  if (typeof options?.poolHandle !== "string" || options.poolHandle === "") {
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", "poolHandle is required");
  }
  const policy = policyOf(options.policy);
  const routes = new Map<string, number>();
  const registrars = registrarAddresses(options.registrars ?? [], routes);
  const port = options.port !== undefined && options.port > 0 ? options.port : await findFreePort();
  let addresses = options.addresses;
  if (addresses === undefined || addresses.length === 0) {
    // Towards a known registrar: the address it will see. Otherwise (a
    // registrar heard in announces) every address of the host: the registrar
    // keeps those its association uses (RFC 5355) and drops the rest.
    addresses = registrars.length > 0 ? [await localAddressToward(registrars[0].addresses[0])] : hostAddresses();
  }
  const names = transportsOf(options);
  const stack = buildStack(options, options.sctpUdpPort ?? port, routes, options.announce ?? registrars.length === 0);
  let cs: ClientStack;
  try {
    cs = new ClientStack(stack, clientConfig(options, stack, registrars));
  } catch (e) {
    stack.close();
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", (e as Error).message, 0, { cause: e });
  }
  cs.defaultHandle = options.poolHandle;
  // Sessions on every transport, one port number.
  const failures: Error[] = [];
  const onWarning = (e: Error) => failures.push(e);
  cs.on("warning", onWarning);
  try {
    cs.command((c, now) => {
      c.start(now);
      for (const name of names) c.listen(now, { addresses: options.listenAddresses ?? [], port, transport: name });
    });
    if (failures.length > 0) throw new RSerPoolError("ERR_LISTEN", failures[0].message);
    await listenersReady(stack, 0, "pool element");
  } catch (e) {
    cs.removeListener("warning", onWarning);
    await cs.close();
    throw e;
  }
  cs.removeListener("warning", onWarning);
  let identifier = 0;
  let pe: PoolElement | null = null;
  const first = new Promise<void>((resolve, reject) => {
    cs.onPoolElementEvent = (e) => {
      if (pe === null) return;
      pe.poolElementEvent(e);
      if (e.identifier >>> 0 !== identifier) return;
      if (e.kind === C.EVENT_REGISTERED) resolve();
      else if (e.kind === C.EVENT_REGISTRATION_FAILED) reject(clientError(e.error, e.cause, `registering ${options.poolHandle}`));
    };
  });
  first.catch(() => undefined);
  try {
    identifier = cs.command((c, now) =>
      c.registerPoolElement(now, handleBytes(options.poolHandle), {
        identifier: options.identifier,
        addresses: addresses as string[],
        port,
        protocol: names[0] === "sctp" ? PARAM_SCTP_TRANSPORT : PARAM_TCP_TRANSPORT,
        policy,
        reregistrationIntervalMs: options.reregistrationInterval,
        controlChannel: options.controlChannel ?? true,
      }),
    );
  } catch (e) {
    await cs.close();
    throw new RSerPoolError("ERR_INVALID_ARGUMENT", (e as Error).message, 0, { cause: e });
  }
  if (identifier === 0) {
    await cs.close();
    throw new RSerPoolError("ERR_LACK_OF_RESOURCES", `registering ${options.poolHandle}: refused locally`);
  }
  pe = new PoolElement(cs, options.poolHandle, identifier >>> 0, port, addresses, policy);
  if (options.daemon === true) return pe;
  try {
    await first;
  } catch (e) {
    await pe.close(200);
    throw e;
  }
  return pe;
}
