// The Platform: every service the core needs from its host, injected as one
// plain object (ARCHITECTURE.md "The Platform object"). Types only: core
// never implements a platform, and only core/driver calls one.

/** Association-oriented message transport events (SCTP semantics). */
export interface AssociationHandler {
  /** The association is established; remote addresses as text ("127.0.0.1", "::1"). */
  onUp(target: unknown, association: Association, remoteAddresses: string[], remotePort: number): void;
  onMessage(target: unknown, association: Association, stream: number, ppid: number, bytes: Uint8Array): void;
  /** The association is gone (closed, aborted, failed to connect, peer dead). Final. */
  onDown(target: unknown, association: Association, reason: number): void;
}

/** Reasons passed to onDown. */
export const DOWN_CLOSED = 0;
export const DOWN_ABORTED = 1;
export const DOWN_CONNECT_FAILED = 2;
export const DOWN_TIMEOUT = 3;
export const DOWN_PROTOCOL_ERROR = 4;

export interface Association {
  /** Unique among the live associations of one platform; never reused while alive. */
  readonly id: number;
  /**
   * Queue one message. The transport copies `bytes` (or sends them) before
   * returning: callers pass views of reusable buffers.
   */
  send(stream: number, ppid: number, bytes: Uint8Array): void;
  /** Graceful close; onDown follows. Idempotent. */
  close(): void;
  /** Abort at once; onDown follows. Idempotent. */
  abort(): void;
}

export interface ListenOptions {
  /** Local addresses to bind; empty = wildcard. */
  addresses: string[];
  port: number;
}

export interface ConnectOptions {
  /** Local addresses to bind; empty = any. */
  localAddresses: string[];
  localPort: number;
}

export interface Listener {
  readonly port: number;
  close(): void;
}

export interface TransportFactory {
  /** "sctp", "tcp", "virtual", ... */
  readonly name: string;
  listen(options: ListenOptions, handler: AssociationHandler, target: unknown): Listener;
  connect(
    remoteAddresses: string[],
    port: number,
    options: ConnectOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Association;
}

export interface DatagramHandler {
  onMessage(target: unknown, socket: DatagramSocket, bytes: Uint8Array, address: string, port: number): void;
}

export interface DatagramOptions {
  /** Local address to bind; "" = wildcard. */
  address: string;
  port: number;
  /** Multicast group to join for receiving; "" = none. */
  group: string;
  /** Multicast TTL / hop limit for sending. */
  ttl: number;
  /** Multicast interface address; "" = default. */
  multicastInterface: string;
}

export interface DatagramSocket {
  send(bytes: Uint8Array, address: string, port: number): void;
  close(): void;
}

export interface DatagramFactory {
  open(options: DatagramOptions, handler: DatagramHandler, target: unknown): DatagramSocket;
}

export interface Platform {
  /** Monotonic milliseconds. */
  now(): number;
  /** Arm a timer at an absolute deadline; `fire(target)` runs at or after it. */
  setTimer(deadline: number, fire: (target: unknown) => void, target: unknown): number;
  clearTimer(id: number): void;
  /** Fill with random bytes. */
  random(into: Uint8Array): void;
  /** No-ops on single-threaded hosts. */
  lock(): void;
  unlock(): void;
  transports: TransportFactory[];
  datagram: DatagramFactory | null;
  log: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
}
