// SCTP message transport for Node: the npm `sctp` package (pure JS, RFC 4960)
// over UDP encapsulation (RFC 6951), behind an adapter that owns what the
// library gets wrong (/work/shared/reference/npm-sctp.md):
//
// - One UDP socket per local endpoint. Server sockets demultiplex by remote
//   address, UDP port and SCTP ports: every peer gets its own library
//   Endpoint + Association, whose transport layer is replaced by ours. A
//   listener answers INIT statelessly (one shared "responder" Endpoint, as
//   RFC 4960 s5.1 intends) and creates per-peer state only for a valid
//   COOKIE ECHO. Client associations get a dedicated, connected UDP socket,
//   so an ICMP port unreachable reaches us as ECONNREFUSED.
// - Every packet is checked before the library sees it (sctp-packet.ts:
//   CRC32c, header, chunk and parameter lengths, rebuilt minimal chunks),
//   then against the association (TSN window, SACK sanity, stream ids).
// - Every call into the library (packets, its timers, its send callbacks)
//   runs under try/catch; a throw aborts that association only.
// - Handshake, COOKIE ECHO retransmission and shutdown timers; a cap on
//   consecutive T3-rtx expirations without progress (the library has none).
// - One serialised writer per association: messages are queued (copied),
//   handed to the library while less than cwnd is outstanding and within
//   the peer's rwnd, and the library's bundle queue is flushed once per
//   event loop turn (setImmediate), instead of after its 1 ms timer per
//   chunk: answers to every request that arrived in that turn share packets.
// - Congestion control and loss recovery the library gets wrong: RFC 4960
//   slow start / congestion avoidance on SACKs, and chunks marked after a
//   T3-rtx expiry counted as lost, so they are resent on the next SACK.
// - A peer that restarts on the same ports is accepted again: a valid COOKIE
//   ECHO with a new tag replaces the old association (which goes down).
// - Liveness of established associations comes from ASAP/ENRP keep-alives;
//   the library has no heartbeats under encapsulation.
//
// Raw-IP mode (`mode: "raw"`, opt-in, for kernel-SCTP peers): the packets
// travel in IPv4 protocol 132 through the optional native `raw-socket` addon
// (loaded lazily; ERR_RAW_SOCKET_UNAVAILABLE without it), one raw socket per
// transport shared by all its associations and listeners (RawEndpoint). The
// kernel gives every raw socket every SCTP packet of the host, so packets
// whose ports are none of ours are dropped before any check; the rest go
// through the same checks and routing, keyed with UDP port 0. Root or
// CAP_NET_RAW; IPv4 only; client ports unique per process only.
//
// Callbacks to the handler are queued and delivered from a microtask, never
// from inside a public method or from inside the library.
//
// Runtime patches, per association instance (node_modules is untouched):
// guarded copies of the timer/callback methods; `duplicates = []` (DATA in
// SHUTDOWN-SENT read an undefined field); _sack schedules the flush;
// _sendChunk queues bundled chunks without a timer; _retransmit walks the
// outstanding chunks only after a T3-rtx expiry (it ran on every send and
// SACK); _expireT3 counts expirations and recounts the flight size; onSack
// applies RFC 4960 cwnd growth; SHUTDOWN's cumulative TSN ack is fed to
// onSack and SHUTDOWN ACK is sent once all is acked (the library does
// neither); disabled debug loggers are no-ops; the bundle queue is flushed
// by calling _bundle with its counter set to 1. Measured effect on a
// registrar process (rserpool bench e2e --transport sctp): registrar CPU
// per handle resolution ~37 us before these patches, ~14 us after.
// Module globals: sctp.defaults() once per process (configureLibrary).

import dgram from "node:dgram";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import sctp from "sctp";
import Endpoint from "sctp/lib/endpoint.js";
import Chunk from "sctp/lib/chunk.js";
import type {
  Association,
  AssociationHandler,
  ConnectOptions,
  Listener,
  ListenOptions,
  TransportFactory,
} from "../../core/driver/platform.js";
import {
  DOWN_ABORTED,
  DOWN_CLOSED,
  DOWN_CONNECT_FAILED,
  DOWN_PROTOCOL_ERROR,
  DOWN_TIMEOUT,
} from "../../core/driver/platform.js";
import { normalizeAddress } from "./address.js";
import { EventQueue } from "./events.js";
import { nextAssociationId } from "./ids.js";
import {
  ACCEPT,
  CHUNK_ABORT,
  CHUNK_COOKIE_ECHO,
  CHUNK_DATA,
  CHUNK_SACK,
  HAS_COOKIE_ECHO,
  HAS_DATA,
  HAS_INIT,
  HAS_SACK,
  REJECT_NAMES,
  checkPacket,
  encodePacket,
  newCheckedPacket,
} from "./sctp-packet.js";
import type { CheckedPacket } from "./sctp-packet.js";

// ---- the library's objects, as far as we touch them ---------------------

export interface LibPacket {
  src_port: number;
  dst_port: number;
  v_tag: number;
  chunks: Buffer[];
}

export interface LibTransport {
  sendPacket(src: unknown, dst: unknown, packet: LibPacket, callback?: ((error?: unknown) => void) | null): boolean;
  unallocate(port: number): void;
}

interface SerialNumber {
  number: number;
}

export interface LibAssociation {
  state: string;
  my_tag: number;
  peer_tag: number | undefined;
  OS: number;
  MIS: number;
  cwnd: number;
  ssthresh: number;
  PMTU: number;
  fastRecovery: boolean;
  peer_rwnd: number;
  flightsize: number;
  bundling: number;
  queue: LibChunk[];
  sent: Record<string, LibChunk>;
  c_tsn_ack: SerialNumber | undefined;
  my_next_tsn: SerialNumber;
  reassembly: { peer_c_tsn: SerialNumber | undefined };
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  RECEIVE(): (Buffer & { ppid?: number }) | undefined;
  send(buffer: Buffer, options: { stream_id: number; ppid: number }, callback: (error?: unknown) => void): unknown;
  SHUTDOWN(): void;
  _destroy(): void;
  _bundle(): void;
  _sendChunk(type: string, options: object, destination?: unknown, callback?: () => void): void;
  _startT2(): void;
  _retransmit(): void;
}

/** A chunk object of the library (lib/chunk.js), as _sendChunk and _bundle use it. */
export interface LibChunk {
  /** Set by _expireT3 on outstanding chunks that did not fit its one packet. */
  retransmit?: boolean;
  user_data: Buffer;
  callback: unknown;
  size: number;
  buffer?: Buffer;
  toBuffer(): Buffer;
}

export interface LibEndpoint {
  localPort: number;
  transport: LibTransport;
  cookieSecretKey: Buffer;
  _cookieInterval: ReturnType<typeof setInterval>;
  emit(event: "packet", packet: LibPacket, src: undefined, dst: undefined): boolean;
  on(event: "association", listener: (association: LibAssociation) => void): unknown;
  removeAllListeners(event?: string): unknown;
  ASSOCIATE(options: { remotePort: number }): LibAssociation;
  validateCookie(cookie: Buffer, header: { src_port: number; dst_port: number; v_tag: number }): unknown;
}

// ---- options, logging, statistics ---------------------------------------

export interface SctpTransportOptions {
  /**
   * "udp" (default): SCTP over UDP encapsulation (RFC 6951). "raw": SCTP
   * directly in IPv4 (protocol 132) through the optional `raw-socket` addon,
   * for kernel-SCTP peers; needs root (CAP_NET_RAW); IPv4 only; udp* options
   * do not apply. The constructor throws ERR_RAW_SOCKET_UNAVAILABLE without the addon.
   */
  mode?: "udp" | "raw";
  /** UDP encapsulation port of listeners. Default 9899 (RFC 6951 s5.1); 0 = ephemeral. */
  udpPort?: number;
  /** UDP port connect() sends to. Default 9899. */
  remoteUdpPort?: number;
  /** Local UDP port of client sockets. Default 0 (ephemeral); non-zero binds with SO_REUSEADDR. */
  clientUdpPort?: number;
  /** Inbound and outbound streams offered. Default 16. */
  streams?: number;
  /** Advertised receive window (a_rwnd), bytes. Default 1 MiB. */
  receiveWindow?: number;
  /** Largest message send() accepts. Default 512 KiB (must stay below the peer's window). */
  maxMessageSize?: number;
  /** Bytes queued per association before it is given up (DOWN_TIMEOUT). Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Connect: INIT to COOKIE ACK, ms. Default 5000. */
  handshakeTimeout?: number;
  /** First COOKIE ECHO retransmission, ms (doubles). Default 1000. */
  cookieRetransmitInterval?: number;
  /** Graceful shutdown, ms, then ABORT. Default 3000. */
  shutdownTimeout?: number;
  /** Consecutive T3-rtx expirations without progress before DOWN_TIMEOUT (RFC 4960 Association.Max.Retrans). Default 10. */
  maxRetransmissions?: number;
  /** Associations per factory (server and client). Default 10000. */
  maxAssociations?: number;
  /** DATA accepted at most this many TSNs past the cumulative TSN. Default 8192. */
  tsnWindow?: number;
  /** SO_RCVBUF / SO_SNDBUF of UDP sockets. Default 4 MiB (the kernel may cap it at net.core.rmem_max). */
  udpReceiveBufferSize?: number;
  udpSendBufferSize?: number;
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  /** Socket errors no association owns (bind failures of listeners). Default: log, else a process warning. */
  onError?: ((error: Error) => void) | null;
}

