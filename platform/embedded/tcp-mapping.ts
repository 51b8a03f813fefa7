// The TCP mapping transport (transport name "tcp") for the embedded
// platforms: the same byte layout, heartbeats, limits and connection life as
// platform/node/tcp-transport.ts (platform/node/TCP-MAPPING.md), written in
// the Espruino subset (no Map/Set, no RangeError, classes with methods only)
// over a small socket layer each platform provides (MappingSockets):
// QuickJS fds with read/write readiness, Espruino's require("net").
//
// Callbacks. Events that come from the host loop (data, a connect that
// completed, a timer) reach the AssociationHandler at once; events caused by
// a public method (close() while connecting, abort(), a connect that cannot
// start, a send that overflows the queue) are deferred to a zero-delay timer,
// so no handler runs inside send/close/abort/connect (ECMA-419 rule).
//
// Bytes handed to onMessage are a view of the association's receive buffer,
// valid during the call only (core/driver/machine.ts "Lifetimes").

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

// ---- wire format (TCP-MAPPING.md "Frame") ------------------------------------

export const FRAME_HEADER = 12;
export const FRAME_DATA = 1;
export const FRAME_HEARTBEAT_REQUEST = 2;
export const FRAME_HEARTBEAT_ACK = 3;
/** Largest heartbeat payload accepted (it is echoed back). */
export const MAX_HEARTBEAT_PAYLOAD = 64;

/** Same codes as the Node transport's log calls. */
export const LOG_TCP_PROTOCOL_ERROR = 0x5401;
export const LOG_TCP_SOCKET_ERROR = 0x5402;

/** Type, flags 0, stream, total length, PPID at `off` (network byte order). */
export function writeFrameHeader(b: Uint8Array, off: number, type: number, stream: number, length: number, ppid: number): void {
  b[off] = type;
  b[off + 1] = 0;
  b[off + 2] = (stream >>> 8) & 0xff;
  b[off + 3] = stream & 0xff;
  b[off + 4] = (length >>> 24) & 0xff;
  b[off + 5] = (length >>> 16) & 0xff;
  b[off + 6] = (length >>> 8) & 0xff;
  b[off + 7] = length & 0xff;
  b[off + 8] = (ppid >>> 24) & 0xff;
  b[off + 9] = (ppid >>> 16) & 0xff;
  b[off + 10] = (ppid >>> 8) & 0xff;
  b[off + 11] = ppid & 0xff;
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) >>> 0) + (b[off + 1] << 16) + (b[off + 2] << 8) + b[off + 3];
}

// ---- what a platform provides ---------------------------------------------------

/** The platform's clock and timers (Platform.now / setTimer / clearTimer). */
export interface MappingTimers {
  now(): number;
  setTimer(deadline: number, fire: (target: unknown) => void, target: unknown): number;
  clearTimer(id: number): void;
}

/**
 * A platform's TCP sockets. Sockets and servers are opaque values to the
 * mapping. A socket layer never calls back from inside one of these methods;
 * it reports from its host loop through onSocketConnected, onSocketData,
 * onSocketEnded, onSocketFailed and onSocketAccepted, passing the socket so
 * that late events of an abandoned socket are ignored.
 */
export interface MappingSockets {
  /** Starts connecting; throws when it cannot start. `localAddress` "" / `localPort` 0 = any. */
  connect(link: MappingLink, address: string, port: number, localAddress: string, localPort: number): unknown;
  /** Listens ("" = every address); throws when it cannot. Connections arrive through onSocketAccepted. */
  listen(listener: MappingListener, address: string, port: number): unknown;
  /** The port a server is bound to (`requested` when the host cannot tell). */
  boundPort(server: unknown, requested: number): number;
  closeServer(server: unknown): void;
  /**
   * Sends `length` bytes of `bytes` (from 0), copying whatever cannot leave
   * at once; returns the bytes still queued in user space (0 when unknown).
   */
  write(socket: unknown, bytes: Uint8Array, length: number): number;
  /** FIN once the queued bytes are out. */
  end(socket: unknown): void;
  /** Closes now (reset: RST where the host can); no more events for it. Idempotent. */
  destroy(socket: unknown, reset: boolean): void;
}

