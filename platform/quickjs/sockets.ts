// The TCP mapping's socket layer on QuickJS: non-blocking fds from the native
// binding (net.d.ts), woken by os.setReadHandler / os.setWriteHandler (qjs's
// select loop; level-triggered). Reads go straight into the association's
// receive buffer; writes go to the kernel at once, and what it does not take
// waits in a queue drained from the write handler.

import type { MappingLink, MappingListener, MappingSockets } from "../embedded/tcp-mapping.js";
import {
  onSocketAccepted,
  onSocketConnected,
  onSocketData,
  onSocketEnded,
  onSocketFailed,
  receiveBuffer,
  receiveOffset,
  receiveSpace,
} from "../embedded/tcp-mapping.js";
import type { QuickJSNet, QuickJSOs } from "./net.js";

/** Bytes asked for per read. */
const READ_CHUNK = 16384;
/** Connections taken per readiness of a listening fd. */
const ACCEPT_BATCH = 16;

interface QSocket {
  fd_: number;
  link_: MappingLink | null;
  listener_: MappingListener | null;
  /** Connect in progress: the first writability is its completion. */
  connecting_: boolean;
  address_: string;
  port_: number;
  /** Unsent bytes: copies, the first one partly sent up to outOffset_. */
  out_: Uint8Array[];
  outOffset_: number;
  queued_: number;
  /** FIN once the queue is empty. */
  ending_: boolean;
  reading_: boolean;
  writing_: boolean;
  closed_: boolean;
  onRead_: () => void;
  onWrite_: () => void;
}

interface Layer {
  os_: QuickJSOs;
  net_: QuickJSNet;
}

function noop(): void {}

function newSocket(fd: number): QSocket {
  return {
    fd_: fd,
    link_: null,
    listener_: null,
    connecting_: false,
    address_: "",
    port_: 0,
    out_: [],
    outOffset_: 0,
    queued_: 0,
    ending_: false,
    reading_: false,
    writing_: false,
    closed_: false,
    onRead_: noop,
    onWrite_: noop,
  };
}

function startReading(L: Layer, s: QSocket): void {
  if (s.reading_ || s.closed_) return;
  s.reading_ = true;
  L.os_.setReadHandler(s.fd_, s.onRead_);
}

function stopReading(L: Layer, s: QSocket): void {
  if (!s.reading_) return;
  s.reading_ = false;
  L.os_.setReadHandler(s.fd_, null);
}

function startWriting(L: Layer, s: QSocket): void {
  if (s.writing_ || s.closed_) return;
  s.writing_ = true;
  L.os_.setWriteHandler(s.fd_, s.onWrite_);
}

function stopWriting(L: Layer, s: QSocket): void {
  if (!s.writing_) return;
  s.writing_ = false;
  L.os_.setWriteHandler(s.fd_, null);
}

function failed(s: QSocket, detail: unknown): void {
  // The mapping calls destroy() for it.
  if (s.link_ !== null) onSocketFailed(s.link_, s, detail);
}

// Sends from the queue until it is empty or the kernel is full; a hard
// error is reported from here (the host loop), never from write().
function flush(L: Layer, s: QSocket): void {
  const net = L.net_;
  while (s.out_.length > 0 && !s.closed_) {
    const chunk = s.out_[0];
    const n = net.write(s.fd_, chunk.buffer as ArrayBuffer, chunk.byteOffset + s.outOffset_, chunk.length - s.outOffset_);
    if (n === -net.EAGAIN) return;
    if (n < 0) {
      failed(s, "write: errno " + -n);
      return;
    }
    s.outOffset_ += n;
    s.queued_ -= n;
    if (s.outOffset_ < chunk.length) return;
    s.out_.shift();
    s.outOffset_ = 0;
  }
  if (s.closed_) return;
  stopWriting(L, s);
  if (s.ending_) {
    s.ending_ = false;
    net.shutdown(s.fd_);
  }
}

function writable(L: Layer, s: QSocket): void {
  if (s.closed_) return;
  if (s.connecting_) {
    s.connecting_ = false;
    if (s.out_.length === 0) stopWriting(L, s);
    const error = L.net_.socketError(s.fd_);
    if (error !== 0) {
      failed(s, "connect: errno " + error);
      return;
    }
    startReading(L, s);
    if (s.link_ !== null) onSocketConnected(s.link_, s, s.address_, s.port_);
    return;
  }
  flush(L, s);
}