// Log levels (the driver reports errors at 3) and codes of this transport.
export const LOG_DEBUG = 0;
export const LOG_INFO = 1;
export const LOG_WARNING = 2;
export const LOG_ERROR = 3;
export const LOG_SCTP_REJECTED = 0x5301;
export const LOG_SCTP_LIBRARY_THREW = 0x5302;
export const LOG_SCTP_SOCKET_ERROR = 0x5303;
export const LOG_SCTP_DROPPED_MESSAGE = 0x5304;
export const LOG_SCTP_SOCKET_BOUND = 0x5305;
export const LOG_SCTP_RESTART = 0x5306;

export interface SctpStats {
  datagrams: number;
  accepted: number;
  /** Indexed by REJECT_* reason of sctp-packet.ts. */
  rejected: number[];
  /** Chunks dropped by association checks (TSN window, SACK, stream, cookie). */
  chunksDropped: number;
  /** Packets for no association and no listener. */
  unroutable: number;
  libraryErrors: number;
  restarts: number;
  associationsUp: number;
}

/** Association states as seen by the adapter. */
const CONNECTING = 0;
const UP = 1;
const DOWN = 2;

const FRAGMENT_HINT = 1388; // user bytes per DATA chunk with PMTU 1440 (PMTU - 52 in the library)

// The library's module-global parameters (defs.NET_SCTP), set once per
// process. PMTU 1440 keeps an encapsulated packet within 1500 bytes over
// IPv6 (40 + 8 + 1416); RTOs suit a LAN; a short SACK delay keeps one
// association's throughput from waiting on the delayed-ACK timer.
let libraryConfigured = false;
function configureLibrary(): void {
  if (libraryConfigured) return;
  libraryConfigured = true;
  sctp.defaults({
    rto_initial: 1000,
    rto_min: 300,
    rto_max: 10000,
    sack_timeout: 50,
    sack_freq: 2,
    max_burst: 8,
    max_init_retransmits: 10,
    PMTU: 1440,
  });
}

// Client SCTP ports, unique in this process and rotating through the
// dynamic range: kernel SCTP and usrsctp peers key associations by addresses
// and SCTP ports, not by the UDP encapsulation port, so two of our
// associations to one server must not share a source port.
const clientPorts = new Set<number>();
let nextClientPort = 49152 + Math.floor(Math.random() * 16384);

function allocateClientPort(): number {
  for (let i = 0; i < 16384; i++) {
    const port = nextClientPort;
    nextClientPort = nextClientPort >= 65535 ? 49152 : nextClientPort + 1;
    if (!clientPorts.has(port)) {
      clientPorts.add(port);
      return port;
    }
  }
  return 0;
}

// Library methods that run from its own timers or callbacks; each instance
// gets a guarded copy so a throw aborts only its association.
// (_sack, _sendChunk, _expireT3 and _retransmit get their own wrappers in attach().)
const GUARDED = ["_bundle", "_expireT2", "_abort", "_sendPacket", "_fastRetransmit"];

function serialLess(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

function noOutstanding(a: LibAssociation): boolean {
  if (a.queue.length > 0) return false;
  for (const _ in a.sent) return false;
  return true;
}

function noop(): void {}

/**
 * The library calls its `debug` loggers (disabled unless DEBUG=sctp:*) a few
 * times per chunk, with format arguments; disabled ones become no-ops.
 */
function silenceDebugger(o: unknown): void {
  const d = (o as { debugger?: Record<string, unknown> }).debugger;
  if (d === undefined || d === null) return;
  for (const k of Object.keys(d)) {
    const f = d[k] as ((...args: unknown[]) => unknown) & { enabled?: boolean };
    if (typeof f === "function" && f.enabled === false) d[k] = noop;
  }
}

// ---- listeners ------------------------------------------------------------

class SctpListener implements Listener {
  readonly port: number;
  readonly handler: AssociationHandler;
  readonly target: unknown;
  readonly factory: SctpTransport;
  readonly endpoints: Carrier[] = [];
  /** Shared by the responder and every per-peer Endpoint: cookies made by one validate in the other. */
  readonly secret: Buffer;
  readonly responder: LibEndpoint;
  readonly responderTransport: ResponderTransport;
  closed = false;
  /** Resolves with the bound UDP ports once every socket is bound; rejects on a bind error. */
  readonly ready: Promise<number[]>;
  resolveReady!: (ports: number[]) => void;
  rejectReady!: (error: Error) => void;
  pendingBinds = 0;

  constructor(factory: SctpTransport, port: number, handler: AssociationHandler, target: unknown) {
    this.factory = factory;
    this.port = port;
    this.handler = handler;
    this.target = target;
    this.secret = randomBytes(32);
    this.responderTransport = new ResponderTransport(factory);
    this.responder = factory.newLibraryEndpoint(port, this.secret, this.responderTransport);
    this.ready = new Promise<number[]>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // A listener nobody awaits must not turn a bind error into an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** UDP ports this listener's sockets are bound to (0 until bound). */
  udpPorts(): number[] {
    return this.endpoints.map((e) => e.boundPort);
  }

  bound(): void {
    if (--this.pendingBinds === 0) this.resolveReady(this.udpPorts());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.endpoints) {
      if (e.listeners.get(this.port) === this) e.listeners.delete(this.port);
      e.closeIfUnused();
    }
    this.rejectReady(new Error("listener closed"));
  }
}

/** Transport of the responder Endpoint: replies go to the source of the packet being handled. */
class ResponderTransport implements LibTransport {
  readonly factory: SctpTransport;
  udp: Carrier | null = null;
  address = "";
  port = 0;

  constructor(factory: SctpTransport) {
    this.factory = factory;
  }

  sendPacket(_src: unknown, _dst: unknown, packet: LibPacket, callback?: ((error?: unknown) => void) | null): boolean {
    if (this.udp !== null) {
      this.udp.send(encodePacket(packet.src_port, packet.dst_port, packet.v_tag, packet.chunks), this.address, this.port, null);
    }
    if (typeof callback === "function") callback();
    return true;
  }

  unallocate(): void {}
}

// ---- carriers: what SCTP packets travel in -------------------------------

/** Where a packet came from: IP address and UDP port (0 for raw IP). */
interface PacketSource {
  address: string;
  port: number;
}

/**
 * A socket that carries SCTP packets, and the associations and listeners
 * reached through it: a UDP socket (encapsulation) or the raw IP socket.
 */
abstract class Carrier {
  readonly factory: SctpTransport;
  /** Key in factory.serverEndpoints, or "" for a dedicated client socket and the raw socket. */
  readonly key: string;
  readonly dedicated: boolean;
  readonly links = new Map<string, SctpLink>();
  readonly listeners = new Map<number, SctpListener>();
  boundPort = 0;
  ready = false;
  closed = false;
  pendingSends = 0;
  closeWhenIdle = false;
  /** Dedicated sockets: the one link that owns it. */
  owner: SctpLink | null = null;

  constructor(factory: SctpTransport, key: string, dedicated: boolean) {
    this.factory = factory;
    this.key = key;
    this.dedicated = dedicated;
  }

  abstract send(bytes: Buffer, address: string, port: number, callback: ((error?: unknown) => void) | null): void;
  /** Close the socket itself (bookkeeping is done). */
  abstract closeSocket(): void;

  /** A checked SCTP packet (CRC32c included) from a source, routed to its association or listener. */
  input(b: Buffer, source: PacketSource): void {
    const factory = this.factory;
    const p = factory.checked;
    const reason = checkPacket(b, p);
    if (reason !== ACCEPT) {
      factory.stats.rejected[reason]++;
      factory.log(LOG_DEBUG, LOG_SCTP_REJECTED, REJECT_NAMES[reason], source.address);
      return;
    }
    factory.stats.accepted++;
    const key = linkKey(source.address, source.port, p.srcPort, p.dstPort);
    const link = this.links.get(key);
    if (link !== undefined) {
      if (link.server) {
        const listener = this.listeners.get(p.dstPort);
        // An INIT from a known peer: it may have restarted. Answer
        // statelessly; its COOKIE ECHO decides (RFC 4960 s5.2.4 case A).
        if (p.present & HAS_INIT) {
          if (listener !== undefined && !listener.closed) this.respond(listener, p, source);
          return;
        }
        if (p.present & HAS_COOKIE_ECHO && link.assoc !== null && p.vtag !== link.assoc.my_tag) {
          if (listener !== undefined && !listener.closed) this.acceptCookie(listener, p, source, key, link);
          return;
        }
      }
      link.receive(p);
      return;
    }
    if (this.dedicated) {
      factory.stats.unroutable++;
      return;
    }
    const listener = this.listeners.get(p.dstPort);
    if (listener === undefined || listener.closed) {
      factory.stats.unroutable++;
      return;
    }
    if (p.present & HAS_COOKIE_ECHO) this.acceptCookie(listener, p, source, key, null);
    else this.respond(listener, p, source);
  }

  /** INIT -> INIT ACK, and out-of-the-blue handling (RFC 4960 s8.4), by the stateless responder. */
  respond(listener: SctpListener, p: CheckedPacket, source: PacketSource): void {
    const t = listener.responderTransport;
    t.udp = this;
    t.address = source.address;
    t.port = source.port;
    try {
      listener.responder.emit("packet", libraryPacket(p), undefined, undefined);
    } catch (e) {
      this.factory.stats.libraryErrors++;
      this.factory.log(LOG_WARNING, LOG_SCTP_LIBRARY_THREW, 0, e);
    } finally {
      t.udp = null;
    }
  }

  /** A COOKIE ECHO for no current association: a new (or restarted) peer. */
  acceptCookie(listener: SctpListener, p: CheckedPacket, source: PacketSource, key: string, old: SctpLink | null): void {
    const factory = this.factory;
    if (old === null && factory.linkCount >= factory.maxAssociations) {
      factory.stats.unroutable++;
      return;
    }
    const link = new SctpLink(factory, this, key, true, listener.handler, listener.target);
    link.remoteAddressRaw = source.address;
    link.remoteAddress = normalizeAddress(source.address);
    link.remoteUdpPort = source.port;
    link.remotePort = p.srcPort;
    link.localSctpPort = p.dstPort;
    const endpoint = factory.newLibraryEndpoint(p.dstPort, listener.secret, link.transport);
    link.endpoint = endpoint;
    let created = false;
    endpoint.on("association", (association: LibAssociation) => {
      // The cookie was valid. Replace a previous incarnation first, so its
      // down is delivered before this up.
      created = true;
      if (old !== null && old.state !== DOWN) {
        factory.stats.restarts++;
        factory.log(LOG_INFO, LOG_SCTP_RESTART, old.id, link.remoteAddress);
        old.finish(DOWN_ABORTED, false);
      }
      this.links.set(key, link);
      factory.linkCount++;
      link.attach(association);
    });
    link.depth++;
    try {
      endpoint.emit("packet", libraryPacket(p), undefined, undefined);
    } catch (e) {
      link.libraryThrew(e);
    } finally {
      link.depth--;
    }
    endpoint.removeAllListeners("association");
    if (!created) return; // bad or stale cookie: nothing was kept
    link.afterInput();
  }

  closeIfUnused(): void {
    if (this.closed || this.links.size > 0 || this.listeners.size > 0) return;
    if (this.pendingSends > 0) this.closeWhenIdle = true;
    else this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.key !== "") this.factory.serverEndpoints.delete(this.key);
    this.factory.sockets.delete(this);
    this.closeSocket();
  }
}