export interface MappingOptions {
  /** Send a heartbeat request after this long without receiving anything, ms. Default 10000. */
  heartbeatInterval?: number;
  /** Give the association up (DOWN_TIMEOUT) after this long without receiving anything, ms. Default 30000. */
  heartbeatTimeout?: number;
  /** Largest message sent or accepted. Default 65536 (the Node transport's is 1 MiB). */
  maxMessageSize?: number;
  /** Connect (all addresses together), ms. Default 5000. */
  connectTimeout?: number;
  /** Graceful close, ms, then the socket is closed anyway. Default 3000. */
  shutdownTimeout?: number;
  /** Bytes queued in user space per association before it is given up (DOWN_TIMEOUT). Default 262144. */
  maxQueuedBytes?: number;
  /** Accepted connections per listener. Default 64. */
  maxAssociations?: number;
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
}

const CONNECTING = 0;
const UP = 1;
const DOWN = 2;

const INITIAL_BUFFER = 512;

function option(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !(value >= min)) throw new TypeError("tcp option out of range: " + value);
  return Math.floor(value);
}

function isInteger(value: number, max: number): boolean {
  return typeof value === "number" && value >= 0 && value <= max && Math.floor(value) === value;
}

/** "::ffff:1.2.3.4" (an IPv4 peer on a dual-stack socket) -> "1.2.3.4"; others unchanged. */
export function normalizeAddress(address: string): string {
  if (address.length > 7 && address.substring(0, 7).toLowerCase() === "::ffff:" && address.indexOf(".") > 0) {
    return address.substring(7);
  }
  return address;
}

// ---- association ------------------------------------------------------------------

export class MappingLink implements Association {
  declare readonly id: number;
  declare transport_: MappingTransport;
  declare handler_: AssociationHandler;
  declare target_: unknown;
  /** The listener that accepted it, or null for a connect. */
  declare listener_: MappingListener | null;
  declare socket_: unknown;
  declare state_: number;
  declare closing_: boolean;
  /** Receive buffer: a partial frame at its start, `fill_` bytes in use. */
  declare buffer_: Uint8Array;
  declare fill_: number;
  declare lastReceived_: number;
  declare lastProbe_: number;
  declare probes_: number;
  declare timer_: number;
  declare timerDeadline_: number;
  declare connectDeadline_: number;
  declare shutdownDeadline_: number;
  /** Frames sent before the connection is up (copies). */
  declare pending_: Uint8Array[];
  declare pendingBytes_: number;
  declare addresses_: string[];
  declare nextAddress_: number;
  declare port_: number;
  declare localAddresses_: string[];
  declare localPort_: number;
  /** Reason of a deferred onDown. */
  declare reason_: number;

  constructor(transport: MappingTransport, handler: AssociationHandler, target: unknown, listener: MappingListener | null) {
    this.id = transport.nextId_;
    transport.nextId_ = transport.nextId_ >= 0x7fffffff ? 1 : transport.nextId_ + 1;
    this.transport_ = transport;
    this.handler_ = handler;
    this.target_ = target;
    this.listener_ = listener;
    this.socket_ = null;
    this.state_ = CONNECTING;
    this.closing_ = false;
    this.buffer_ = transport.empty_;
    this.fill_ = 0;
    this.lastReceived_ = 0;
    this.lastProbe_ = 0;
    this.probes_ = 0;
    this.timer_ = 0;
    this.timerDeadline_ = -1;
    this.connectDeadline_ = -1;
    this.shutdownDeadline_ = -1;
    this.pending_ = [];
    this.pendingBytes_ = 0;
    this.addresses_ = [];
    this.nextAddress_ = 0;
    this.port_ = 0;
    this.localAddresses_ = [];
    this.localPort_ = 0;
    this.reason_ = 0;
  }

  send(stream: number, ppid: number, bytes: Uint8Array): void {
    const t = this.transport_;
    if (!isInteger(stream, 0xffff)) throw new TypeError("stream " + stream);
    if (!isInteger(ppid, 0xffffffff)) throw new TypeError("ppid " + ppid);
    if (bytes.length > t.maxMessageSize_) {
      throw new TypeError("message of " + bytes.length + " bytes exceeds " + t.maxMessageSize_);
    }
    if (this.state_ === DOWN || this.closing_) return;
    writeFrame(this, FRAME_DATA, stream, ppid, bytes, true);
  }

