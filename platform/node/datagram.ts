// UDP datagrams for Node (dgram): ASAP/ENRP announces, typically multicast
// (RFC 5352 s3.1, RFC 5353 s3.1). IPv4 and IPv6; a socket that joins a group
// binds with SO_REUSEADDR so several processes on one host hear announces.

import dgram from "node:dgram";
import net from "node:net";
import type {
  DatagramFactory,
  DatagramHandler,
  DatagramOptions,
  DatagramSocket,
} from "../../core/driver/platform.js";
import { normalizeAddress } from "./address.js";

export const LOG_DATAGRAM_ERROR = 0x5501;

export interface NodeDatagramOptions {
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
}

class NodeDatagramSocket implements DatagramSocket {
  readonly socket: dgram.Socket;
  readonly handler: DatagramHandler;
  readonly target: unknown;
  readonly options: DatagramOptions;
  readonly factory: NodeDatagramFactory;
  closed = false;
  /** Resolves with the bound port; rejects if binding or joining the group fails. */
  readonly ready: Promise<number>;
  /** The group was joined (false without a group, or when the join failed). */
  joined = false;

  constructor(factory: NodeDatagramFactory, options: DatagramOptions, handler: DatagramHandler, target: unknown) {
    this.factory = factory;
    this.options = options;
    this.handler = handler;
    this.target = target;
    const family = familyOf(options);
    const group = options.group;
    // SO_REUSEADDR on every fixed port: a registrar's announce socket sits on
    // its ASAP port number (3863, rsplib) where PEs and PUs of the same host
    // join the announce group; on Linux both sides must set it to share the port.
    this.socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr: group !== "" || options.port !== 0 });
    this.socket.on("message", (bytes, rinfo) => {
      if (!this.closed) this.handler.onMessage(this.target, this, bytes, normalizeAddress(rinfo.address), rinfo.port);
    });
    this.socket.on("error", (error) => factory.log(2, LOG_DATAGRAM_ERROR, options.port, error));
    this.ready = new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.socket.once("error", onError);
      this.socket.once("listening", () => {
        this.socket.removeListener("error", onError);
        if (this.closed) return;
        try {
          this.configure();
        } catch (e) {
          reject(e);
          return;
        }
        resolve(this.socket.address().port);
      });
    });
    this.ready.catch((e) => factory.log(3, LOG_DATAGRAM_ERROR, options.port, e));
    // A group member binds the wildcard: on Linux a socket bound to a unicast
    // address never sees multicast. Without a group, bind what was asked.
    const wildcard = family === 6 ? "::" : "0.0.0.0";
    const address = group !== "" || options.address === "" ? wildcard : options.address;
    this.socket.bind({ port: options.port, address });
  }

  private configure(): void {
    const o = this.options;
    const s = this.socket;
    if (o.multicastInterface !== "") s.setMulticastInterface(o.multicastInterface);
    if (o.ttl > 0) s.setMulticastTTL(o.ttl);
    s.setMulticastLoopback(true);
    if (o.group !== "") {
      if (o.multicastInterface !== "") s.addMembership(o.group, o.multicastInterface);
      else s.addMembership(o.group);
      this.joined = true;
    }
  }

  send(bytes: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    // Copied: the caller's buffer is reused once we return.
    this.socket.send(Buffer.from(bytes), port, address, (error) => {
      if (error) this.factory.log(1, LOG_DATAGRAM_ERROR, address, error);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.factory.sockets.delete(this);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

function familyOf(o: DatagramOptions): 4 | 6 {
  for (const a of [o.group, o.address, o.multicastInterface]) {
    if (a !== "") return net.isIPv6(a) ? 6 : 4;
  }
  return 4;
}

export class NodeDatagramFactory implements DatagramFactory {
  readonly logger: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  /** @internal */ readonly sockets = new Set<NodeDatagramSocket>();

  constructor(options: NodeDatagramOptions = {}) {
    this.logger = options.log ?? null;
  }

  /** @internal */
  log(level: number, code: number, a: unknown, b: unknown): void {
    if (this.logger !== null) this.logger(level, code, a, b);
  }

  open(options: DatagramOptions, handler: DatagramHandler, target: unknown): NodeDatagramSocket {
    for (const a of [options.address, options.group, options.multicastInterface]) {
      if (a !== "" && net.isIP(a) === 0) throw new TypeError(`not an IP address: ${a}`);
    }
    if (!(options.port >= 0 && options.port <= 0xffff)) throw new RangeError(`UDP port ${options.port}`);
    const socket = new NodeDatagramSocket(this, options, handler, target);
    this.sockets.add(socket);
    return socket;
  }

  /** Close every socket this factory opened. */
  closeAll(): void {
    for (const s of Array.from(this.sockets)) s.close();
  }
}

export type { NodeDatagramSocket };

export function createDatagramFactory(options: NodeDatagramOptions = {}): NodeDatagramFactory {
  return new NodeDatagramFactory(options);
}