// ---- one UDP socket -------------------------------------------------------

class UdpEndpoint extends Carrier {
  readonly socket: dgram.Socket;

  constructor(factory: SctpTransport, type: "udp4" | "udp6", key: string, dedicated: boolean, reuseAddr: boolean) {
    super(factory, key, dedicated);
    this.socket = dgram.createSocket({
      type,
      reuseAddr,
      recvBufferSize: factory.udpReceiveBufferSize,
      sendBufferSize: factory.udpSendBufferSize,
    });
    this.socket.on("message", (bytes, rinfo) => this.receive(bytes, rinfo));
    this.socket.on("error", (error) => this.error(error as NodeJS.ErrnoException));
  }

  error(error: NodeJS.ErrnoException): void {
    if (this.closed) return;
    if (this.dedicated && this.owner !== null) {
      this.owner.socketError(error);
      return;
    }
    this.factory.log(LOG_WARNING, LOG_SCTP_SOCKET_ERROR, this.key, error);
  }

  onBound(): void {
    if (this.closed) return;
    this.ready = true;
    this.boundPort = this.socket.address().port;
    let rcv = 0;
    try {
      rcv = this.socket.getRecvBufferSize();
    } catch {
      rcv = 0;
    }
    this.factory.log(LOG_DEBUG, LOG_SCTP_SOCKET_BOUND, this.boundPort, rcv);
  }

  send(bytes: Buffer, address: string, port: number, callback: ((error?: unknown) => void) | null): void {
    if (this.closed) return;
    this.pendingSends++;
    const done = (error: Error | null) => {
      this.pendingSends--;
      if (error && !this.closed) this.factory.log(LOG_DEBUG, LOG_SCTP_SOCKET_ERROR, this.key, error);
      if (callback !== null) callback();
      if (this.closeWhenIdle && this.pendingSends === 0) this.close();
    };
    try {
      if (this.dedicated) this.socket.send(bytes, done);
      else this.socket.send(bytes, port, address, done);
    } catch (e) {
      this.pendingSends--;
      this.factory.log(LOG_DEBUG, LOG_SCTP_SOCKET_ERROR, this.key, e);
    }
  }

  receive(b: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    this.factory.stats.datagrams++;
    this.input(b, rinfo);
  }

  closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

// ---- raw IP (opt-in) -------------------------------------------------------

/** The parts of the `raw-socket` addon we use. */
interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily?: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number };
}