  close(): void {
    if (this.state_ === DOWN || this.closing_) return;
    const t = this.transport_;
    if (this.state_ === CONNECTING) {
      if (this.socket_ !== null) t.sockets_.destroy(this.socket_, false);
      finish(this, DOWN_CLOSED, true);
      return;
    }
    // FIN after the queued frames; the peer answers with its own.
    this.closing_ = true;
    this.shutdownDeadline_ = t.timers_.now() + t.shutdownTimeout_;
    t.sockets_.end(this.socket_);
    armLink(this);
  }

  abort(): void {
    if (this.state_ === DOWN) return;
    if (this.socket_ !== null) this.transport_.sockets_.destroy(this.socket_, true);
    finish(this, DOWN_ABORTED, true);
  }
}

function log(t: MappingTransport, level: number, code: number, a: unknown, b: unknown): void {
  if (t.log_ !== null) t.log_(level, code, a, b);
}

function writeFrame(link: MappingLink, type: number, stream: number, ppid: number, payload: Uint8Array, deferred: boolean): void {
  const t = link.transport_;
  const total = FRAME_HEADER + payload.length;
  if (t.scratch_.length < total) t.scratch_ = new Uint8Array(total < 256 ? 256 : total);
  const frame = t.scratch_;
  writeFrameHeader(frame, 0, type, stream, total, ppid);
  frame.set(payload, FRAME_HEADER);
  if (link.state_ !== UP) {
    link.pending_.push(frame.slice(0, total));
    link.pendingBytes_ += total;
    if (link.pendingBytes_ > t.maxQueuedBytes_) giveUp(link, "send queue full", deferred);
    return;
  }
  if (t.sockets_.write(link.socket_, frame, total) > t.maxQueuedBytes_) giveUp(link, "send queue full", deferred);
}

/** The peer is not reading (or gone): DOWN_TIMEOUT, as the Node transport. */
function giveUp(link: MappingLink, why: string, deferred: boolean): void {
  const t = link.transport_;
  log(t, 2, LOG_TCP_SOCKET_ERROR, link.id, why);
  if (link.socket_ !== null) t.sockets_.destroy(link.socket_, true);
  finish(link, DOWN_TIMEOUT, deferred);
}

function finish(link: MappingLink, reason: number, deferred: boolean): void {
  if (link.state_ === DOWN) return;
  const t = link.transport_;
  link.state_ = DOWN;
  link.socket_ = null;
  link.pending_ = [];
  link.pendingBytes_ = 0;
  link.buffer_ = t.empty_;
  link.fill_ = 0;
  if (link.timer_ !== 0) {
    t.timers_.clearTimer(link.timer_);
    link.timer_ = 0;
  }
  const i = t.links_.indexOf(link);
  if (i >= 0) t.links_.splice(i, 1);
  if (link.listener_ !== null) link.listener_.count_--;
  if (t.closed_) return;
  if (deferred) {
    link.reason_ = reason;
    t.downs_.push(link);
    if (t.downTimer_ === 0) t.downTimer_ = t.timers_.setTimer(t.timers_.now(), flushDowns, t);
    return;
  }
  link.handler_.onDown(link.target_, link, reason);
}

function flushDowns(target: unknown): void {
  const t = target as MappingTransport;
  t.downTimer_ = 0;
  const downs = t.downs_;
  t.downs_ = [];
  let thrown: unknown = null;
  let hasThrown = false;
  for (let i = 0; i < downs.length && !t.closed_; i++) {
    const link = downs[i];
    try {
      link.handler_.onDown(link.target_, link, link.reason_);
    } catch (e) {
      if (!hasThrown) {
        hasThrown = true;
        thrown = e;
      }
    }
  }
  if (hasThrown) throw thrown;
}