function readable(L: Layer, s: QSocket): void {
  const link = s.link_;
  if (s.closed_ || link === null) return;
  const space = receiveSpace(link, READ_CHUNK);
  if (space === 0) return;
  const b = receiveBuffer(link);
  const net = L.net_;
  const n = net.read(s.fd_, b.buffer as ArrayBuffer, b.byteOffset + receiveOffset(link), space);
  if (n > 0) onSocketData(link, s, n);
  else if (n === 0) {
    stopReading(L, s);
    onSocketEnded(link, s);
  } else if (n !== -net.EAGAIN) {
    failed(s, "read: errno " + -n);
  }
}

function acceptable(L: Layer, server: QSocket): void {
  const listener = server.listener_;
  if (server.closed_ || listener === null) return;
  const net = L.net_;
  let thrown: unknown = null;
  let hasThrown = false;
  for (let i = 0; i < ACCEPT_BATCH && !server.closed_; i++) {
    const fd = net.accept(server.fd_);
    if (fd < 0) break;
    const s = wire(L, newSocket(fd));
    const link = onSocketAccepted(listener, s);
    if (link === null) {
      s.closed_ = true;
      net.close(fd, true);
      continue;
    }
    s.link_ = link;
    startReading(L, s);
    try {
      onSocketConnected(link, s, net.remoteAddress(fd), net.remotePort(fd));
    } catch (e) {
      if (!hasThrown) {
        hasThrown = true;
        thrown = e;
      }
    }
  }
  if (hasThrown) throw thrown;
}

/** The socket's two readiness callbacks: made once per socket. */
function wire(L: Layer, s: QSocket): QSocket {
  s.onRead_ = function (): void {
    readable(L, s);
  };
  s.onWrite_ = function (): void {
    writable(L, s);
  };
  return s;
}

export function createQuickJSSockets(os: QuickJSOs, net: QuickJSNet): MappingSockets {
  const L: Layer = { os_: os, net_: net };
  return {
    connect(link: MappingLink, address: string, port: number, localAddress: string, localPort: number): unknown {
      const fd = net.tcpConnect(address, port, localAddress, localPort);
      if (typeof fd !== "number" || !(fd >= 0)) throw new Error("connect " + address + " port " + port + ": errno " + -fd);
      const s = wire(L, newSocket(fd));
      s.link_ = link;
      s.connecting_ = true;
      s.address_ = address;
      s.port_ = port;
      startWriting(L, s);
      return s;
    },

    listen(listener: MappingListener, address: string, port: number): unknown {
      const fd = net.tcpListen(address, port);
      if (typeof fd !== "number" || !(fd >= 0)) throw new Error("listen " + (address === "" ? "*" : address) + " port " + port + ": errno " + -fd);
      const s = newSocket(fd);
      s.listener_ = listener;
      s.onRead_ = function (): void {
        acceptable(L, s);
      };
      startReading(L, s);
      return s;
    },

    boundPort(server: unknown, requested: number): number {
      const port = net.localPort((server as QSocket).fd_);
      return port > 0 ? port : requested;
    },

    closeServer(server: unknown): void {
      const s = server as QSocket;
      if (s.closed_) return;
      stopReading(L, s);
      s.closed_ = true;
      net.close(s.fd_, false);
    },

    write(socket: unknown, bytes: Uint8Array, length: number): number {
      const s = socket as QSocket;
      if (s.closed_) return 0;
      let sent = 0;
      if (s.out_.length === 0 && !s.connecting_) {
        const n = net.write(s.fd_, bytes.buffer as ArrayBuffer, bytes.byteOffset, length);
        if (n === length) return s.queued_;
        // A hard error surfaces from the write handler (the fd is writable then).
        if (n > 0) sent = n;
      }
      s.out_.push(bytes.slice(sent, length));
      s.queued_ += length - sent;
      startWriting(L, s);
      return s.queued_;
    },

    end(socket: unknown): void {
      const s = socket as QSocket;
      if (s.closed_) return;
      if (s.out_.length === 0 && !s.connecting_) net.shutdown(s.fd_);
      else s.ending_ = true;
    },

    destroy(socket: unknown, reset: boolean): void {
      const s = socket as QSocket;
      if (s.closed_) return;
      stopReading(L, s);
      stopWriting(L, s);
      s.closed_ = true;
      s.out_ = [];
      s.queued_ = 0;
      net.close(s.fd_, reset);
    },
  };
}
