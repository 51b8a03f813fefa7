// TCP mapping (draft-ietf-rserpool-tcpmapping in spirit; byte layout in
// TCP-MAPPING.md): SCTP-like messages over one TCP connection. Every message
// is a frame with a 12-byte header carrying type, stream, length and PPID;
// heartbeats notice a peer that went silent (TCP alone may not for hours).
// Used for PE/PU <-> registrar and PU <-> PE sessions alike: application
// PPIDs pass through untouched.

import net from "node:net";
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
import { EventQueue } from "./events.js";
import { nextAssociationId } from "./ids.js";
import { normalizeAddress } from "./address.js";

// ---- wire format (TCP-MAPPING.md): shared with the embedded platforms ----

import {
  FRAME_HEADER,
  FRAME_DATA,
  FRAME_HEARTBEAT_REQUEST,
  FRAME_HEARTBEAT_ACK,
  MAX_HEARTBEAT_PAYLOAD,
  writeFrameHeader,
} from "../embedded/tcp-mapping.js";

export { FRAME_HEADER, FRAME_DATA, FRAME_HEARTBEAT_REQUEST, FRAME_HEARTBEAT_ACK, MAX_HEARTBEAT_PAYLOAD, writeFrameHeader };

/** One complete frame: header + payload, in a new buffer. */
export function encodeFrame(type: number, stream: number, ppid: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  writeFrameHeader(b, 0, type, stream, FRAME_HEADER + payload.length, ppid);
  b.set(payload, FRAME_HEADER);
  return b;
}

export interface FrameSink {
  frame(type: number, stream: number, ppid: number, payload: Buffer): void;
  /** A malformed or oversize frame: the connection must go. */
  protocolError(detail: string): void;
}

/**
 * Incremental frame parser. Handles frames split across reads and several
 * frames per read; refuses an oversize or malformed frame as soon as its
 * header is seen, before buffering its payload.
 */
export class FrameReader {
  readonly maxMessageSize: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before parsing can progress: a header, or the frame under way. */
  private need = FRAME_HEADER;
  failed = false;

  constructor(maxMessageSize: number) {
    this.maxMessageSize = maxMessageSize;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    if (this.failed) return;
    let b: Buffer;
    if (this.buffered === 0) b = chunk;
    else {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < this.need) return;
      b = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
    }
    let off = 0;
    while (b.length - off >= FRAME_HEADER) {
      const type = b[off];
      const length = b.readUInt32BE(off + 4);
      const payload = length - FRAME_HEADER;
      if (length < FRAME_HEADER) return this.fail(sink, `frame length ${length}`);
      if (type === FRAME_DATA) {
        if (payload > this.maxMessageSize) return this.fail(sink, `message of ${payload} bytes exceeds ${this.maxMessageSize}`);
      } else if (type === FRAME_HEARTBEAT_REQUEST || type === FRAME_HEARTBEAT_ACK) {
        if (payload > MAX_HEARTBEAT_PAYLOAD) return this.fail(sink, `heartbeat of ${payload} bytes`);
      } else {
        return this.fail(sink, `frame type ${type}`);
      }
      if (b.length - off < length) break;
      sink.frame(type, b.readUInt16BE(off + 2), b.readUInt32BE(off + 8), b.subarray(off + FRAME_HEADER, off + length));
      if (this.failed) return;
      off += length;
    }
    if (off < b.length) {
      const rest = b.subarray(off);
      this.chunks.push(rest);
      this.buffered = rest.length;
      this.need = rest.length >= FRAME_HEADER ? rest.readUInt32BE(4) : FRAME_HEADER;
    } else {
      this.need = FRAME_HEADER;
    }
  }

  private fail(sink: FrameSink, detail: string): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    sink.protocolError(detail);
  }
}

// ---- options ----------------------------------------------------------------