// One timer per association, at the next of its deadlines: connect timeout,
// shutdown timeout, or the heartbeat (re-armed when it fires, not per read).
function armLink(link: MappingLink): void {
  const t = link.transport_;
  let deadline = -1;
  if (link.state_ === CONNECTING) deadline = link.connectDeadline_;
  else if (link.state_ === UP) {
    if (link.closing_) deadline = link.shutdownDeadline_;
    else {
      const probe = (link.lastReceived_ > link.lastProbe_ ? link.lastReceived_ : link.lastProbe_) + t.heartbeatInterval_;
      const dead = link.lastReceived_ + t.heartbeatTimeout_;
      deadline = probe < dead ? probe : dead;
    }
  }
  if (link.timer_ !== 0 && deadline === link.timerDeadline_) return;
  if (link.timer_ !== 0) {
    t.timers_.clearTimer(link.timer_);
    link.timer_ = 0;
  }
  link.timerDeadline_ = deadline;
  if (deadline >= 0) link.timer_ = t.timers_.setTimer(deadline, linkTimer, link);
}

function linkTimer(target: unknown): void {
  const link = target as MappingLink;
  link.timer_ = 0;
  link.timerDeadline_ = -1;
  if (link.state_ === DOWN) return;
  const t = link.transport_;
  const now = t.timers_.now();
  if (link.state_ === CONNECTING) {
    if (now >= link.connectDeadline_) {
      if (link.socket_ !== null) t.sockets_.destroy(link.socket_, true);
      finish(link, DOWN_CONNECT_FAILED, false);
      return;
    }
  } else if (link.closing_) {
    if (now >= link.shutdownDeadline_) {
      t.sockets_.destroy(link.socket_, false);
      finish(link, DOWN_CLOSED, false);
      return;
    }
  } else {
    // TCP-MAPPING.md "Heartbeats".
    if (now - link.lastReceived_ >= t.heartbeatTimeout_) {
      t.sockets_.destroy(link.socket_, true);
      finish(link, DOWN_TIMEOUT, false);
      return;
    }
    if (now - link.lastReceived_ >= t.heartbeatInterval_ && now - link.lastProbe_ >= t.heartbeatInterval_) {
      link.lastProbe_ = now;
      link.probes_ = (link.probes_ + 1) >>> 0;
      const p = t.probe_;
      const id = link.id;
      const n = link.probes_;
      p[0] = (id >>> 24) & 0xff;
      p[1] = (id >>> 16) & 0xff;
      p[2] = (id >>> 8) & 0xff;
      p[3] = id & 0xff;
      p[4] = (n >>> 24) & 0xff;
      p[5] = (n >>> 16) & 0xff;
      p[6] = (n >>> 8) & 0xff;
      p[7] = n & 0xff;
      writeFrame(link, FRAME_HEARTBEAT_REQUEST, 0, 0, p, false);
      if (link.state_ === DOWN) return;
    }
  }
  armLink(link);
}

function tryNext(link: MappingLink, deferred: boolean): void {
  const t = link.transport_;
  while (link.state_ === CONNECTING && link.nextAddress_ < link.addresses_.length) {
    const address = link.addresses_[link.nextAddress_];
    link.nextAddress_++;
    // A local address of the same family, if any was given.
    const v6 = address.indexOf(":") >= 0;
    let local = "";
    for (let i = 0; i < link.localAddresses_.length && local === ""; i++) {
      if ((link.localAddresses_[i].indexOf(":") >= 0) === v6) local = link.localAddresses_[i];
    }
    try {
      link.socket_ = t.sockets_.connect(link, address, link.port_, local, link.localPort_);
      return;
    } catch (e) {
      link.socket_ = null;
      log(t, 0, LOG_TCP_SOCKET_ERROR, link.id, e);
    }
  }
  if (link.state_ === CONNECTING) finish(link, DOWN_CONNECT_FAILED, deferred);
}

// ---- what the socket layer calls (from its host loop) -------------------------------

/** A connect completed, or an accepted socket is ready: the association is up. */
export function onSocketConnected(link: MappingLink, socket: unknown, remoteAddress: string, remotePort: number): void {
  const t = link.transport_;
  if (link.state_ !== CONNECTING || link.socket_ !== socket) {
    t.sockets_.destroy(socket, true);
    return;
  }
  link.state_ = UP;
  const now = t.timers_.now();
  link.lastReceived_ = now;
  link.lastProbe_ = now;
  link.buffer_ = new Uint8Array(INITIAL_BUFFER);
  link.fill_ = 0;
  armLink(link);
  // Frames sent while connecting go first, in order.
  const pending = link.pending_;
  link.pending_ = [];
  link.pendingBytes_ = 0;
  for (let i = 0; i < pending.length && link.state_ === UP; i++) {
    if (t.sockets_.write(socket, pending[i], pending[i].length) > t.maxQueuedBytes_) giveUp(link, "send queue full", false);
  }
  if (link.state_ !== UP) return;
  link.handler_.onUp(link.target_, link, [normalizeAddress(remoteAddress)], remotePort);
}

