// Transport plumbing for the Node API and tools, around the transports of
// createNodePlatform (no change to them):
//
// - RecordingTransport: remembers the listeners the core opens, so the API
//   can wait until they are bound and report the bound ports (the driver
//   does not tell the machine).
// - SctpRouter: SCTP over UDP encapsulation sends to one remote UDP port per
//   SctpTransport. RFC 6951 names 9899, but several endpoints on one host
//   (a registrar and three PEs on loopback) cannot all own UDP 9899, so the
//   router picks the remote UDP port per destination (address, SCTP port)
//   and keeps one SctpTransport per remote UDP port. The convention of this
//   project (README "SCTP over UDP"): registrars are reached at their
//   configured UDP port (default 9899); the well-known ASAP and ENRP SCTP
//   ports 3863/9901 at 9899; any other SCTP port P (a PE's session port) at
//   UDP port P, and a PE listens for sessions at UDP port P.
// - FallbackTransport ("auto"): connect tries SCTP first and TCP (the TCP
//   mapping, same port number) when the SCTP association cannot be set up.
//
// Plus two helpers: a port free for both TCP and UDP, and the local address
// the host would use towards a remote one.

import dgram from "node:dgram";
import net from "node:net";
import type {
  Association,
  AssociationHandler,
  ConnectOptions,
  Listener,
  ListenOptions,
  TransportFactory,
} from "../../core/driver/platform.js";
import { DOWN_CONNECT_FAILED, DOWN_TIMEOUT } from "../../core/driver/platform.js";
import { nextAssociationId } from "./ids.js";
import { normalizeAddress, SctpTransport } from "./sctp-transport.js";
import type { SctpTransportOptions } from "./sctp-transport.js";

/** The RFC 6951 UDP encapsulation port. */
export const SCTP_UDP_PORT = 9899;
export const ASAP_PORT = 3863;
export const ENRP_PORT = 9901;

/** A listener the core opened, with a promise of its bound ports. */
export interface RecordedListener {
  transport: string;
  /** Port given to listen (for SCTP the SCTP port). */
  port: number;
  listener: Listener;
  /** Resolves with the bound port (TCP) or UDP encapsulation port (SCTP). */
  ready: Promise<number>;
}

function readyOf(listener: Listener): Promise<number> {
  const r = (listener as unknown as { ready?: Promise<number | number[]> }).ready;
  if (r === undefined) return Promise.resolve(listener.port);
  return r.then((v) => (Array.isArray(v) ? v[0] ?? 0 : v));
}

/** Delegates to `inner` and records every listener. */
export class RecordingTransport implements TransportFactory {
  readonly name: string;
  readonly inner: TransportFactory;
  readonly listeners: RecordedListener[];

  constructor(inner: TransportFactory, listeners: RecordedListener[]) {
    this.inner = inner;
    this.name = inner.name;
    this.listeners = listeners;
  }

  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): Listener {
    const listener = this.inner.listen(options, handler, target);
    this.listeners.push({ transport: this.name, port: options.port, listener, ready: readyOf(listener) });
    return listener;
  }

  connect(remote: string[], port: number, options: ConnectOptions, handler: AssociationHandler, target: unknown): Association {
    return this.inner.connect(remote, port, options, handler, target);
  }
}

export type RemoteUdpPortFunction = (address: string, sctpPort: number) => number;

/** The project's convention (see the header comment). */
export function conventionalRemoteUdpPort(address: string, sctpPort: number): number {
  return sctpPort === ASAP_PORT || sctpPort === ENRP_PORT ? SCTP_UDP_PORT : sctpPort;
}

/**
 * "sctp": listens on `main` (its UDP port), connects through one
 * SctpTransport per remote UDP port.
 */
export class SctpRouter implements TransportFactory {
  readonly name = "sctp";
  readonly main: SctpTransport;
  private readonly options: SctpTransportOptions;
  private readonly route: RemoteUdpPortFunction;
  private readonly byPort = new Map<number, SctpTransport>();
  private closed = false;

  constructor(main: SctpTransport, options: SctpTransportOptions, route: RemoteUdpPortFunction) {
    this.main = main;
    this.options = options;
    this.route = route;
    this.byPort.set(main.remoteUdpPort, main);
  }

  /** The transport that sends to `udpPort`. */
  transportFor(udpPort: number): SctpTransport {
    let t = this.byPort.get(udpPort);
    if (t === undefined) {
      t = new SctpTransport({ ...this.options, remoteUdpPort: udpPort });
      this.byPort.set(udpPort, t);
    }
    return t;
  }

  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): Listener {
    return this.main.listen(options, handler, target);
  }

  connect(remote: string[], port: number, options: ConnectOptions, handler: AssociationHandler, target: unknown): Association {
    if (this.closed) throw new Error("transport closed");
    const first = remote.find((a) => net.isIP(a) !== 0) ?? "";
    return this.transportFor(this.route(normalizeAddress(first), port)).connect(remote, port, options, handler, target);
  }

  /** Live associations over every remote UDP port (main included). */
  get associationCount(): number {
    let n = 0;
    for (const t of this.byPort.values()) n += t.associationCount;
    return n;
  }

  /** Closes the extra transports (the platform closes `main`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.byPort.values()) if (t !== this.main) t.close();
  }
}

/** An association that is SCTP, or TCP when SCTP could not be set up. */
class FallbackAssociation implements Association {
  readonly id = nextAssociationId();
  inner: Association | null = null;
  up = false;
  ended = false;
  triedFallback = false;
  constructor(
    readonly owner: FallbackTransport,
    readonly remote: string[],
    readonly port: number,
    readonly options: ConnectOptions,
    readonly handler: AssociationHandler,
    readonly target: unknown,
  ) {}