interface RawSocket {
  on(event: "message", listener: (buffer: Buffer, source: string) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  send(buffer: Buffer, offset: number, length: number, address: string, afterCallback: (error: Error | null, bytes: number) => void): unknown;
  close(): unknown;
}

const IPPROTO_SCTP = 132;
const RAW_SOCKET_PACKAGE = "raw-socket";

/**
 * The optional `raw-socket` addon, loaded on demand: from the project, else
 * from the path in RSERPOOL_RAW_SOCKET_PATH (a scratch install).
 */
export function loadRawSocket(): RawSocketModule {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  const candidates = [RAW_SOCKET_PACKAGE];
  const extra = process.env.RSERPOOL_RAW_SOCKET_PATH;
  if (extra !== undefined && extra !== "") candidates.push(extra);
  for (const c of candidates) {
    try {
      const m = require(c) as RawSocketModule;
      if (typeof m.createSocket === "function") return m;
      tried.push(`${c}: no createSocket`);
    } catch (e) {
      tried.push(`${c}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  const error = new Error(
    `raw-IP SCTP needs the optional native package "${RAW_SOCKET_PACKAGE}" (npm install ${RAW_SOCKET_PACKAGE}; ` +
      `it builds with node-gyp, so install scripts must be allowed), or RSERPOOL_RAW_SOCKET_PATH set to an installed copy. ` +
      `Tried: ${tried.join("; ")}`,
  ) as NodeJS.ErrnoException;
  error.code = "ERR_RAW_SOCKET_UNAVAILABLE";
  throw error;
}

/**
 * One raw IPv4 socket (protocol 132) per transport, shared by every
 * association and listener of raw mode. The kernel hands every SCTP packet
 * of the host to every such socket, with its IP header: packets for ports
 * that are none of ours (other processes) are dropped before any checks.
 */
class RawEndpoint extends Carrier {
  readonly socket: RawSocket;
  readonly source: PacketSource = { address: "", port: 0 };

  constructor(factory: SctpTransport, module: RawSocketModule) {
    super(factory, "", false);
    this.socket = module.createSocket({ protocol: IPPROTO_SCTP, addressFamily: module.AddressFamily.IPv4, bufferSize: 65535 });
    this.socket.on("message", (bytes, source) => this.receive(bytes, source));
    this.socket.on("error", (error) => {
      if (!this.closed) factory.log(LOG_WARNING, LOG_SCTP_SOCKET_ERROR, "raw", error);
    });
    this.ready = true;
  }

  receive(b: Buffer, address: string): void {
    if (this.closed || b.length < 20 || b[0] >> 4 !== 4) return;
    const ihl = (b[0] & 0x0f) * 4;
    const total = Math.min(b.readUInt16BE(2), b.length);
    if (ihl < 20 || total < ihl + 12) return;
    const srcPort = b.readUInt16BE(ihl);
    const dstPort = b.readUInt16BE(ihl + 2);
    // Ours only: a listener's port, or one of our associations.
    if (!this.listeners.has(dstPort) && !this.links.has(linkKey(address, 0, srcPort, dstPort))) return;
    this.factory.stats.datagrams++;
    // The addon reuses its receive buffer: copy the SCTP packet.
    const packet = Buffer.from(b.subarray(ihl, total));
    this.source.address = address;
    this.input(packet, this.source);
  }

  send(bytes: Buffer, address: string, _port: number, callback: ((error?: unknown) => void) | null): void {
    if (this.closed) return;
    this.pendingSends++;
    try {
      this.socket.send(bytes, 0, bytes.length, address, (error) => {
        this.pendingSends--;
        if (error && !this.closed) this.factory.log(LOG_DEBUG, LOG_SCTP_SOCKET_ERROR, "raw", error);
        if (callback !== null) callback();
        if (this.closeWhenIdle && this.pendingSends === 0) this.close();
      });
    } catch (e) {
      this.pendingSends--;
      this.factory.log(LOG_DEBUG, LOG_SCTP_SOCKET_ERROR, "raw", e);
    }
  }

  closeSocket(): void {
    if (this.factory.rawEndpoint === this) this.factory.rawEndpoint = null;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

function linkKey(address: string, udpPort: number, srcPort: number, dstPort: number): string {
  return address + "|" + udpPort + "|" + srcPort + "|" + dstPort;
}

function libraryPacket(p: CheckedPacket): LibPacket {
  return { src_port: p.srcPort, dst_port: p.dstPort, v_tag: p.vtag, chunks: p.chunks };
}

// ---- one association ------------------------------------------------------

interface QueuedMessage {
  stream: number;
  ppid: number;
  data: Buffer;
}

class LinkTransport implements LibTransport {
  readonly link: SctpLink;
  constructor(link: SctpLink) {
    this.link = link;
  }
  sendPacket(_src: unknown, _dst: unknown, packet: LibPacket, callback?: ((error?: unknown) => void) | null): boolean {
    this.link.output(packet, typeof callback === "function" ? callback : null);
    return true;
  }
  unallocate(): void {}
}

class SctpLink implements Association {
  readonly id: number;
  readonly factory: SctpTransport;
  readonly udp: Carrier;
  key: string;
  readonly server: boolean;
  readonly handler: AssociationHandler;
  readonly target: unknown;
  readonly transport: LinkTransport;
  remoteAddress = "";
  remoteAddressRaw = "";
  remoteUdpPort = 0;
  remotePort = 0;
  localSctpPort = 0;
  endpoint: LibEndpoint | null = null;
  assoc: LibAssociation | null = null;
  state = CONNECTING;
  /** close() was called: shut down once the queue has drained. */
  closing = false;
  shutdownSent = false;
  shutdownAckSent = false;
  /** abort() was called: later messages are not delivered. */
  aborted = false;
  /** Nesting of library input calls on this association. */
  depth = 0;
  queue: QueuedMessage[] = [];
  head = 0;
  queuedBytes = 0;
  /** The output task (pump, then flush) is scheduled. */
  outputScheduled = false;
  readonly outputTask: () => void;
  sendRejected = false;
  readonly onSendResult: (error?: unknown) => void;
  handshakeTimer: ReturnType<typeof setTimeout> | null = null;
  shutdownTimer: ReturnType<typeof setTimeout> | null = null;
  cookieTimer: ReturnType<typeof setTimeout> | null = null;
  cookieEcho: Buffer | null = null;
  cookieDelay = 0;
  t3Count = 0;
  t3Cumulative = -1;
  /** _expireT3 ran since the last _retransmit walk: chunks may be marked for retransmission. */
  retransmitMarked = false;
  /** A T3-rtx expiry marked chunks that are not retransmitted yet. */
  lossRecovery = false;
  /** RFC 4960 s7.2.2 partial_bytes_acked. */
  partialBytesAcked = 0;
  /** localSctpPort came from allocateClientPort(). */
  allocatedPort = false;

  constructor(factory: SctpTransport, udp: Carrier, key: string, server: boolean, handler: AssociationHandler, target: unknown) {
    this.id = nextAssociationId();
    this.factory = factory;
    this.udp = udp;
    this.key = key;
    this.server = server;
    this.handler = handler;
    this.target = target;
    this.transport = new LinkTransport(this);
    this.onSendResult = (error?: unknown) => {
      if (error) this.sendRejected = true;
    };
    this.outputTask = () => {
      this.outputScheduled = false;
      if (this.state === UP) this.pump();
      else if (this.state !== DOWN) this.flush();
    };  }

  // -- public Association API --

  send(stream: number, ppid: number, bytes: Uint8Array): void {
    if (!(stream >= 0 && stream <= 0xffff && stream === Math.floor(stream))) throw new RangeError(`stream ${stream}`);
    if (!(ppid >= 0 && ppid <= 0xffffffff && ppid === Math.floor(ppid))) throw new RangeError(`ppid ${ppid}`);
    if (bytes.length === 0) throw new RangeError("SCTP cannot send an empty message");
    if (bytes.length > this.factory.maxMessageSize) {
      throw new RangeError(`message of ${bytes.length} bytes exceeds ${this.factory.maxMessageSize}`);
    }
    if (this.state === DOWN || this.closing) return;
    if (this.assoc !== null && this.state === UP && stream >= this.assoc.OS) {
      throw new RangeError(`stream ${stream} >= ${this.assoc.OS} outbound streams`);
    }
    if (this.queuedBytes + bytes.length > this.factory.maxQueuedBytes) {
      this.fail(DOWN_TIMEOUT, "send queue full");
      return;
    }
    // Copy now: callers pass views of reusable buffers.
    this.queue.push({ stream, ppid, data: Buffer.from(bytes) });
    this.queuedBytes += bytes.length;
    this.schedulePump();
  }

  close(): void {
    if (this.state === DOWN || this.closing) return;
    if (this.state === CONNECTING) {
      this.abortLibrary();
      this.finish(DOWN_CLOSED, true);
      return;
    }
    this.closing = true;
    this.armShutdownTimer();
    this.schedulePump();
  }

  abort(): void {
    if (this.state === DOWN) return;
    this.aborted = true;
    this.abortLibrary();
    this.finish(DOWN_ABORTED, true);
  }

  // -- setup --

  /** Client: the socket is bound and connected; start the handshake. */
  start(): void {
    if (this.state !== CONNECTING) return;
    const factory = this.factory;
    const endpoint = factory.newLibraryEndpoint(this.localSctpPort, randomBytes(32), this.transport);
    this.endpoint = endpoint;
    let association: LibAssociation | null = null;
    this.depth++;
    try {
      association = endpoint.ASSOCIATE({ remotePort: this.remotePort });
    } catch (e) {
      this.libraryThrew(e);
    } finally {
      this.depth--;
    }
    if (association !== null && this.state === CONNECTING) this.attach(association);
  }

  attach(a: LibAssociation): void {
    this.assoc = a;
    // onData in SHUTDOWN-SENT reads `this.duplicates`, which only exists on
    // its reassembly object: DATA arriving while we shut down would throw.
    (a as unknown as { duplicates: number[] }).duplicates = [];
    const link = this;
    const proto = Object.getPrototypeOf(a) as Record<string, (...args: unknown[]) => unknown>;
    const self = a as unknown as Record<string, unknown>;
    for (const name of GUARDED) {
      const original = proto[name];
      self[name] = function guarded(this: unknown, ...args: unknown[]): unknown {
        try {
          return original.apply(this, args);
        } catch (e) {
          link.libraryThrew(e);
          return undefined;
        }
      };
    }
    // DATA, SACK and HEARTBEAT ACK chunks are queued for bundling as the
    // library does, but without its 1 ms timer per chunk: the link flushes
    // the queue itself (after input, after a pump, or from a microtask).
    const sendChunk = proto._sendChunk;
    self._sendChunk = function guardedSendChunk(this: unknown, ...args: unknown[]): unknown {
      try {
        const type = args[0];
        if (type === "data" || type === "sack" || type === "heartbeat_ack") {
          const chunk = new Chunk(type, args[1]);
          chunk.callback = args[3];
          if (type === "data") chunk.size = chunk.user_data.length + 16;
          else {
            chunk.buffer = chunk.toBuffer();
            chunk.size = chunk.buffer.length;
          }
          a.queue.push(chunk);
          link.scheduleFlush();
          return undefined;
        }
        return sendChunk.apply(this, args);
      } catch (e) {
        link.libraryThrew(e);
        return undefined;
      }
    };
    silenceDebugger(a);
    // A delayed SACK leaves at once instead of after the library's bundling timer.
    const sack = proto._sack;
    self._sack = function guardedSack(this: unknown, ...args: unknown[]): unknown {
      try {
        const r = sack.apply(this, args);
        if (link.depth === 0) link.scheduleFlush();
        return r;
      } catch (e) {
        link.libraryThrew(e);
        return undefined;
      }
    };
    // Association.Max.Retrans (RFC 4960 s8.2), which the library lacks:
    // consecutive T3-rtx expirations without the cumulative ack moving.
    const expireT3 = proto._expireT3;
    self._expireT3 = function guardedExpireT3(this: unknown, ...args: unknown[]): unknown {
      try {
        const cumulative = a.c_tsn_ack !== undefined ? a.c_tsn_ack.number : -1;
        if (cumulative === link.t3Cumulative) link.t3Count++;
        else {
          link.t3Cumulative = cumulative;
          link.t3Count = 1;
        }
        if (link.t3Count > link.factory.maxRetransmissions) {
          link.fail(DOWN_TIMEOUT, "retransmissions");
          return undefined;
        }
        link.retransmitMarked = true;
        const r = expireT3.apply(this, args);
        link.afterExpireT3();
        return r;
      } catch (e) {
        link.libraryThrew(e);
        return undefined;
      }
    };
    // _retransmit runs on every send() and every SACK and walks every
    // outstanding chunk for those marked for retransmission: O(outstanding)
    // per message, a quarter of a busy registrar's time. Only _expireT3
    // marks chunks (those that did not fit its one packet), so walk only
    // after it ran; one walk queues every marked chunk.
    const retransmit = proto._retransmit;
    self._retransmit = function guardedRetransmit(this: unknown, ...args: unknown[]): unknown {
      if (!link.retransmitMarked) return undefined;
      link.retransmitMarked = false;
      try {
        return retransmit.apply(this, args);
      } catch (e) {
        link.libraryThrew(e);
        return undefined;
      }
    };
    a.on("COMMUNICATION UP", () => this.libraryUp());
    a.on("DATA ARRIVE", (stream: number) => this.libraryData(stream));
    a.on("COMMUNICATION LOST", () => this.finish(this.state === UP ? DOWN_ABORTED : DOWN_CONNECT_FAILED, false));
    a.on("SHUTDOWN COMPLETE", () => this.finish(DOWN_CLOSED, false));
    // SACKs go through our congestion window rules (onSackWithWindow).
    const onSack = proto.onSack;
    self.onSack = function onSackWithWindow(this: unknown, chunk: unknown): void {
      link.onSack(onSack, chunk);
    };
    a.removeAllListeners("sack");
    a.on("sack", (chunk: unknown) => {
      link.onSack(onSack, chunk);
      this.afterSack();
    });
    // Our listeners run after the library's own chunk handlers.
    a.on("shutdown", (chunk: { c_tsn_ack?: number }) => this.peerShutdown(chunk));
  }

  // -- input --

  receive(p: CheckedPacket): void {
    if (this.state === DOWN || this.endpoint === null) return;
    if (this.assoc !== null && !this.filter(p)) return;
    this.depth++;
    try {
      this.endpoint.emit("packet", libraryPacket(p), undefined, undefined);
    } catch (e) {
      this.libraryThrew(e);
    } finally {
      this.depth--;
    }
    this.afterInput();
  }

  /** Checks that need the association's state; drops offending chunks. False if nothing is left. */
  filter(p: CheckedPacket): boolean {
    if ((p.present & (HAS_DATA | HAS_SACK | HAS_COOKIE_ECHO)) === 0) return true;
    const a = this.assoc as LibAssociation;
    const chunks = p.chunks;
    const types = p.types;
    let w = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i];
      const type = types[i];
      let ok = true;
      if (type === CHUNK_DATA) ok = this.dataAcceptable(a, c);
      else if (type === CHUNK_SACK) ok = this.sackAcceptable(a, c);
      else if (type === CHUNK_COOKIE_ECHO) ok = this.cookieAcceptable(p, c);
      if (ok) {
        chunks[w] = c;
        types[w] = type;
        w++;
      } else {
        this.factory.stats.chunksDropped++;
      }
    }
    chunks.length = w;
    types.length = w;
    return w > 0;
  }

  dataAcceptable(a: LibAssociation, c: Buffer): boolean {
    const ra = a.reassembly;
    if (ra.peer_c_tsn === undefined) return false;
    // Invalid stream identifier (RFC 4960 s6.5): the library would index by it.
    if (c.readUInt16BE(8) >= a.MIS) return false;
    // The library's reassembly scans a sparse array up to the TSN: a TSN far
    // ahead hangs it, and its SACK builder throws past 65535 (npm-sctp.md).
    const d = (c.readUInt32BE(4) - ra.peer_c_tsn.number) >>> 0;
    const window = this.factory.tsnWindow;
    return d <= window || d >= 0x100000000 - window;
  }

  sackAcceptable(a: LibAssociation, c: Buffer): boolean {
    const cumulative = c.readUInt32BE(4);
    const highest = (a.my_next_tsn.number - 1) >>> 0;
    // Acknowledging a TSN never sent is a protocol violation (RFC 4960 s6.2).
    if (serialLess(highest, cumulative)) return false;
    // An older SACK than the last one is dropped (RFC 4960 s6.2.1 D.i).
    if (a.c_tsn_ack !== undefined && serialLess(cumulative, a.c_tsn_ack.number)) return false;
    const gaps = c.readUInt16BE(12);
    const span = (highest - cumulative) >>> 0;
    for (let g = 0; g < gaps; g++) {
      if (c.readUInt16BE(18 + 4 * g) > span) return false;
    }
    return true;
  }

  cookieAcceptable(p: CheckedPacket, c: Buffer): boolean {
    // A retransmitted COOKIE ECHO for this association (our COOKIE ACK was
    // lost): the library throws on an invalid one, so check it first.
    if (!this.server || this.endpoint === null) return false;
    const header = { src_port: p.srcPort, dst_port: p.dstPort, v_tag: p.vtag };
    return !!this.endpoint.validateCookie(c.subarray(4, c.readUInt16BE(2)), header);
  }

  afterInput(): void {
    if (this.state === DOWN) return;
    this.scheduleFlush();
    if (this.closing || this.head < this.queue.length) this.schedulePump();
  }

  /**
   * The library's SACK handling, with RFC 4960 s7.2.1/s7.2.2 congestion
   * window growth instead of its own: it grows cwnd only when the flight
   * size *after* the SACK still reaches cwnd (hardly ever), and has no
   * congestion avoidance, so cwnd stays at its initial 4380 bytes and caps
   * an association at a few dozen small messages per round trip. Here: a
   * SACK that advances the cumulative TSN ack while the window was fully
   * used (flight before it >= cwnd) grows cwnd by min(bytes acked, MTU) in
   * slow start, by one MTU per cwnd of acked bytes in congestion avoidance,
   * and not at all in fast recovery. Reductions by the library (fast
   * retransmit, T3-rtx) stand.
   */
  onSack(original: (...args: unknown[]) => unknown, chunk: unknown): void {
    const a = this.assoc as LibAssociation;
    const flight = a.flightsize;
    const cwnd = a.cwnd;
    const before = a.c_tsn_ack === undefined ? -1 : a.c_tsn_ack.number;
    original.call(a, chunk);
    if (a.cwnd > cwnd) a.cwnd = cwnd; // the library's own growth
    if (a.cwnd < cwnd || a.fastRecovery) {
      this.partialBytesAcked = 0;
      return;
    }
    const after = a.c_tsn_ack === undefined ? -1 : a.c_tsn_ack.number;
    const acked = flight - a.flightsize;
    if (after === before || acked <= 0) return;
    if (a.flightsize === 0) this.partialBytesAcked = 0;
    if (flight < cwnd) return; // not fully used: no growth (application-limited)
    if (cwnd <= a.ssthresh) {
      a.cwnd = cwnd + Math.min(acked, a.PMTU);
    } else {
      this.partialBytesAcked += acked;
      if (this.partialBytesAcked >= cwnd) {
        this.partialBytesAcked -= cwnd;
        a.cwnd = cwnd + a.PMTU;
      }
    }
  }

  /**
   * After a T3-rtx expiry the library keeps the chunks it marked for
   * retransmission in its flight size, so flightsize >= cwnd (1 MTU now)
   * holds until the next expiry: it resends them one per (doubling) RTO and
   * sends nothing new. Marked chunks are lost (RFC 4960 s6.3.3 E3, s7.2.1:
   * outstanding means sent and not yet considered lost): count only the
   * chunks really in flight, so the next SACK sends the marked ones.
   */
  afterExpireT3(): void {
    const a = this.assoc;
    if (a === null || this.state === DOWN) return;
    this.lossRecovery = this.recountFlight(a) > 0;
  }

  /** Flight size = unmarked outstanding chunks; returns the number of marked ones. */
  recountFlight(a: LibAssociation): number {
    let inFlight = 0;
    let marked = 0;
    for (const tsn in a.sent) {
      const c = a.sent[tsn];
      if (c.retransmit === true) marked++;
      else inFlight += c.size;
    }
    a.flightsize = inFlight;
    return marked;
  }

  afterSack(): void {
    if (this.state === DOWN || this.assoc === null) return;
    const a = this.assoc;
    if (this.lossRecovery) {
      // The SACK may have acknowledged marked chunks too (subtracting them
      // from the flight size again): recount, and send the marked ones once
      // the window allows, if the library's own check did not.
      this.flush(); // what the library's own walk queued, so it is counted
      const marked = this.recountFlight(a);
      if (marked > 0 && a.flightsize < a.cwnd) {
        this.retransmitMarked = true;
        a._retransmit(); // guarded
        this.flush();
        this.lossRecovery = this.recountFlight(a) > 0;
      } else {
        this.lossRecovery = marked > 0;
      }
    }
    this.shutdownAck(false);
    if (this.closing || this.head < this.queue.length) this.schedulePump();
  }

  /** The peer sent SHUTDOWN (after the library's own handler ran). */
  peerShutdown(chunk: { c_tsn_ack?: number }): void {
    this.armShutdownTimer();
    const a = this.assoc;
    if (this.state === DOWN || a === null) return;
    // Its Cumulative TSN Ack acknowledges our DATA like a SACK does
    // (RFC 4960 s9.2); the library ignores it and would retransmit forever.
    const cumulative = chunk.c_tsn_ack;
    const highest = (a.my_next_tsn.number - 1) >>> 0;
    if (
      typeof cumulative === "number" &&
      !serialLess(highest, cumulative) &&
      (a.c_tsn_ack === undefined || serialLess(a.c_tsn_ack.number, cumulative))
    ) {
      (a as unknown as { onSack(c: object): void }).onSack({ c_tsn_ack: cumulative, a_rwnd: a.peer_rwnd });
    }
    this.shutdownAck(true);
  }

  /**
   * The library answers a SHUTDOWN with SHUTDOWN ACK only if nothing was
   * outstanding when it arrived; RFC 4960 s9.2 wants it once all is acked.
   * `again`: a repeated SHUTDOWN (our ACK may have been lost) is answered too.
   */
  shutdownAck(again: boolean): void {
    const a = this.assoc as LibAssociation;
    const acked = a.state === "SHUTDOWN-RECEIVED" || (again && a.state === "SHUTDOWN-ACK-SENT");
    if (!acked || !noOutstanding(a) || (this.shutdownAckSent && !again)) return;
    const first = !this.shutdownAckSent;
    this.shutdownAckSent = true;
    a._sendChunk("shutdown_ack", {}, null, () => {
      if (a.state === "SHUTDOWN-RECEIVED") a.state = "SHUTDOWN-ACK-SENT";
    });
    if (first) a._startT2();
  }

  libraryUp(): void {
    if (this.state !== CONNECTING) return;
    this.state = UP;
    this.factory.stats.associationsUp++;
    this.clearTimer("handshakeTimer");
    this.clearTimer("cookieTimer");
    this.cookieEcho = null;
    const a = this.assoc as LibAssociation;
    // Streams are fixed now; drop queued messages on streams the peer refused.
    for (let i = this.head; i < this.queue.length; i++) {
      if (this.queue[i].stream >= a.OS) {
        this.factory.log(LOG_WARNING, LOG_SCTP_DROPPED_MESSAGE, this.id, this.queue[i].stream);
      }
    }
    this.factory.events.up(this);
    if (this.head < this.queue.length || this.closing) this.schedulePump();
  }

  libraryData(stream: number): void {
    const a = this.assoc;
    if (a === null) return;
    const bytes = a.RECEIVE();
    if (bytes === undefined || this.state === DOWN) return;
    this.factory.events.message(this, stream, (bytes.ppid as number) >>> 0, bytes);
  }

  socketError(error: NodeJS.ErrnoException): void {
    // ICMP port unreachable for UDP: the peer's stack is gone; RFC 6951 s5.5
    // maps it to protocol unreachable, which may be treated as an ABORT.
    if (error.code === "ECONNREFUSED") {
      this.finish(this.state === UP ? DOWN_ABORTED : DOWN_CONNECT_FAILED, true);
      return;
    }
    this.factory.log(LOG_WARNING, LOG_SCTP_SOCKET_ERROR, this.id, error);
    if (this.state === CONNECTING && !this.udp.ready) this.finish(DOWN_CONNECT_FAILED, true);
  }

  // -- output --

  output(packet: LibPacket, callback: ((error?: unknown) => void) | null): void {
    if (this.state === DOWN && packet.chunks.length > 0 && packet.chunks[0][0] !== CHUNK_ABORT) return;
    const bytes = encodePacket(packet.src_port, packet.dst_port, packet.v_tag, packet.chunks);
    if (!this.server && this.state === CONNECTING && packet.chunks.length > 0 && packet.chunks[0][0] === CHUNK_COOKIE_ECHO) {
      // The library never retransmits a COOKIE ECHO (RFC 4960 s5.1 T1-cookie).
      this.cookieEcho = bytes;
      this.cookieDelay = this.factory.cookieRetransmitInterval;
      this.armCookieTimer();
    }
    const cb = callback === null ? null : (error?: unknown) => this.guard(callback, error);
    this.udp.send(bytes, this.remoteAddressRaw, this.remoteUdpPort, cb);
  }

  /**
   * Output (queued messages handed to the library, its bundling queue sent)
   * runs once per event loop turn, from setImmediate: after every datagram
   * that arrived in this turn was processed and every answer to them was
   * queued, so answers to many requests share one packet (and its SACK).
   * Per datagram (a microtask) the registrar sent 4 answers per packet
   * instead of 7, at 20 instead of 14 microseconds of CPU per resolution.
   */
  schedulePump(): void {
    if (this.outputScheduled || this.state === DOWN) return;
    this.outputScheduled = true;
    setImmediate(this.outputTask);
  }

  /** Hand queued messages to the library within cwnd and the peer's window, then flush. */
  pump(): void {
    if (this.state !== UP || this.assoc === null) return;
    const a = this.assoc;
    try {
      if (a.state === "ESTABLISHED") {
        // RFC 4960 s6.1: new DATA may go while less than cwnd is
        // outstanding (the last message may overshoot it, which is what lets
        // slow start see a fully used window), and never beyond the peer's
        // receive window (but one message when nothing is in flight: a
        // window probe).
        let flight = a.flightsize;
        let handed = 0;
        while (this.head < this.queue.length) {
          const m = this.queue[this.head];
          const cost = m.data.length + 16 * Math.ceil(m.data.length / FRAGMENT_HINT);
          if ((flight >= a.cwnd || flight + cost > a.peer_rwnd) && (a.flightsize > 0 || handed > 0)) break;
          if (m.stream >= a.OS) {
            this.factory.log(LOG_WARNING, LOG_SCTP_DROPPED_MESSAGE, this.id, m.stream);
          } else {
            this.sendRejected = false;
            a.send(m.data, { stream_id: m.stream, ppid: m.ppid }, this.onSendResult);
            if (this.sendRejected) break;
            handed++;
            flight += cost;
          }
          this.queue[this.head++] = undefined as unknown as QueuedMessage;
          this.queuedBytes -= m.data.length;
        }
      } else if (a.state !== "COOKIE-ECHOED" && a.state !== "COOKIE-WAIT") {
        // Shutdown in progress: the library accepts no more data (RFC 4960 s9.2).
        this.dropQueue();
      }
      // Everything queued leaves now (a SACK in the bundling queue counts as
      // outstanding for the shutdown check below).
      this.flush();
      this.compactQueue();
      if (this.closing && !this.shutdownSent && this.head === this.queue.length && a.state === "ESTABLISHED" && noOutstanding(a)) {
        this.shutdownSent = true;
        a.SHUTDOWN();
        this.flush();
      }
    } catch (e) {
      this.libraryThrew(e);
    }
  }

  scheduleFlush(): void {
    this.schedulePump();
  }

  /** Send what the library queued for bundling now, not after its 1 ms timer. */
  flush(): void {
    const a = this.assoc;
    if (a === null || a.state === "CLOSED" || a.queue.length === 0) return;
    a.bundling = 1;
    a._bundle(); // guarded
    a.bundling = 0;
  }

  dropQueue(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      this.factory.log(LOG_DEBUG, LOG_SCTP_DROPPED_MESSAGE, this.id, this.queue[i].stream);
    }
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  compactQueue(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  // -- timers --

  armHandshakeTimer(): void {
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = null;
      if (this.state !== CONNECTING) return;
      this.abortLibrary();
      this.finish(DOWN_CONNECT_FAILED, true);
    }, this.factory.handshakeTimeout);
  }

  armCookieTimer(): void {
    this.clearTimer("cookieTimer");
    this.cookieTimer = setTimeout(() => {
      this.cookieTimer = null;
      if (this.state !== CONNECTING || this.cookieEcho === null) return;
      this.udp.send(this.cookieEcho, this.remoteAddressRaw, this.remoteUdpPort, null);
      this.cookieDelay *= 2;
      this.armCookieTimer();
    }, this.cookieDelay);
  }

  armShutdownTimer(): void {
    if (this.shutdownTimer !== null || this.state === DOWN) return;
    this.shutdownTimer = setTimeout(() => {
      this.shutdownTimer = null;
      if (this.state === DOWN) return;
      this.abortLibrary();
      this.finish(DOWN_CLOSED, true);
    }, this.factory.shutdownTimeout);
  }

  clearTimer(name: "handshakeTimer" | "shutdownTimer" | "cookieTimer"): void {
    const t = this[name];
    if (t !== null) {
      clearTimeout(t);
      this[name] = null;
    }
  }

  // -- failure and teardown --

  guard(fn: (...args: any[]) => unknown, arg?: unknown): void {
    try {
      fn(arg);
    } catch (e) {
      this.libraryThrew(e);
    }
  }

  libraryThrew(error: unknown): void {
    this.factory.stats.libraryErrors++;
    this.factory.log(LOG_WARNING, LOG_SCTP_LIBRARY_THREW, this.id, error);
    this.fail(this.state === CONNECTING ? DOWN_CONNECT_FAILED : DOWN_PROTOCOL_ERROR, error);
  }

  /** Give up: send our own ABORT (not through the library, whose state is suspect). */
  fail(reason: number, detail: unknown): void {
    if (this.state === DOWN) return;
    this.factory.log(LOG_DEBUG, LOG_SCTP_DROPPED_MESSAGE, this.id, detail);
    const a = this.assoc;
    if (a !== null && a.peer_tag !== undefined && a.state !== "CLOSED") {
      const abort = Buffer.from([CHUNK_ABORT, 0, 0, 4]);
      this.udp.send(encodePacket(this.localSctpPort, this.remotePort, a.peer_tag, [abort]), this.remoteAddressRaw, this.remoteUdpPort, null);
    }
    this.finish(reason, true);
  }

  /** ABORT through the library when it has a peer tag to use; otherwise just drop the state. */
  abortLibrary(): void {
    const a = this.assoc;
    if (a === null || a.state === "CLOSED") return;
    try {
      if (a.peer_tag !== undefined) (a as unknown as { ABORT(): void }).ABORT();
      else a._destroy();
    } catch (e) {
      this.factory.stats.libraryErrors++;
      this.factory.log(LOG_WARNING, LOG_SCTP_LIBRARY_THREW, this.id, e);
    }
  }

  /** Final: release everything, then report `reason` unless told not to. */
  finish(reason: number, destroyLibrary: boolean, report = true): void {
    if (this.state === DOWN) return;
    const wasCounted = this.udp.links.get(this.key) === this;
    this.state = DOWN;
    this.clearTimer("handshakeTimer");
    this.clearTimer("shutdownTimer");
    this.clearTimer("cookieTimer");
    this.cookieEcho = null;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    const a = this.assoc;
    if (a !== null && a.state !== "CLOSED" && (destroyLibrary || this.depth === 0)) {
      try {
        a._destroy();
      } catch (e) {
        this.factory.log(LOG_DEBUG, LOG_SCTP_LIBRARY_THREW, this.id, e);
      }
    }
    if (wasCounted) {
      this.udp.links.delete(this.key);
      this.factory.linkCount--;
    }
    if (this.allocatedPort) {
      clientPorts.delete(this.localSctpPort);
      this.allocatedPort = false;
    }
    this.udp.closeIfUnused();
    if (report) this.factory.events.down(this, reason);
  }
}

// ---- the factory ----------------------------------------------------------

export class SctpTransport implements TransportFactory {
  readonly name = "sctp";
  readonly mode: "udp" | "raw";
  /** @internal */ readonly rawModule: RawSocketModule | null;
  /** @internal */ rawEndpoint: RawEndpoint | null = null;
  readonly udpPort: number;
  readonly remoteUdpPort: number;
  readonly clientUdpPort: number;
  readonly streams: number;
  readonly receiveWindow: number;
  readonly maxMessageSize: number;
  readonly maxQueuedBytes: number;
  readonly handshakeTimeout: number;
  readonly cookieRetransmitInterval: number;
  readonly shutdownTimeout: number;
  readonly maxRetransmissions: number;
  readonly maxAssociations: number;
  readonly tsnWindow: number;
  readonly udpReceiveBufferSize: number;
  readonly udpSendBufferSize: number;
  readonly stats: SctpStats;
  readonly logger: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  readonly onError: ((error: Error) => void) | null;
  /** @internal */ readonly checked: CheckedPacket = newCheckedPacket();
  /** @internal */ readonly serverEndpoints = new Map<string, UdpEndpoint>();
  /** @internal */ readonly sockets = new Set<Carrier>();
  /** @internal */ linkCount = 0;
  /** @internal */ readonly events = new EventQueue();
  private closed = false;

  constructor(options: SctpTransportOptions = {}) {
    this.mode = options.mode ?? "udp";
    if (this.mode !== "udp" && this.mode !== "raw") throw new RangeError(`SCTP mode ${String(this.mode)}`);
    // Fail at construction, not at the first connect, when the addon is missing.
    this.rawModule = this.mode === "raw" ? loadRawSocket() : null;
    configureLibrary();
    this.udpPort = options.udpPort ?? 9899;
    this.remoteUdpPort = options.remoteUdpPort ?? 9899;
    this.clientUdpPort = options.clientUdpPort ?? 0;
    this.streams = options.streams ?? 16;
    this.receiveWindow = options.receiveWindow ?? 1024 * 1024;
    this.maxMessageSize = options.maxMessageSize ?? 512 * 1024;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.handshakeTimeout = options.handshakeTimeout ?? 5000;
    this.cookieRetransmitInterval = options.cookieRetransmitInterval ?? 1000;
    this.shutdownTimeout = options.shutdownTimeout ?? 3000;
    this.maxRetransmissions = options.maxRetransmissions ?? 10;
    this.maxAssociations = options.maxAssociations ?? 10000;
    this.tsnWindow = options.tsnWindow ?? 8192;
    this.udpReceiveBufferSize = options.udpReceiveBufferSize ?? 4 * 1024 * 1024;
    this.udpSendBufferSize = options.udpSendBufferSize ?? 4 * 1024 * 1024;
    this.logger = options.log ?? null;
    this.onError = options.onError ?? null;
    if (!(this.streams >= 1 && this.streams <= 0xffff)) throw new RangeError("streams");
    if (this.maxMessageSize >= this.receiveWindow) throw new RangeError("maxMessageSize must be below receiveWindow");
    this.stats = {
      datagrams: 0,
      accepted: 0,
      rejected: REJECT_NAMES.map(() => 0),
      chunksDropped: 0,
      unroutable: 0,
      libraryErrors: 0,
      restarts: 0,
      associationsUp: 0,
    };
  }

  /** @internal */
  log(level: number, code: number, a: unknown, b: unknown): void {
    if (this.logger !== null) this.logger(level, code, a, b);
  }

  /** @internal A library Endpoint with our transport and a fixed cookie secret. */
  newLibraryEndpoint(localPort: number, secret: Buffer, transport: LibTransport): LibEndpoint {
    const e = new Endpoint({ localPort, MIS: this.streams, OS: this.streams, a_rwnd: this.receiveWindow });
    // Its secret rotation timer would keep the process alive and desync the secret.
    clearInterval(e._cookieInterval);
    silenceDebugger(e);
    e.cookieSecretKey = secret;
    e.transport = transport;
    return e;
  }

  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): SctpListener {
    if (this.closed) throw new Error("transport closed");
    const port = options.port;
    if (!(port >= 1 && port <= 0xffff && port === Math.floor(port))) throw new RangeError(`SCTP port ${port}`);
    const addresses = options.addresses.length > 0 ? options.addresses : [""];
    if (this.mode === "raw") return this.listenRaw(port, addresses, handler, target);
    for (const address of addresses) {
      if (address !== "" && net.isIP(address) === 0) throw new TypeError(`not an IP address: ${address}`);
      const existing = this.serverEndpoints.get(serverKey(address, this.udpPort));
      if (existing !== undefined && existing.listeners.has(port)) throw new Error(`SCTP port ${port} already listening on ${address || "*"}`);
    }
    const listener = new SctpListener(this, port, handler, target);
    for (const address of addresses) {
      const e = this.serverEndpoint(address, listener);
      e.listeners.set(port, listener);
      listener.endpoints.push(e);
    }
    return listener;
  }

  /** The raw socket, opened on first use. Throws (EPERM) without root. */
  private rawCarrier(): RawEndpoint {
    if (this.rawEndpoint !== null) return this.rawEndpoint;
    let e: RawEndpoint;
    try {
      e = new RawEndpoint(this, this.rawModule as RawSocketModule);
    } catch (cause) {
      const error = new Error(
        `raw-IP SCTP: cannot open a raw IPv4 socket (needs root or CAP_NET_RAW): ${(cause as Error).message}`,
      ) as NodeJS.ErrnoException;
      error.code = "ERR_RAW_SOCKET_OPEN";
      throw error;
    }
    this.rawEndpoint = e;
    this.sockets.add(e);
    return e;
  }

  /** Raw mode: one socket sees every local IPv4 address; listener addresses are only checked for family. */
  private listenRaw(port: number, addresses: string[], handler: AssociationHandler, target: unknown): SctpListener {
    for (const address of addresses) {
      if (address !== "" && net.isIPv4(address) === false) throw new TypeError(`raw-IP SCTP is IPv4 only: ${address}`);
    }
    const e = this.rawCarrier();
    if (e.listeners.has(port)) throw new Error(`SCTP port ${port} already listening`);
    const listener = new SctpListener(this, port, handler, target);
    e.listeners.set(port, listener);
    listener.endpoints.push(e);
    listener.pendingBinds = 1;
    queueMicrotask(() => listener.bound());
    return listener;
  }

  private serverEndpoint(address: string, listener: SctpListener): UdpEndpoint {
    const key = serverKey(address, this.udpPort);
    const e = this.serverEndpoints.get(key);
    listener.pendingBinds++;
    if (e !== undefined) {
      if (e.ready) queueMicrotask(() => listener.bound());
      else e.socket.once("listening", () => listener.bound());
      return e;
    }
    // Wildcard: one dual-stack IPv6 socket (IPv4 peers appear as ::ffff:a.b.c.d),
    // or IPv4 only where the host has no IPv6.
    const type = address === "" || net.isIPv6(address) ? "udp6" : "udp4";
    return this.bindServerEndpoint(key, address, type, address === "" ? "::" : address);
  }

  private bindServerEndpoint(key: string, address: string, type: "udp4" | "udp6", bindAddress: string): UdpEndpoint {
    const e = new UdpEndpoint(this, type, key, false, false);
    this.serverEndpoints.set(key, e);
    this.sockets.add(e);
    const onBindError = (error: NodeJS.ErrnoException) => {
      e.socket.removeListener("listening", onListening);
      if (address === "" && type === "udp6" && (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL")) {
        // Move the listeners to an IPv4 wildcard socket.
        const moved = Array.from(e.listeners.entries());
        e.listeners.clear();
        e.close();
        const v4 = this.bindServerEndpoint(key, address, "udp4", "0.0.0.0");
        for (const [port, l] of moved) {
          v4.listeners.set(port, l);
          l.endpoints[l.endpoints.indexOf(e)] = v4;
        }
        return;
      }
      this.bindFailed(e, error);
    };
    const onListening = () => {
      e.socket.removeListener("error", onBindError);
      e.onBound();
      for (const l of new Set(e.listeners.values())) l.bound();
    };
    e.socket.once("error", onBindError);
    e.socket.once("listening", onListening);
    e.socket.bind({ port: this.udpPort, address: bindAddress, exclusive: true });
    return e;
  }

  private bindFailed(e: UdpEndpoint, error: Error): void {
    const listeners = new Set(e.listeners.values());
    e.listeners.clear();
    e.close();
    for (const l of listeners) l.rejectReady(error);
    if (this.onError !== null) this.onError(error);
    else if (this.logger !== null) this.log(LOG_ERROR, LOG_SCTP_SOCKET_ERROR, "bind", error);
    else process.emitWarning(`sctp transport: ${error.message}`);
  }

  connect(
    remoteAddresses: string[],
    port: number,
    options: ConnectOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Association {
    if (this.closed) throw new Error("transport closed");
    if (!(port >= 1 && port <= 0xffff && port === Math.floor(port))) throw new RangeError(`SCTP port ${port}`);
    if (this.mode === "raw") return this.connectRaw(remoteAddresses, port, options, handler, target);
    // Under encapsulation an association has one remote address: the first given.
    const remote = remoteAddresses.find((a) => net.isIP(a) !== 0);
    if (remote === undefined) throw new TypeError(`no IP address in [${remoteAddresses.join(", ")}]`);
    const v6 = net.isIPv6(remote);
    const local = options.localAddresses.find((a) => net.isIP(a) !== 0 && net.isIPv6(a) === v6) ?? "";
    const udp = new UdpEndpoint(this, v6 ? "udp6" : "udp4", "", true, this.clientUdpPort !== 0);
    this.sockets.add(udp);
    const link = new SctpLink(this, udp, "", false, handler, target);
    udp.owner = link;
    link.remoteAddressRaw = remote;
    link.remoteAddress = normalizeAddress(remote);
    link.remoteUdpPort = this.remoteUdpPort;
    link.remotePort = port;
    if (options.localPort > 0) link.localSctpPort = options.localPort;
    else {
      link.localSctpPort = allocateClientPort();
      link.allocatedPort = link.localSctpPort !== 0;
    }
    link.key = linkKey(remote, this.remoteUdpPort, port, link.localSctpPort);
    if (this.linkCount >= this.maxAssociations || link.localSctpPort === 0) {
      link.finish(DOWN_CONNECT_FAILED, true);
      return link;
    }
    udp.links.set(link.key, link);
    this.linkCount++;
    link.armHandshakeTimer();
    udp.socket.once("listening", () => {
      udp.onBound();
      if (link.state !== CONNECTING) return;
      udp.socket.connect(link.remoteUdpPort, remote, (error?: Error) => {
        if (error) link.socketError(error as NodeJS.ErrnoException);
        else link.start();
      });
    });
    udp.socket.bind({ port: this.clientUdpPort, address: local === "" ? undefined : local });
    return link;
  }

  /**
   * Raw mode: the first IPv4 remote address; the kernel picks the source
   * address (the addon cannot bind), so localAddresses are ignored.
   */
  private connectRaw(
    remoteAddresses: string[],
    port: number,
    options: ConnectOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Association {
    const remote = remoteAddresses.find((a) => net.isIPv4(a));
    if (remote === undefined) throw new TypeError(`raw-IP SCTP is IPv4 only; no IPv4 address in [${remoteAddresses.join(", ")}]`);
    const raw = this.rawCarrier();
    const link = new SctpLink(this, raw, "", false, handler, target);
    link.remoteAddressRaw = remote;
    link.remoteAddress = normalizeAddress(remote);
    link.remoteUdpPort = 0;
    link.remotePort = port;
    if (options.localPort > 0) link.localSctpPort = options.localPort;
    else {
      link.localSctpPort = allocateClientPort();
      link.allocatedPort = link.localSctpPort !== 0;
    }
    link.key = linkKey(remote, 0, port, link.localSctpPort);
    if (this.linkCount >= this.maxAssociations || link.localSctpPort === 0 || raw.links.has(link.key) || raw.listeners.has(link.localSctpPort)) {
      link.finish(DOWN_CONNECT_FAILED, true);
      return link;
    }
    raw.links.set(link.key, link);
    this.linkCount++;
    link.armHandshakeTimer();
    // Not from inside connect(): the INIT goes out from a microtask.
    queueMicrotask(() => link.start());
    return link;
  }

  /** Live associations (server and client). */
  get associationCount(): number {
    return this.linkCount;
  }

  /**
   * Abort every association (ABORT is sent), close listeners and sockets.
   * No further callbacks. With `silent`, nothing is sent either (as if the
   * process died): for restart tests.
   */
  close(silent = false): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    for (const udp of Array.from(this.sockets)) {
      for (const link of Array.from(udp.links.values())) {
        if (!silent) link.abortLibrary();
        link.finish(DOWN_ABORTED, true, false);
      }
      for (const l of new Set(udp.listeners.values())) l.close();
      udp.close();
    }
  }
}

function serverKey(address: string, udpPort: number): string {
  return (address === "" ? "*" : address) + "|" + udpPort;
}

export type { SctpListener, SctpLink };
export { normalizeAddress };

export function createSctpTransport(options: SctpTransportOptions = {}): SctpTransport {
  return new SctpTransport(options);
}