/**
 * Room for up to `max` received bytes at receiveBuffer(link)[receiveOffset(link)]:
 * the count available (at least 1 while the association is up, else 0). The
 * buffer grows to hold the frame under way, at most header + maxMessageSize.
 */
export function receiveSpace(link: MappingLink, max: number): number {
  if (link.state_ !== UP) return 0;
  let b = link.buffer_;
  const fill = link.fill_;
  // Bytes the frame under way needs (its header is validated before growing).
  const need = fill >= FRAME_HEADER ? readU32(b, 4) : FRAME_HEADER;
  let free = b.length - fill;
  if (free < max && b.length < need) {
    let size = b.length * 2;
    if (size < need) size = need;
    const cap = FRAME_HEADER + link.transport_.maxMessageSize_;
    if (size > cap) size = cap > need ? cap : need;
    const grown = new Uint8Array(size);
    grown.set(b.subarray(0, fill), 0);
    link.buffer_ = b = grown;
    free = size - fill;
  }
  return free < max ? free : max;
}

export function receiveBuffer(link: MappingLink): Uint8Array {
  return link.buffer_;
}

export function receiveOffset(link: MappingLink): number {
  return link.fill_;
}

function protocolError(link: MappingLink, detail: string): void {
  const t = link.transport_;
  log(t, 2, LOG_TCP_PROTOCOL_ERROR, link.id, detail);
  t.sockets_.destroy(link.socket_, true);
  finish(link, DOWN_PROTOCOL_ERROR, false);
}

/**
 * `count` bytes were stored at receiveOffset(link) (after receiveSpace):
 * complete frames are handled, a partial one stays at the buffer's start.
 * The first exception a handler throws is rethrown after the frames of this
 * read were handled.
 */
export function onSocketData(link: MappingLink, socket: unknown, count: number): void {
  if (link.state_ !== UP || link.socket_ !== socket || !(count > 0)) return;
  const t = link.transport_;
  link.lastReceived_ = t.timers_.now();
  const b = link.buffer_;
  const fill = link.fill_ + count;
  link.fill_ = fill;
  let off = 0;
  let thrown: unknown = null;
  let hasThrown = false;
  while (fill - off >= FRAME_HEADER && link.state_ === UP) {
    const type = b[off];
    const length = readU32(b, off + 4);
    const payload = length - FRAME_HEADER;
    if (length < FRAME_HEADER) {
      protocolError(link, "frame length " + length);
      break;
    }
    if (type === FRAME_DATA) {
      if (payload > t.maxMessageSize_) {
        protocolError(link, "message of " + payload + " bytes exceeds " + t.maxMessageSize_);
        break;
      }
    } else if (type === FRAME_HEARTBEAT_REQUEST || type === FRAME_HEARTBEAT_ACK) {
      if (payload > MAX_HEARTBEAT_PAYLOAD) {
        protocolError(link, "heartbeat of " + payload + " bytes");
        break;
      }
    } else {
      protocolError(link, "frame type " + type);
      break;
    }
    if (fill - off < length) break;
    const start = off + FRAME_HEADER;
    off += length;
    if (type === FRAME_DATA) {
      try {
        link.handler_.onMessage(link.target_, link, (b[start - 10] << 8) | b[start - 9], readU32(b, start - 4), b.subarray(start, off));
      } catch (e) {
        if (!hasThrown) {
          hasThrown = true;
          thrown = e;
        }
      }
    } else if (type === FRAME_HEARTBEAT_REQUEST) {
      if (!link.closing_) writeFrame(link, FRAME_HEARTBEAT_ACK, 0, 0, b.subarray(start, off), false);
    }
    // FRAME_HEARTBEAT_ACK: receiving it was the point (lastReceived).
  }
  // Keep the partial frame at the start (the buffer is this link's own).
  if (link.state_ === UP && link.buffer_ === b) {
    const rest = fill - off;
    if (off > 0) for (let i = 0; i < rest; i++) b[i] = b[off + i];
    link.fill_ = rest;
  }
  if (hasThrown) throw thrown;
}