export interface TcpTransportOptions {
  /** Send a heartbeat request after this long without receiving anything, ms. Default 10000. */
  heartbeatInterval?: number;
  /** Give the association up (DOWN_TIMEOUT) after this long without receiving anything, ms. Default 30000. */
  heartbeatTimeout?: number;
  /** Largest message sent or accepted; a bigger frame closes the connection. Default 1 MiB. */
  maxMessageSize?: number;
  /** Connect (all addresses together), ms. Default 5000. */
  connectTimeout?: number;
  /** Graceful close, ms, then reset. Default 3000. */
  shutdownTimeout?: number;
  /** Unsent bytes per association before it is given up (DOWN_TIMEOUT). Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Accepted connections per listener. Default 10000. */
  maxAssociations?: number;
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  /** Listener errors (bind failures). Default: log, else a process warning. */
  onError?: ((error: Error) => void) | null;
}

export const LOG_TCP_PROTOCOL_ERROR = 0x5401;
export const LOG_TCP_SOCKET_ERROR = 0x5402;

const CONNECTING = 0;
const UP = 1;
const DOWN = 2;

/**
 * Ends a connection at once: RST while both directions are open, a plain
 * destroy once end() was called (our close() in progress, or Node ending
 * our side after the peer's FIN). On Node 20 resetAndDestroy() after end()
 * never releases the handle, and the process hangs at exit.
 */
export function resetSocket(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.writableEnded || s.writableFinished) {
    s.destroy();
    return;
  }
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

// ---- association --------------------------------------------------------------

class TcpLink implements Association, FrameSink {
  readonly id: number;
  readonly factory: TcpTransport;
  readonly handler: AssociationHandler;
  readonly target: unknown;
  socket: net.Socket | null = null;
  remoteAddress = "";
  remotePort = 0;
  state = CONNECTING;
  closing = false;
  aborted = false;
  /** Reason to report when the socket closes. */
  closeReason = DOWN_CLOSED;
  readonly reader: FrameReader;
  lastReceived = 0;
  lastProbe = 0;
  probes = 0;
  heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  shutdownTimer: ReturnType<typeof setTimeout> | null = null;
  connectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Frames sent before the connection is up. */
  pending: Buffer[] = [];
  corked = false;
  // Client only: addresses still to try.
  addresses: string[] = [];
  port = 0;
  localAddresses: string[] = [];
  localPort = 0;

  constructor(factory: TcpTransport, handler: AssociationHandler, target: unknown) {
    this.id = nextAssociationId();
    this.factory = factory;
    this.handler = handler;
    this.target = target;
    this.reader = new FrameReader(factory.maxMessageSize);
  }

  send(stream: number, ppid: number, bytes: Uint8Array): void {
    if (!(stream >= 0 && stream <= 0xffff && stream === Math.floor(stream))) throw new RangeError(`stream ${stream}`);
    if (!(ppid >= 0 && ppid <= 0xffffffff && ppid === Math.floor(ppid))) throw new RangeError(`ppid ${ppid}`);
    if (bytes.length > this.factory.maxMessageSize) {
      throw new RangeError(`message of ${bytes.length} bytes exceeds ${this.factory.maxMessageSize}`);
    }
    if (this.state === DOWN || this.closing) return;
    // The frame is a copy: callers pass views of reusable buffers.
    this.write(encodeFrame(FRAME_DATA, stream, ppid, bytes));
  }

  close(): void {
    if (this.state === DOWN || this.closing) return;
    if (this.state === CONNECTING) {
      this.destroy();
      this.finish(DOWN_CLOSED);
      return;
    }
    this.closing = true;
    this.uncork();
    // FIN after the queued frames; the peer answers with its own.
    (this.socket as net.Socket).end();
    this.shutdownTimer = setTimeout(() => {
      this.shutdownTimer = null;
      this.destroy();
      this.finish(DOWN_CLOSED);
    }, this.factory.shutdownTimeout);
  }

  abort(): void {
    if (this.state === DOWN) return;
    this.aborted = true;
    const s = this.socket;
    if (s !== null) {
      // RST, even while connecting: the peer sees an abort, not a close.
      s.removeAllListeners("data");
      resetSocket(s);
    }
    this.finish(DOWN_ABORTED);
  }