  send(stream: number, ppid: number, bytes: Uint8Array): void {
    if (this.inner !== null && !this.ended) this.inner.send(stream, ppid, bytes);
  }

  close(): void {
    this.ended = true;
    if (this.inner !== null) this.inner.close();
  }

  abort(): void {
    this.ended = true;
    if (this.inner !== null) this.inner.abort();
  }
}

const fallbackHandler: AssociationHandler = {
  onUp(target: unknown, _association: Association, remoteAddresses: string[], remotePort: number): void {
    const a = target as FallbackAssociation;
    a.up = true;
    a.handler.onUp(a.target, a, remoteAddresses, remotePort);
  },
  onMessage(target: unknown, _association: Association, stream: number, ppid: number, bytes: Uint8Array): void {
    const a = target as FallbackAssociation;
    a.handler.onMessage(a.target, a, stream, ppid, bytes);
  },
  onDown(target: unknown, _association: Association, reason: number): void {
    const a = target as FallbackAssociation;
    if (!a.up && !a.ended && !a.triedFallback && (reason === DOWN_CONNECT_FAILED || reason === DOWN_TIMEOUT)) {
      a.triedFallback = true;
      try {
        a.inner = a.owner.second.connect(a.remote, a.port, a.options, fallbackHandler, a);
        return;
      } catch {
        // fall through: report the SCTP failure
      }
    }
    a.handler.onDown(a.target, a, reason);
  },
};

/** "auto": connect over `first` (SCTP), then `second` (TCP); listening is per named transport. */
export class FallbackTransport implements TransportFactory {
  readonly name = "auto";
  readonly first: TransportFactory;
  readonly second: TransportFactory;

  constructor(first: TransportFactory, second: TransportFactory) {
    this.first = first;
    this.second = second;
  }

  listen(): Listener {
    throw new Error("listen on 'sctp' or 'tcp', not 'auto'");
  }

  connect(remote: string[], port: number, options: ConnectOptions, handler: AssociationHandler, target: unknown): Association {
    const a = new FallbackAssociation(this, remote, port, options, handler, target);
    try {
      a.inner = this.first.connect(remote, port, options, fallbackHandler, a);
    } catch {
      a.triedFallback = true;
      a.inner = this.second.connect(remote, port, options, fallbackHandler, a);
    }
    return a;
  }
}

/** Resolves when `port` can be bound on `host` by `kind`. */
function canBind(kind: "tcp" | "udp4" | "udp6", port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === "tcp") {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
    } else {
      const s = dgram.createSocket(kind);
      s.once("error", () => {
        s.close();
        resolve(false);
      });
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(true)));
    }
  });
}

/**
 * A port number free right now for TCP and UDP on the wildcard address
 * (the OS picks it; bounded retries). Another process may still take it
 * before it is used: callers bind at once.
 */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen({ port: 0, host: "::", ipv6Only: false }, () => {
        const a = s.address();
        const p = a !== null && typeof a === "object" ? a.port : 0;
        s.close(() => resolve(p));
      });
    }).catch(() => 0);
    if (port === 0) continue;
    if ((await canBind("udp6", port, "::")) && (await canBind("udp4", port, "0.0.0.0"))) return port;
  }
  throw new Error("no free port found");
}

/**
 * The local address this host uses towards `remote` (a connected UDP
 * socket sends nothing; the kernel picks the route's source address).
 */
export function localAddressToward(remote: string): Promise<string> {
  return new Promise((resolve) => {
    const v6 = net.isIPv6(remote);
    const s = dgram.createSocket(v6 ? "udp6" : "udp4");
    const done = (address: string) => {
      try {
        s.close();
      } catch {
        // closed
      }
      resolve(address);
    };
    s.once("error", () => done(v6 ? "::1" : "127.0.0.1"));
    s.connect(9, remote, () => {
      try {
        done(normalizeAddress(s.address().address));
      } catch {
        done(v6 ? "::1" : "127.0.0.1");
      }
    });
  });
}

/**
 * "addr[,addr...]:port" (IPv6 in brackets; a port on the last address
 * applies to all, `defaultPort` when none). rsplib's -registrar=, -peer=,
 * -asap= spellings. Returns the addresses (without brackets) and the port.
 */
export function parseEndpoint(text: string, defaultPort: number): { addresses: string[]; port: number } {
  const addresses: string[] = [];
  let port = -1;
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    let address = part;
    let p = -1;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
    if (bracket !== null) {
      address = bracket[1];
      if (bracket[2] !== undefined) p = Number(bracket[2]);
    } else if (net.isIPv6(part)) {
      address = part;
    } else {
      const colon = part.lastIndexOf(":");
      if (colon >= 0) {
        address = part.slice(0, colon);
        if (!/^\d+$/.test(part.slice(colon + 1))) throw new TypeError(`bad port in '${part}'`);
        p = Number(part.slice(colon + 1));
      }
    }
    if (address === "localhost") address = "127.0.0.1";
    if (address !== "" && address !== "auto" && net.isIP(address) === 0) throw new TypeError(`not an IP address: '${address}'`);
    if (p > 65535) throw new TypeError(`port ${p} out of range`);
    if (p >= 0) port = p;
    if (address !== "" && address !== "auto") addresses.push(address);
  }
  return { addresses, port: port >= 0 ? port : defaultPort };
}