/** The peer closed its side (FIN). */
export function onSocketEnded(link: MappingLink, socket: unknown): void {
  if (link.state_ === DOWN || link.socket_ !== socket) return;
  const t = link.transport_;
  t.sockets_.destroy(socket, false);
  if (link.state_ === CONNECTING) {
    link.socket_ = null;
    tryNext(link, false);
    return;
  }
  finish(link, DOWN_CLOSED, false);
}

/** The connection failed: refused, reset, broken. */
export function onSocketFailed(link: MappingLink, socket: unknown, detail: unknown): void {
  if (link.state_ === DOWN || link.socket_ !== socket) return;
  const t = link.transport_;
  t.sockets_.destroy(socket, false);
  if (link.state_ === CONNECTING) {
    log(t, 0, LOG_TCP_SOCKET_ERROR, link.id, detail);
    link.socket_ = null;
    tryNext(link, false);
    return;
  }
  log(t, 1, LOG_TCP_SOCKET_ERROR, link.id, detail);
  finish(link, link.closing_ ? DOWN_CLOSED : DOWN_ABORTED, false);
}

/**
 * A listener accepted `socket`: the association to wire it to, or null when
 * refused (listener closed or full); the socket layer then closes the socket.
 * Once wired, the socket layer calls onSocketConnected.
 */
export function onSocketAccepted(listener: MappingListener, socket: unknown): MappingLink | null {
  const t = listener.transport_;
  if (t.closed_ || listener.closed_ || listener.count_ >= t.maxAssociations_) return null;
  const link = new MappingLink(t, listener.handler_, listener.target_, listener);
  link.socket_ = socket;
  listener.count_++;
  t.links_.push(link);
  return link;
}

// ---- listener -----------------------------------------------------------------------

export class MappingListener implements Listener {
  declare port: number;
  declare transport_: MappingTransport;
  declare handler_: AssociationHandler;
  declare target_: unknown;
  declare servers_: unknown[];
  declare count_: number;
  declare closed_: boolean;

  constructor(transport: MappingTransport, port: number, handler: AssociationHandler, target: unknown) {
    this.port = port;
    this.transport_ = transport;
    this.handler_ = handler;
    this.target_ = target;
    this.servers_ = [];
    this.count_ = 0;
    this.closed_ = false;
  }

  /** Stops accepting; accepted associations stay. Idempotent. */
  close(): void {
    if (this.closed_) return;
    this.closed_ = true;
    const t = this.transport_;
    const servers = this.servers_;
    this.servers_ = [];
    for (let i = 0; i < servers.length; i++) t.sockets_.closeServer(servers[i]);
    const i = t.listeners_.indexOf(this);
    if (i >= 0) t.listeners_.splice(i, 1);
  }
}

// ---- factory ----------------------------------------------------------------------

export class MappingTransport implements TransportFactory {
  declare readonly name: string;
  declare timers_: MappingTimers;
  declare sockets_: MappingSockets;
  declare heartbeatInterval_: number;
  declare heartbeatTimeout_: number;
  declare maxMessageSize_: number;
  declare connectTimeout_: number;
  declare shutdownTimeout_: number;
  declare maxQueuedBytes_: number;
  declare maxAssociations_: number;
  declare log_: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  declare links_: MappingLink[];
  declare listeners_: MappingListener[];
  /** Associations whose onDown waits for the zero-delay timer. */
  declare downs_: MappingLink[];
  declare downTimer_: number;
  declare nextId_: number;
  declare closed_: boolean;
  /** Frame assembly buffer shared by every association (frames leave before the next is built). */
  declare scratch_: Uint8Array;
  declare probe_: Uint8Array;
  declare empty_: Uint8Array;