  // -- socket plumbing --

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    // A client may go through several sockets (one per address tried):
    // events of an abandoned one are ignored.
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.data(chunk);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.error(error);
    });
    socket.on("close", () => {
      if (this.socket === socket) this.closed();
    });
    socket.on("end", () => {
      // The peer closed its side: a graceful close (allowHalfOpen is off,
      // so Node ends ours too).
      if (this.socket === socket) this.closeReason = DOWN_CLOSED;
    });
  }

  up(): void {
    const s = this.socket as net.Socket;
    this.state = UP;
    this.remoteAddress = normalizeAddress(s.remoteAddress ?? "");
    this.remotePort = s.remotePort ?? 0;
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
    this.lastReceived = performance.now();
    this.lastProbe = this.lastReceived;
    this.armHeartbeat();
    this.factory.events.up(this);
    if (this.pending.length > 0) {
      const frames = this.pending;
      this.pending = [];
      for (const f of frames) this.write(f);
    }
  }

  write(frame: Buffer): void {
    const s = this.socket;
    if (this.state !== UP || s === null) {
      this.pending.push(frame);
      return;
    }
    if (s.writableEnded || s.destroyed) return;
    // Frames written in one tick leave in one writev.
    if (!this.corked) {
      this.corked = true;
      s.cork();
      queueMicrotask(() => this.uncork());
    }
    s.write(frame);
    if (s.writableLength > this.factory.maxQueuedBytes) {
      this.factory.log(2, LOG_TCP_SOCKET_ERROR, this.id, "send buffer full");
      this.destroy();
      this.finish(DOWN_TIMEOUT);
    }
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.socket !== null && !this.socket.destroyed) this.socket.uncork();
  }

  data(chunk: Buffer): void {
    if (this.state !== UP) return;
    this.lastReceived = performance.now();
    this.reader.push(chunk, this);
  }

  frame(type: number, stream: number, ppid: number, payload: Buffer): void {
    if (this.state !== UP) return;
    if (type === FRAME_DATA) this.factory.events.message(this, stream, ppid, payload);
    else if (type === FRAME_HEARTBEAT_REQUEST) this.write(encodeFrame(FRAME_HEARTBEAT_ACK, 0, 0, payload));
    // FRAME_HEARTBEAT_ACK: receiving it was the point (lastReceived).
  }

  protocolError(detail: string): void {
    this.factory.log(2, LOG_TCP_PROTOCOL_ERROR, this.id, detail);
    if (this.socket !== null) resetSocket(this.socket);
    this.finish(DOWN_PROTOCOL_ERROR);
  }

  error(error: NodeJS.ErrnoException): void {
    if (this.state === CONNECTING) {
      this.factory.log(0, LOG_TCP_SOCKET_ERROR, this.id, error);
      this.destroy();
      this.tryNext();
      return;
    }
    if (error.code === "ECONNRESET" || error.code === "EPIPE") this.closeReason = DOWN_ABORTED;
    else {
      this.closeReason = DOWN_ABORTED;
      this.factory.log(1, LOG_TCP_SOCKET_ERROR, this.id, error);
    }
  }

  closed(): void {
    if (this.state === UP) this.finish(this.closeReason);
  }

  destroy(): void {
    const s = this.socket;
    if (s !== null) {
      s.removeAllListeners("data");
      s.destroy();
    }
  }

  // -- client connect --

  tryNext(): void {
    if (this.state !== CONNECTING) return;
    const address = this.addresses.shift();
    if (address === undefined) {
      this.finish(DOWN_CONNECT_FAILED);
      return;
    }
    const v6 = net.isIPv6(address);
    const localAddress = this.localAddresses.find((a) => net.isIP(a) !== 0 && net.isIPv6(a) === v6);
    const socket = net.connect({
      host: address,
      port: this.port,
      localAddress,
      localPort: this.localPort > 0 ? this.localPort : undefined,
      noDelay: true,
    });
    this.attach(socket);
    socket.once("connect", () => {
      if (this.state === CONNECTING && this.socket === socket) this.up();
    });
  }

  // -- heartbeats (TCP-MAPPING.md) --

  armHeartbeat(): void {
    const f = this.factory;
    const now = performance.now();
    const silentUntilProbe = Math.max(this.lastReceived, this.lastProbe) + f.heartbeatInterval;
    const deadline = Math.min(silentUntilProbe, this.lastReceived + f.heartbeatTimeout);
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), Math.max(1, Math.ceil(deadline - now)));
  }

  heartbeat(): void {
    this.heartbeatTimer = null;
    if (this.state !== UP) return;
    const f = this.factory;
    const now = performance.now();
    if (now - this.lastReceived >= f.heartbeatTimeout) {
      this.destroy();
      this.finish(DOWN_TIMEOUT);
      return;
    }
    if (now - this.lastReceived >= f.heartbeatInterval && now - this.lastProbe >= f.heartbeatInterval && !this.closing) {
      this.lastProbe = now;
      const payload = Buffer.allocUnsafe(8);
      payload.writeUInt32BE(this.id >>> 0, 0);
      payload.writeUInt32BE(++this.probes >>> 0, 4);
      this.write(encodeFrame(FRAME_HEARTBEAT_REQUEST, 0, 0, payload));
    }
    this.armHeartbeat();
  }

  finish(reason: number): void {
    if (this.state === DOWN) return;
    this.state = DOWN;
    for (const name of ["heartbeatTimer", "shutdownTimer", "connectTimer"] as const) {
      const t = this[name];
      if (t !== null) {
        clearTimeout(t);
        this[name] = null;
      }
    }
    this.pending = [];
    this.factory.links.delete(this);
    this.factory.events.down(this, reason);
  }
}

