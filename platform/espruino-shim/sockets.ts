// The TCP mapping's socket layer on Espruino's require("net"): sockets that
// emit "data" with strings of bytes (Espruino strings are 8-bit), "close"
// (had_error) and "error" ({code, message}), and take write(string) / end().
// Bytes become strings with E.toString / E.toUint8Array when `E` is given,
// else with the latin1 loops below.
//
// Espruino differences, kept visible:
//   - no local binding (localAddress / localPort are ignored);
//   - listen(port) binds every address (the listen address is ignored);
//   - no RST: destroy(reset) ends the socket gracefully;
//   - accepted sockets tell no peer address: onUp gets remoteAddress
//     (or "") and remotePort (or 0) when the socket has them.

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

/** What the shim uses of an Espruino net.Socket. */
export interface EspruinoSocket {
  on(event: string, fn: (a: unknown) => void): unknown;
  write(data: string): unknown;
  end(): unknown;
  remoteAddress?: string;
  remotePort?: number;
}

export interface EspruinoServer {
  listen(port: number): unknown;
  close(): unknown;
}

/** What the shim uses of require("net"). */
export interface EspruinoNet {
  connect(options: { host: string; port: number }, callback: () => void): EspruinoSocket;
  createServer(callback: (socket: EspruinoSocket) => void): EspruinoServer;
}

/** What the shim uses of Espruino's E object. */
export interface EspruinoE {
  toString(bytes: Uint8Array): string | undefined;
  toUint8Array(text: string): Uint8Array;
}

/** Bytes asked for per copy from a received string. */
const CHUNK = 1024;

/** Bytes as an 8-bit string (what Espruino sockets take). */
export function bytesToLatin1(bytes: Uint8Array, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** The low 8 bits of each character into `into` at `offset`. */
export function latin1ToBytes(text: string, start: number, count: number, into: Uint8Array, offset: number): void {
  for (let i = 0; i < count; i++) into[offset + i] = text.charCodeAt(start + i) & 0xff;
}

interface ESocket {
  socket_: EspruinoSocket | null;
  link_: MappingLink | null;
  connected_: boolean;
  /** An "error" came; the "close" that follows reports it. */
  failed_: unknown;
  closed_: boolean;
  address_: string;
  port_: number;
}

interface Layer {
  E_: EspruinoE | null;
}

function newSocket(): ESocket {
  return { socket_: null, link_: null, connected_: false, failed_: null, closed_: false, address_: "", port_: 0 };
}

function received(L: Layer, s: ESocket, data: unknown): void {
  const link = s.link_;
  if (s.closed_ || link === null || !s.connected_) return;
  const text = typeof data === "string" ? data : String(data);
  const E = L.E_;
  const bytes = E !== null ? E.toUint8Array(text) : null;
  const length = bytes !== null ? bytes.length : text.length;
  let done = 0;
  // In pieces: the receive buffer grows only to the frame under way.
  while (done < length && !s.closed_ && s.link_ === link) {
    const n = receiveSpace(link, length - done < CHUNK ? length - done : CHUNK);
    if (n === 0) return;
    const into = receiveBuffer(link);
    const offset = receiveOffset(link);
    if (bytes !== null) into.set(bytes.subarray(done, done + n), offset);
    else latin1ToBytes(text, done, n, into, offset);
    done += n;
    onSocketData(link, s, n);
  }
}

function closed(s: ESocket, hadError: unknown): void {
  if (s.closed_) return;
  s.closed_ = true;
  const link = s.link_;
  if (link === null) return;
  if (!s.connected_ || hadError === true || s.failed_ !== null) onSocketFailed(link, s, s.failed_);
  else onSocketEnded(link, s);
}

function errored(s: ESocket, error: unknown): void {
  if (s.closed_) return;
  s.failed_ = error === undefined || error === null ? "error" : error;
  // Before "connected" no "close" may follow: report now.
  if (!s.connected_) closed(s, true);
}

function attach(L: Layer, s: ESocket, socket: EspruinoSocket): void {
  socket.on("data", function (data: unknown): void {
    received(L, s, data);
  });
  socket.on("close", function (hadError: unknown): void {
    closed(s, hadError);
  });
  socket.on("error", function (error: unknown): void {
    errored(s, error);
  });
}

function accepted(L: Layer, listener: MappingListener, socket: EspruinoSocket): void {
  const s = newSocket();
  s.socket_ = socket;
  const link = onSocketAccepted(listener, s);
  if (link === null) {
    s.closed_ = true;
    socket.end();
    return;
  }
  s.link_ = link;
  s.connected_ = true;
  attach(L, s, socket);
  const address = typeof socket.remoteAddress === "string" ? socket.remoteAddress : "";
  const port = typeof socket.remotePort === "number" ? socket.remotePort : 0;
  onSocketConnected(link, s, address, port);
}

export function createEspruinoSockets(net: EspruinoNet, E: EspruinoE | null): MappingSockets {
  const L: Layer = { E_: E };
  return {
    connect(link: MappingLink, address: string, port: number): unknown {
      const s = newSocket();
      s.link_ = link;
      s.address_ = address;
      s.port_ = port;
      const socket = net.connect({ host: address, port: port }, function (): void {
        if (s.closed_ || s.connected_) return;
        s.connected_ = true;
        onSocketConnected(link, s, s.address_, s.port_);
      });
      s.socket_ = socket;
      attach(L, s, socket);
      return s;
    },

    listen(listener: MappingListener, address: string, port: number): unknown {
      const server = net.createServer(function (socket: EspruinoSocket): void {
        accepted(L, listener, socket);
      });
      server.listen(port);
      return server;
    },

    boundPort(server: unknown, requested: number): number {
      return requested;
    },

    closeServer(server: unknown): void {
      (server as EspruinoServer).close();
    },

    write(socket: unknown, bytes: Uint8Array, length: number): number {
      const s = socket as ESocket;
      if (s.closed_ || s.socket_ === null) return 0;
      let text: string | undefined = undefined;
      // E.toString gives undefined when it cannot allocate a flat string.
      if (L.E_ !== null) text = L.E_.toString(length === bytes.length ? bytes : bytes.subarray(0, length));
      if (typeof text !== "string") text = bytesToLatin1(bytes, length);
      // Espruino buffers what the network does not take yet ("drain").
      s.socket_.write(text);
      return 0;
    },

    end(socket: unknown): void {
      const s = socket as ESocket;
      if (!s.closed_ && s.socket_ !== null) s.socket_.end();
    },

    destroy(socket: unknown, reset: boolean): void {
      const s = socket as ESocket;
      if (s.closed_) return;
      s.closed_ = true;
      // No RST on Espruino: `reset` ends it too.
      if (s.socket_ !== null) s.socket_.end();
    },
  };
}