  constructor(timers: MappingTimers, sockets: MappingSockets, options: MappingOptions | null | undefined) {
    const o = options === null || options === undefined ? ({} as MappingOptions) : options;
    this.name = "tcp";
    this.timers_ = timers;
    this.sockets_ = sockets;
    this.heartbeatInterval_ = option(o.heartbeatInterval, 10000, 1);
    this.heartbeatTimeout_ = option(o.heartbeatTimeout, 30000, 1);
    this.maxMessageSize_ = option(o.maxMessageSize, 65536, 0);
    this.connectTimeout_ = option(o.connectTimeout, 5000, 1);
    this.shutdownTimeout_ = option(o.shutdownTimeout, 3000, 1);
    this.maxQueuedBytes_ = option(o.maxQueuedBytes, 262144, 0);
    this.maxAssociations_ = option(o.maxAssociations, 64, 0);
    this.log_ = o.log === undefined ? null : o.log;
    if (!(this.heartbeatTimeout_ > this.heartbeatInterval_)) throw new TypeError("heartbeatTimeout must exceed heartbeatInterval");
    if (this.maxMessageSize_ > 0x7fffffff - FRAME_HEADER) throw new TypeError("maxMessageSize");
    this.links_ = [];
    this.listeners_ = [];
    this.downs_ = [];
    this.downTimer_ = 0;
    this.nextId_ = 1;
    this.closed_ = false;
    this.scratch_ = new Uint8Array(256);
    this.probe_ = new Uint8Array(8);
    this.empty_ = new Uint8Array(0);
  }

  /** `port` 0 binds an ephemeral port where the host can (the listener's `port` tells which). */
  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): Listener {
    if (this.closed_) throw new Error("transport closed");
    const port = options.port;
    if (!isInteger(port, 0xffff)) throw new TypeError("TCP port " + port);
    const addresses = options.addresses !== undefined && options.addresses.length > 0 ? options.addresses : [""];
    const listener = new MappingListener(this, port, handler, target);
    try {
      for (let i = 0; i < addresses.length; i++) {
        // Every address of one listener shares the port the first one got.
        const server = this.sockets_.listen(listener, addresses[i], listener.port);
        listener.servers_.push(server);
        if (listener.port === 0) listener.port = this.sockets_.boundPort(server, 0);
      }
    } catch (e) {
      listener.close();
      throw e;
    }
    this.listeners_.push(listener);
    return listener;
  }

  connect(remoteAddresses: string[], port: number, options: ConnectOptions, handler: AssociationHandler, target: unknown): Association {
    if (this.closed_) throw new Error("transport closed");
    if (!(port >= 1) || !isInteger(port, 0xffff)) throw new TypeError("TCP port " + port);
    const addresses: string[] = [];
    for (let i = 0; i < remoteAddresses.length; i++) {
      if (typeof remoteAddresses[i] === "string" && remoteAddresses[i] !== "") addresses.push(remoteAddresses[i]);
    }
    if (addresses.length === 0) throw new TypeError("no address to connect to");
    const link = new MappingLink(this, handler, target, null);
    link.addresses_ = addresses;
    link.port_ = port;
    link.localAddresses_ = options !== null && options !== undefined && options.localAddresses !== undefined ? options.localAddresses : [];
    link.localPort_ = options !== null && options !== undefined && options.localPort > 0 ? options.localPort : 0;
    link.connectDeadline_ = this.timers_.now() + this.connectTimeout_;
    this.links_.push(link);
    armLink(link);
    tryNext(link, true);
    return link;
  }

  /** Live associations (diagnostics and tests). */
  associations(): number {
    return this.links_.length;
  }

  /** Resets every connection and closes listeners; no further callbacks. Idempotent. */
  close(): void {
    if (this.closed_) return;
    this.closed_ = true;
    if (this.downTimer_ !== 0) {
      this.timers_.clearTimer(this.downTimer_);
      this.downTimer_ = 0;
    }
    this.downs_ = [];
    const listeners = this.listeners_.slice(0);
    for (let i = 0; i < listeners.length; i++) listeners[i].close();
    const links = this.links_.slice(0);
    for (let i = 0; i < links.length; i++) {
      const link = links[i];
      if (link.socket_ !== null) this.sockets_.destroy(link.socket_, true);
      finish(link, DOWN_ABORTED, false);
    }
  }
}