// ---- listener -----------------------------------------------------------------

class TcpListener implements Listener {
  readonly factory: TcpTransport;
  readonly servers: net.Server[] = [];
  readonly requestedPort: number;
  /** Resolves with the bound port once every address is bound; rejects on a bind error. */
  readonly ready: Promise<number>;
  private resolveReady!: (port: number) => void;
  private rejectReady!: (error: Error) => void;
  private pendingBinds = 0;
  boundPort = 0;
  closed = false;

  constructor(factory: TcpTransport, port: number) {
    this.factory = factory;
    this.requestedPort = port;
    this.ready = new Promise<number>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** The port given to listen(), or the bound one when that was 0. */
  get port(): number {
    return this.requestedPort !== 0 ? this.requestedPort : this.boundPort;
  }

  add(address: string, handler: AssociationHandler, target: unknown): void {
    const f = this.factory;
    const server = net.createServer({ noDelay: true }, (socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      const link = new TcpLink(f, handler, target);
      f.links.add(link);
      link.attach(socket);
      link.up();
    });
    server.maxConnections = f.maxAssociations;
    this.servers.push(server);
    this.pendingBinds++;
    const listen = (host: string) => {
      // Every address of one listener shares the port the first one got.
      const port = this.requestedPort !== 0 ? this.requestedPort : this.boundPort;
      server.listen({ host, port, ipv6Only: false });
    };
    server.once("listening", () => {
      server.removeAllListeners("error");
      server.on("error", (error) => f.log(2, LOG_TCP_SOCKET_ERROR, "listener", error));
      const a = server.address();
      if (a !== null && typeof a === "object" && this.boundPort === 0) this.boundPort = a.port;
      if (--this.pendingBinds === 0) this.resolveReady(this.port);
    });
    server.on("error", (error: NodeJS.ErrnoException) => {
      // Wildcard on a host without IPv6: fall back to IPv4.
      if (address === "" && (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL")) {
        listen("0.0.0.0");
        return;
      }
      this.rejectReady(error);
      f.reportError(error);
    });
    listen(address === "" ? "::" : address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) s.close();
    this.rejectReady(new Error("listener closed"));
  }
}

// ---- factory ------------------------------------------------------------------

export class TcpTransport implements TransportFactory {
  readonly name = "tcp";
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly maxMessageSize: number;
  readonly connectTimeout: number;
  readonly shutdownTimeout: number;
  readonly maxQueuedBytes: number;
  readonly maxAssociations: number;
  readonly logger: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  readonly onError: ((error: Error) => void) | null;
  /** @internal */ readonly events = new EventQueue();
  /** @internal */ readonly links = new Set<TcpLink>();
  private readonly listeners = new Set<TcpListener>();
  private closedFlag = false;

  constructor(options: TcpTransportOptions = {}) {
    this.heartbeatInterval = options.heartbeatInterval ?? 10000;
    this.heartbeatTimeout = options.heartbeatTimeout ?? 30000;
    this.maxMessageSize = options.maxMessageSize ?? 1024 * 1024;
    this.connectTimeout = options.connectTimeout ?? 5000;
    this.shutdownTimeout = options.shutdownTimeout ?? 3000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.maxAssociations = options.maxAssociations ?? 10000;
    this.logger = options.log ?? null;
    this.onError = options.onError ?? null;
    if (!(this.heartbeatInterval > 0 && this.heartbeatTimeout > this.heartbeatInterval)) {
      throw new RangeError("heartbeatTimeout must exceed heartbeatInterval > 0");
    }
  }

  /** @internal */
  log(level: number, code: number, a: unknown, b: unknown): void {
    if (this.logger !== null) this.logger(level, code, a, b);
  }

  /** @internal */
  reportError(error: Error): void {
    if (this.onError !== null) this.onError(error);
    else if (this.logger !== null) this.log(3, LOG_TCP_SOCKET_ERROR, "listen", error);
    else process.emitWarning(`tcp transport: ${error.message}`);
  }

  /** `port` 0 binds an ephemeral port (see `ready` / `port`). */
  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): TcpListener {
    if (this.closedFlag) throw new Error("transport closed");
    const port = options.port;
    if (!(port >= 0 && port <= 0xffff && port === Math.floor(port))) throw new RangeError(`TCP port ${port}`);
    for (const a of options.addresses) if (net.isIP(a) === 0) throw new TypeError(`not an IP address: ${a}`);
    const listener = new TcpListener(this, port);
    this.listeners.add(listener);
    const addresses = options.addresses.length > 0 ? options.addresses : [""];
    if (port === 0 && addresses.length > 1) {
      // Bind the first, then the others on the port it got.
      listener.add(addresses[0], handler, target);
      listener.ready.catch(() => undefined);
      const first = listener.servers[0];
      first.once("listening", () => {
        for (let i = 1; i < addresses.length; i++) listener.add(addresses[i], handler, target);
      });
    } else {
      for (const a of addresses) listener.add(a, handler, target);
    }
    return listener;
  }

  connect(
    remoteAddresses: string[],
    port: number,
    options: ConnectOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Association {
    if (this.closedFlag) throw new Error("transport closed");
    if (!(port >= 1 && port <= 0xffff && port === Math.floor(port))) throw new RangeError(`TCP port ${port}`);
    const addresses = remoteAddresses.filter((a) => net.isIP(a) !== 0);
    if (addresses.length === 0) throw new TypeError(`no IP address in [${remoteAddresses.join(", ")}]`);
    const link = new TcpLink(this, handler, target);
    link.addresses = addresses.slice();
    link.port = port;
    link.localAddresses = options.localAddresses;
    link.localPort = options.localPort;
    this.links.add(link);
    link.connectTimer = setTimeout(() => {
      link.connectTimer = null;
      if (link.state !== CONNECTING) return;
      link.destroy();
      link.finish(DOWN_CONNECT_FAILED);
    }, this.connectTimeout);
    link.tryNext();
    return link;
  }

  /** Reset every connection and close listeners; no further callbacks. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.events.close();
    for (const l of this.listeners) l.close();
    for (const link of Array.from(this.links)) {
      link.aborted = true;
      const s = link.socket;
      if (s !== null && link.state === UP) resetSocket(s);
      else link.destroy();
      link.finish(DOWN_ABORTED);
    }
  }
}

export type { TcpLink, TcpListener };

export function createTcpTransport(options: TcpTransportOptions = {}): TcpTransport {
  return new TcpTransport(options);
}
