// VirtualNetwork: an in-memory network of hosts for deterministic tests,
// in the spirit of str0m's netem. Every delivery is a timer on one shared
// VirtualClock, every random choice comes from one seeded PRNG, so a run is
// a pure function of the seed and the test's actions.
//
// Message transports (SCTP semantics): listen on host:port, connect from a
// host to a list of remote addresses; both sides see up with the other's
// address list; messages keep their order per association (SCTP is
// reliable, so "loss" on an association is retransmission delay, and too
// many losses in a row time the association out); close is a graceful
// shutdown after queued data, abort is immediate; connecting to a port
// nobody listens on fails with DOWN_CONNECT_FAILED after one round trip,
// to an unreachable or dead host after connectTimeoutMs.
//
// Datagrams: unicast and multicast groups, with seeded loss, jitter and
// reordering. Partitions drop datagrams and stall associations (which
// time out after associationTimeoutMs unless healed first). Killing a
// platform (a process) or a host (a machine) silences its endpoints: peers
// see down only after associationTimeoutMs, or at once with abortOnKill
// (a kernel that aborts the sockets of a dying process).

import type {
  Association,
  AssociationHandler,
  ConnectOptions,
  DatagramFactory,
  DatagramHandler,
  DatagramOptions,
  DatagramSocket,
  Listener,
  ListenOptions,
  TransportFactory,
} from "../../core/driver/platform.js";
import {
  DOWN_ABORTED,
  DOWN_CLOSED,
  DOWN_CONNECT_FAILED,
  DOWN_TIMEOUT,
} from "../../core/driver/platform.js";
import { SeededRandom, VirtualClock } from "./virtual-clock.js";
import { VirtualPlatform } from "./virtual-platform.js";

export interface LinkOptions {
  /** One-way base latency in ms. */
  latencyMs?: number;
  /** Extra one-way delay, uniform integer in [0, jitterMs]. */
  jitterMs?: number;
  /** Datagrams: drop probability. Associations: probability that a send needs a retransmission. */
  lossRate?: number;
  /** Datagrams: probability of an extra reorderDelayMs (so later datagrams overtake). */
  reorderRate?: number;
  reorderDelayMs?: number;
}

export interface VirtualNetworkOptions extends LinkOptions {
  /** Share a clock; otherwise a new one starting at startMs. */
  clock?: VirtualClock;
  startMs?: number;
  /** Seed of the network's PRNG (latency jitter, loss, reordering). Default 1. */
  seed?: number;
  /** Association retransmission timeout: delay added per lost send (doubling, capped at 32x). Default 1000. */
  retransmitMs?: number;
  /** Consecutive losses of one send after which the association times out. Default 8. */
  maxRetransmits?: number;
  /** Silence after which an association across a partition or to a dead peer goes down; -1 never. Default 30000. */
  associationTimeoutMs?: number;
  /** Give up a connect to an unreachable host after this long. Default 10000. */
  connectTimeoutMs?: number;
  /** INIT retransmission interval towards an unreachable host. Default 1000. */
  initRetransmitMs?: number;
  /** Killing a platform or host aborts its associations (peers see DOWN_ABORTED after latency). Default false. */
  abortOnKill?: boolean;
  /** Multicast is delivered to member sockets on the sending host too. Default true. */
  multicastLoopback?: boolean;
  /** Names of the message transports every platform gets. Default ["virtual"]. */
  transportNames?: string[];
  /** Overwrite received bytes after each callback returns (catches receivers that keep views). Default true. */
  scribbleReceived?: boolean;
  /** Called with one line per delivery (up, message, down, datagram) for debugging scenarios. */
  trace?: ((line: string) => void) | null;
}

export interface VirtualPlatformOnNetworkOptions {
  seed?: number;
  name?: string;
}

export interface NetworkStats {
  messagesSent: number;
  messagesDelivered: number;
  retransmissions: number;
  datagramsSent: number;
  datagramsDelivered: number;
  datagramsLost: number;
  datagramsPartitioned: number;
  connects: number;
  connectFailures: number;
}

export class VirtualHost {
  alive = true;
  readonly platforms: VirtualPlatform[] = [];
  nextEphemeralPort = 49152;
  constructor(
    readonly network: VirtualNetwork,
    readonly index: number,
    readonly name: string,
    readonly addresses: string[],
  ) {}
}

type HostRef = VirtualHost | VirtualPlatform | string;

const CONNECTING = 0;
const SERVER_PENDING = 1;
const UP = 2;
const CLOSING = 3;
const ABORTING = 4;
const DOWN = 5;

const KIND_UP = 0;
const KIND_MESSAGE = 1;
const KIND_DOWN = 2;

interface Delivery {
  at: number;
  kind: number;
  stream: number;
  ppid: number;
  bytes: Uint8Array | null;
  reason: number;
  addresses: string[];
  port: number;
}

interface PlatformState {
  platform: VirtualPlatform;
  host: VirtualHost;
  nextAssociationId: number;
  endpoints: Set<Endpoint>;
  listeners: Set<VirtualListener>;
  sockets: Set<VirtualSocket>;
}

/** One direction of an association: a FIFO that holds back while partitioned. */
class Channel {
  queue: Delivery[] = [];
  lastAt = -Infinity;
  timerId = 0;
  stalled = false;
  constructor(
    readonly network: VirtualNetwork,
    readonly from: Endpoint,
    readonly to: Endpoint,
  ) {}

  push(delivery: Delivery): void {
    if (delivery.at < this.lastAt) delivery.at = this.lastAt;
    this.lastAt = delivery.at;
    this.queue.push(delivery);
    this.schedule();
  }

  schedule(): void {
    if (this.timerId !== 0 || this.stalled || this.queue.length === 0) return;
    this.timerId = this.network.clock.schedule(this.queue[0].at, () => this.pump(), null);
  }

  // Deliver the head (one per timer, so equal-time events of several
  // channels interleave in scheduling order).
  pump(): void {
    this.timerId = 0;
    const net = this.network;
    if (net.blocked(this.from.host, this.to.host)) {
      this.stalled = true;
      return;
    }
    const delivery = this.queue.shift() as Delivery;
    net.deliver(this.to, delivery);
    this.schedule();
  }

  // After a heal: resend what waited, no earlier than one latency from now.
  resume(): void {
    if (!this.stalled) return;
    this.stalled = false;
    const net = this.network;
    const earliest = net.clock.now + net.delay(this.from.host, this.to.host);
    for (const d of this.queue) if (d.at < earliest) d.at = earliest;
    if (this.lastAt < earliest) this.lastAt = earliest;
    this.schedule();
  }

  clear(): void {
    if (this.timerId !== 0) this.network.clock.cancel(this.timerId);
    this.timerId = 0;
    this.queue.length = 0;
  }
}

class Endpoint implements Association {
  readonly id: number;
  state: number;
  peer: Endpoint | null = null;
  /** Deliveries towards the peer. */
  out: Channel | null = null;
  remoteAddresses: string[] = [];
  remotePort = 0;
  constructor(
    readonly network: VirtualNetwork,
    readonly owner: PlatformState,
    readonly transport: string,
    readonly handler: AssociationHandler,
    readonly target: unknown,
    readonly localAddresses: string[],
    readonly localPort: number,
    state: number,
  ) {
    this.id = owner.nextAssociationId++;
    this.state = state;
    owner.endpoints.add(this);
  }

  get host(): VirtualHost {
    return this.owner.host;
  }

  send(stream: number, ppid: number, bytes: Uint8Array): void {
    if (this.state !== UP) return; // SCTP refuses data once shutting down
    this.network.sendMessage(this, stream, ppid, bytes);
  }

  close(): void {
    this.network.closeEndpoint(this, false);
  }

  abort(): void {
    this.network.closeEndpoint(this, true);
  }
}

class VirtualListener implements Listener {
  closed = false;
  constructor(
    readonly owner: PlatformState,
    readonly transport: string,
    readonly addresses: string[],
    readonly port: number,
    readonly handler: AssociationHandler,
    readonly target: unknown,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.listeners.delete(this);
  }
}

class VirtualSocket implements DatagramSocket {
  closed = false;
  constructor(
    readonly network: VirtualNetwork,
    readonly owner: PlatformState,
    readonly address: string,
    readonly port: number,
    readonly group: string,
    readonly ttl: number,
    readonly handler: DatagramHandler,
    readonly target: unknown,
  ) {}

  send(bytes: Uint8Array, address: string, port: number): void {
    if (this.closed) throw new Error("socket closed");
    this.network.sendDatagram(this, bytes, address, port);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.sockets.delete(this);
  }
}

/** True for IPv4 224.0.0.0/4 and IPv6 ff00::/8. */
export function isMulticastAddress(address: string): boolean {
  if (address.indexOf(":") >= 0) return address.toLowerCase().startsWith("ff");
  const first = parseInt(address, 10);
  return first >= 224 && first <= 239;
}

function isIPv6(address: string): boolean {
  return address.indexOf(":") >= 0;
}

function pairKey(a: VirtualHost, b: VirtualHost): string {
  return a.index < b.index ? `${a.index}|${b.index}` : `${b.index}|${a.index}`;
}

export class VirtualNetwork {
  readonly clock: VirtualClock;
  readonly rng: SeededRandom;
  readonly stats: NetworkStats = {
    messagesSent: 0,
    messagesDelivered: 0,
    retransmissions: 0,
    datagramsSent: 0,
    datagramsDelivered: 0,
    datagramsLost: 0,
    datagramsPartitioned: 0,
    connects: 0,
    connectFailures: 0,
  };
  readonly defaults: Required<LinkOptions>;
  readonly retransmitMs: number;
  readonly maxRetransmits: number;
  readonly associationTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly initRetransmitMs: number;
  readonly abortOnKill: boolean;
  readonly multicastLoopback: boolean;
  readonly transportNames: string[];
  readonly scribbleReceived: boolean;
  trace: ((line: string) => void) | null;

  private hosts: VirtualHost[] = [];
  private hostsByName = new Map<string, VirtualHost>();
  private hostsByAddress = new Map<string, VirtualHost>();
  private platforms = new Map<VirtualPlatform, PlatformState>();
  private links = new Map<string, Required<LinkOptions>>();
  /** Blocked host pairs -> time the partition began. */
  private partitions = new Map<string, number>();
  private live = new Set<Endpoint>();

  constructor(options: VirtualNetworkOptions = {}) {
    this.clock = options.clock ?? new VirtualClock(options.startMs ?? 0);
    this.rng = new SeededRandom(options.seed ?? 1);
    this.defaults = {
      latencyMs: options.latencyMs ?? 1,
      jitterMs: options.jitterMs ?? 0,
      lossRate: options.lossRate ?? 0,
      reorderRate: options.reorderRate ?? 0,
      reorderDelayMs: options.reorderDelayMs ?? 10,
    };
    this.retransmitMs = options.retransmitMs ?? 1000;
    this.maxRetransmits = options.maxRetransmits ?? 8;
    this.associationTimeoutMs = options.associationTimeoutMs ?? 30000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    this.initRetransmitMs = options.initRetransmitMs ?? 1000;
    this.abortOnKill = options.abortOnKill ?? false;
    this.multicastLoopback = options.multicastLoopback ?? true;
    this.transportNames = options.transportNames ?? ["virtual"];
    this.scribbleReceived = options.scribbleReceived ?? true;
    this.trace = options.trace ?? null;
  }

  // ---- topology -----------------------------------------------------------

  /** Add a host with its addresses (IPv4 / IPv6 text, unique in the network). */
  addHost(name: string, addresses: string[]): VirtualHost {
    if (this.hostsByName.has(name)) throw new Error(`host ${name} exists`);
    if (addresses.length === 0) throw new Error("a host needs an address");
    for (const a of addresses) {
      const owner = this.hostsByAddress.get(a);
      if (owner !== undefined) throw new Error(`address ${a} belongs to ${owner.name}`);
      if (isMulticastAddress(a)) throw new Error(`${a} is a multicast address`);
    }
    const host = new VirtualHost(this, this.hosts.length, name, addresses.slice());
    this.hosts.push(host);
    this.hostsByName.set(name, host);
    for (const a of addresses) this.hostsByAddress.set(a, host);
    return host;
  }

  host(ref: HostRef): VirtualHost {
    if (ref instanceof VirtualHost) return ref;
    if (ref instanceof VirtualPlatform) return this.state(ref).host;
    const host = this.hostsByName.get(ref) ?? this.hostsByAddress.get(ref);
    if (host === undefined) throw new Error(`no host ${ref}`);
    return host;
  }

  /** A new platform (a process) on a host, on the network's clock. */
  createPlatform(ref: HostRef, options: VirtualPlatformOnNetworkOptions = {}): VirtualPlatform {
    const host = this.host(ref);
    const seed = options.seed ?? (host.index + 1) * 7919 + host.platforms.length;
    const platform = new VirtualPlatform({
      clock: this.clock,
      seed,
      name: options.name ?? `${host.name}#${host.platforms.length}`,
    });
    const state: PlatformState = {
      platform,
      host,
      nextAssociationId: 1,
      endpoints: new Set(),
      listeners: new Set(),
      sockets: new Set(),
    };
    this.platforms.set(platform, state);
    host.platforms.push(platform);
    platform.transports = this.transportNames.map((name) => this.transportFor(state, name));
    platform.datagram = this.datagramFor(state);
    if (!host.alive) platform.kill();
    return platform;
  }

  /** Symmetric link parameters between two hosts (overrides the defaults). */
  setLink(a: HostRef, b: HostRef, options: LinkOptions): void {
    const base = this.link(this.host(a), this.host(b));
    this.links.set(pairKey(this.host(a), this.host(b)), {
      latencyMs: options.latencyMs ?? base.latencyMs,
      jitterMs: options.jitterMs ?? base.jitterMs,
      lossRate: options.lossRate ?? base.lossRate,
      reorderRate: options.reorderRate ?? base.reorderRate,
      reorderDelayMs: options.reorderDelayMs ?? base.reorderDelayMs,
    });
  }

  /** Cut every link between a host of `a` and a host of `b`. */
  partition(a: HostRef[], b: HostRef[]): void {
    const now = this.clock.now;
    const added: string[] = [];
    for (const x of a) {
      for (const y of b) {
        const hx = this.host(x);
        const hy = this.host(y);
        if (hx === hy) continue;
        const key = pairKey(hx, hy);
        if (!this.partitions.has(key)) {
          this.partitions.set(key, now);
          added.push(key);
        }
      }
    }
    if (added.length === 0 || this.associationTimeoutMs < 0) return;
    // Associations across a new cut time out unless it heals first.
    for (const endpoint of this.live) {
      const peer = endpoint.peer;
      if (peer === null || endpoint.host.index > peer.host.index) continue;
      const key = pairKey(endpoint.host, peer.host);
      if (added.indexOf(key) < 0) continue;
      this.clock.schedule(
        now + this.associationTimeoutMs,
        () => {
          const since = this.partitions.get(key);
          if (since !== undefined && since <= now) this.failAssociation(endpoint, DOWN_TIMEOUT);
        },
        null,
      );
    }
  }

  /** Cut a host off from every other host. */
  isolate(ref: HostRef): void {
    const host = this.host(ref);
    this.partition([host], this.hosts.filter((h) => h !== host));
  }

  /** Heal the cuts between `a` and `b`, or every cut without arguments. */
  heal(a?: HostRef[], b?: HostRef[]): void {
    if (a === undefined || b === undefined) {
      this.partitions.clear();
    } else {
      for (const x of a) for (const y of b) this.partitions.delete(pairKey(this.host(x), this.host(y)));
    }
    for (const endpoint of this.live) if (endpoint.out !== null) endpoint.out.resume();
  }

  isPartitioned(a: HostRef, b: HostRef): boolean {
    return this.partitions.has(pairKey(this.host(a), this.host(b)));
  }

  /**
   * Kill a platform (a process) or every platform of a host (a machine; the
   * host also stops answering). Endpoints go silent; peers see down after
   * associationTimeoutMs, or DOWN_ABORTED after latency with abort.
   */
  kill(ref: HostRef, options: { abort?: boolean } = {}): void {
    const abort = options.abort ?? this.abortOnKill;
    let platforms: VirtualPlatform[];
    if (ref instanceof VirtualPlatform) {
      platforms = [ref];
    } else {
      const host = this.host(ref);
      host.alive = false;
      platforms = host.platforms.slice();
    }
    for (const platform of platforms) {
      const state = this.state(platform);
      platform.kill();
      for (const listener of Array.from(state.listeners)) listener.close();
      for (const socket of Array.from(state.sockets)) socket.close();
      for (const endpoint of Array.from(state.endpoints)) {
        const peer = endpoint.peer;
        const wasOpen = endpoint.state !== DOWN;
        this.retire(endpoint);
        if (!wasOpen || peer === null || peer.state === DOWN) continue;
        if (abort) {
          if (endpoint.out !== null) endpoint.out.push(this.downDelivery(endpoint, peer, DOWN_ABORTED));
        } else if (this.associationTimeoutMs >= 0) {
          this.clock.schedule(this.clock.now + this.associationTimeoutMs, () => this.localDown(peer, DOWN_TIMEOUT), null);
        }
      }
    }
  }

  /** Bring a killed host back; create new platforms on it with createPlatform. */
  revive(ref: HostRef): void {
    this.host(ref).alive = true;
  }

  /** Live association endpoints (both sides count). */
  liveEndpoints(): number {
    return this.live.size;
  }

  // Clock shortcuts.
  get now(): number {
    return this.clock.now;
  }
  advance(ms: number, maxSteps?: number): number {
    return this.clock.advance(ms, maxSteps);
  }
  advanceTo(time: number, maxSteps?: number): number {
    return this.clock.advanceTo(time, maxSteps);
  }
  runUntilIdle(maxSteps: number): number {
    return this.clock.runUntilIdle(maxSteps);
  }
  runUntil(done: () => boolean, maxSteps: number): number {
    return this.clock.runUntil(done, maxSteps);
  }

  // ---- internals ----------------------------------------------------------

  private state(platform: VirtualPlatform): PlatformState {
    const state = this.platforms.get(platform);
    if (state === undefined) throw new Error("platform is not on this network");
    return state;
  }

  private link(a: VirtualHost, b: VirtualHost): Required<LinkOptions> {
    return this.links.get(pairKey(a, b)) ?? this.defaults;
  }

  /** @internal one-way delay a -> b, with seeded jitter. */
  delay(a: VirtualHost, b: VirtualHost): number {
    const link = this.link(a, b);
    return link.latencyMs + (link.jitterMs > 0 ? this.rng.nextInt(link.jitterMs + 1) : 0);
  }

  /** @internal */
  blocked(a: VirtualHost, b: VirtualHost): boolean {
    return a !== b && this.partitions.has(pairKey(a, b));
  }

  private reachable(from: VirtualHost, to: VirtualHost): boolean {
    return to.alive && !this.blocked(from, to);
  }

  private ephemeralPort(host: VirtualHost): number {
    const port = host.nextEphemeralPort;
    host.nextEphemeralPort = port >= 65535 ? 49152 : port + 1;
    return port;
  }

  private transportFor(state: PlatformState, name: string): TransportFactory {
    return {
      name,
      listen: (options: ListenOptions, handler: AssociationHandler, target: unknown): Listener =>
        this.listen(state, name, options, handler, target),
      connect: (
        remoteAddresses: string[],
        port: number,
        options: ConnectOptions,
        handler: AssociationHandler,
        target: unknown,
      ): Association => this.connect(state, name, remoteAddresses, port, options, handler, target),
    };
  }

  private datagramFor(state: PlatformState): DatagramFactory {
    return {
      open: (options: DatagramOptions, handler: DatagramHandler, target: unknown): DatagramSocket =>
        this.openSocket(state, options, handler, target),
    };
  }

  private listenersOf(host: VirtualHost): VirtualListener[] {
    const all: VirtualListener[] = [];
    for (const platform of host.platforms) {
      const state = this.state(platform);
      if (platform.alive) for (const l of state.listeners) all.push(l);
    }
    return all;
  }

  private listen(
    state: PlatformState,
    transport: string,
    options: ListenOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Listener {
    if (!state.platform.alive) throw new Error("platform is dead");
    const host = state.host;
    for (const a of options.addresses) {
      if (host.addresses.indexOf(a) < 0) throw new Error(`EADDRNOTAVAIL ${a}`);
    }
    const port = options.port === 0 ? this.ephemeralPort(host) : options.port;
    for (const other of this.listenersOf(host)) {
      if (other.transport !== transport || other.port !== port) continue;
      const overlap =
        other.addresses.length === 0 ||
        options.addresses.length === 0 ||
        options.addresses.some((a) => other.addresses.indexOf(a) >= 0);
      if (overlap) throw new Error(`EADDRINUSE ${transport} port ${port}`);
    }
    const listener = new VirtualListener(state, transport, options.addresses.slice(), port, handler, target);
    state.listeners.add(listener);
    return listener;
  }

  private findListener(host: VirtualHost, transport: string, address: string, port: number): VirtualListener | null {
    for (const l of this.listenersOf(host)) {
      if (l.transport === transport && l.port === port && (l.addresses.length === 0 || l.addresses.indexOf(address) >= 0)) {
        return l;
      }
    }
    return null;
  }

  private connect(
    state: PlatformState,
    transport: string,
    remoteAddresses: string[],
    port: number,
    options: ConnectOptions,
    handler: AssociationHandler,
    target: unknown,
  ): Association {
    const host = state.host;
    const localAddresses = options.localAddresses.length > 0 ? options.localAddresses.slice() : host.addresses.slice();
    const localPort = options.localPort > 0 ? options.localPort : this.ephemeralPort(host);
    const client = new Endpoint(this, state, transport, handler, target, localAddresses, localPort, CONNECTING);
    this.live.add(client);
    this.stats.connects++;
    const started = this.clock.now;
    const addresses = remoteAddresses.slice();
    const attempt = (): void => {
      if (client.state !== CONNECTING) return;
      const now = this.clock.now;
      let reached: VirtualHost | null = null;
      let address = "";
      for (const a of addresses) {
        const h = this.hostsByAddress.get(a);
        if (h !== undefined && this.reachable(host, h)) {
          reached = h;
          address = a;
          break;
        }
      }
      if (reached === null) {
        // INIT lost: retransmit until the connect timer expires.
        if (now + this.initRetransmitMs - started < this.connectTimeoutMs) {
          this.clock.schedule(now + this.initRetransmitMs, attempt, null);
        } else {
          this.clock.schedule(started + this.connectTimeoutMs, () => this.connectFailed(client), null);
        }
        return;
      }
      const back = this.delay(reached, host);
      const listener = this.findListener(reached, transport, address, port);
      if (listener === null) {
        // ABORT from the peer's stack: the port is closed.
        this.clock.schedule(now + back, () => this.connectFailed(client), null);
        return;
      }
      const serverAddresses =
        listener.addresses.length > 0 ? listener.addresses.slice() : reached.addresses.slice();
      // The address the INIT went to is the primary path.
      serverAddresses.splice(serverAddresses.indexOf(address), 1);
      serverAddresses.unshift(address);
      const server = new Endpoint(
        this,
        listener.owner,
        transport,
        listener.handler,
        listener.target,
        serverAddresses,
        port,
        SERVER_PENDING,
      );
      this.live.add(server);
      client.peer = server;
      server.peer = client;
      client.remoteAddresses = serverAddresses;
      client.remotePort = port;
      server.remoteAddresses = localAddresses;
      server.remotePort = localPort;
      client.out = new Channel(this, client, server);
      server.out = new Channel(this, server, client);
      client.out.push(this.upDelivery(now, localAddresses, localPort));
      server.out.push(this.upDelivery(now + back, serverAddresses, port));
    };
    const first = addresses.length > 0 ? this.hostsByAddress.get(addresses[0]) : undefined;
    this.clock.schedule(started + (first !== undefined ? this.delay(host, first) : this.defaults.latencyMs), attempt, null);
    return client;
  }

  private upDelivery(at: number, addresses: string[], port: number): Delivery {
    return { at, kind: KIND_UP, stream: 0, ppid: 0, bytes: null, reason: 0, addresses, port };
  }

  private downDelivery(from: Endpoint, to: Endpoint, reason: number): Delivery {
    return {
      at: this.clock.now + this.delay(from.host, to.host),
      kind: KIND_DOWN,
      stream: 0,
      ppid: 0,
      bytes: null,
      reason,
      addresses: [],
      port: 0,
    };
  }

  private connectFailed(client: Endpoint): void {
    if (client.state !== CONNECTING) return;
    this.stats.connectFailures++;
    this.localDown(client, DOWN_CONNECT_FAILED);
  }

  /** @internal */
  sendMessage(from: Endpoint, stream: number, ppid: number, bytes: Uint8Array): void {
    const to = from.peer;
    const channel = from.out;
    if (to === null || channel === null) return;
    this.stats.messagesSent++;
    const link = this.link(from.host, to.host);
    let at = this.clock.now + this.delay(from.host, to.host);
    // Reliable transport: a lost send costs retransmission time (RTO doubling).
    let rto = this.retransmitMs;
    let losses = 0;
    while (link.lossRate > 0 && this.rng.nextFloat() < link.lossRate) {
      losses++;
      this.stats.retransmissions++;
      if (losses > this.maxRetransmits) {
        this.clock.schedule(at, () => this.failAssociation(from, DOWN_TIMEOUT), null);
        return;
      }
      at += rto;
      if (rto < this.retransmitMs * 32) rto *= 2;
    }
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    channel.push({ at, kind: KIND_MESSAGE, stream, ppid, bytes: copy, reason: 0, addresses: [], port: 0 });
  }

  /** @internal */
  closeEndpoint(endpoint: Endpoint, abort: boolean): void {
    const state = endpoint.state;
    if (state === DOWN || state === ABORTING) return;
    if (state === CLOSING && !abort) return;
    const peer = endpoint.peer;
    if (abort) {
      endpoint.state = ABORTING;
      if (peer !== null && peer.state !== DOWN && endpoint.out !== null) {
        endpoint.out.push(this.downDelivery(endpoint, peer, DOWN_ABORTED));
      }
      this.clock.schedule(this.clock.now, () => this.localDown(endpoint, DOWN_ABORTED), null);
      return;
    }
    if (state === CONNECTING || peer === null || endpoint.out === null) {
      // Closed before the handshake finished: nothing to shut down.
      endpoint.state = ABORTING;
      if (peer !== null && endpoint.out !== null) endpoint.out.push(this.downDelivery(endpoint, peer, DOWN_ABORTED));
      this.clock.schedule(this.clock.now, () => this.localDown(endpoint, DOWN_CLOSED), null);
      return;
    }
    // SHUTDOWN after everything already sent; the local side is down once
    // the peer's SHUTDOWN-COMPLETE comes back (see deliver()).
    endpoint.state = CLOSING;
    endpoint.out.push(this.downDelivery(endpoint, peer, DOWN_CLOSED));
  }

  /** @internal Hand one delivery to an endpoint's platform. */
  deliver(to: Endpoint, delivery: Delivery): void {
    const platform = to.owner.platform;
    if (!platform.alive || to.state === DOWN) return;
    if (delivery.kind === KIND_UP) {
      if (to.state !== CONNECTING && to.state !== SERVER_PENDING) return;
      to.state = UP;
      if (this.trace !== null) this.trace(`${this.clock.now} ${platform.name} up #${to.id} from [${delivery.addresses.join(",")}]:${delivery.port}`);
      to.handler.onUp(to.target, to, delivery.addresses, delivery.port);
    } else if (delivery.kind === KIND_MESSAGE) {
      if (to.state !== UP && to.state !== CLOSING) return;
      this.stats.messagesDelivered++;
      const bytes = delivery.bytes as Uint8Array;
      if (this.trace !== null) this.trace(`${this.clock.now} ${platform.name} message #${to.id} stream ${delivery.stream} ppid ${delivery.ppid} ${bytes.length} bytes`);
      to.handler.onMessage(to.target, to, delivery.stream, delivery.ppid, bytes);
      if (this.scribbleReceived) bytes.fill(0xdd);
    } else {
      const wasUp = to.state === UP;
      const peer = to.peer;
      this.retire(to);
      // SHUTDOWN received: answer so the closing side completes.
      if (delivery.reason === DOWN_CLOSED && wasUp && peer !== null && peer.state === CLOSING && to.out !== null) {
        to.out.push(this.downDelivery(to, peer, DOWN_CLOSED));
      }
      if (this.trace !== null) this.trace(`${this.clock.now} ${platform.name} down #${to.id} reason ${delivery.reason}`);
      to.handler.onDown(to.target, to, delivery.reason);
    }
  }

  /** Down for one endpoint, delivered through the clock (never synchronously). */
  private localDown(endpoint: Endpoint, reason: number): void {
    if (endpoint.state === DOWN || !endpoint.owner.platform.alive) {
      this.retire(endpoint);
      return;
    }
    this.retire(endpoint);
    if (this.trace !== null) this.trace(`${this.clock.now} ${endpoint.owner.platform.name} down #${endpoint.id} reason ${reason}`);
    endpoint.handler.onDown(endpoint.target, endpoint, reason);
  }

  /** Both sides of an association go down (timeout), each on its own platform. */
  private failAssociation(endpoint: Endpoint, reason: number): void {
    const peer = endpoint.peer;
    if (endpoint.state !== DOWN) this.localDown(endpoint, reason);
    if (peer !== null && peer.state !== DOWN) this.localDown(peer, reason);
  }

  /** The endpoint is final: no more callbacks, forget it. */
  private retire(endpoint: Endpoint): void {
    endpoint.state = DOWN;
    this.live.delete(endpoint);
    endpoint.owner.endpoints.delete(endpoint);
    const peer = endpoint.peer;
    if (endpoint.out !== null && (peer === null || peer.state === DOWN)) {
      // Both sides are final: drop whatever still travels.
      endpoint.out.clear();
      if (peer !== null && peer.out !== null) peer.out.clear();
    }
  }

  // ---- datagrams ----------------------------------------------------------

  private openSocket(
    state: PlatformState,
    options: DatagramOptions,
    handler: DatagramHandler,
    target: unknown,
  ): DatagramSocket {
    if (!state.platform.alive) throw new Error("platform is dead");
    const host = state.host;
    if (options.address !== "" && host.addresses.indexOf(options.address) < 0) {
      throw new Error(`EADDRNOTAVAIL ${options.address}`);
    }
    if (options.group !== "" && !isMulticastAddress(options.group)) throw new Error(`${options.group} is not a group`);
    const port = options.port === 0 ? this.ephemeralPort(host) : options.port;
    for (const platform of host.platforms) {
      if (!platform.alive) continue;
      for (const other of this.state(platform).sockets) {
        if (other.port !== port) continue;
        const overlap = other.address === "" || options.address === "" || other.address === options.address;
        // Multicast members share a port (SO_REUSEADDR), others may not.
        if (overlap && (other.group === "" || options.group === "")) throw new Error(`EADDRINUSE udp port ${port}`);
      }
    }
    const socket = new VirtualSocket(this, state, options.address, port, options.group, options.ttl, handler, target);
    state.sockets.add(socket);
    return socket;
  }

  /** @internal */
  sendDatagram(from: VirtualSocket, bytes: Uint8Array, address: string, port: number): void {
    const host = from.owner.host;
    this.stats.datagramsSent++;
    const source =
      from.address !== ""
        ? from.address
        : host.addresses.find((a) => isIPv6(a) === isIPv6(address)) ?? host.addresses[0];
    const recipients: VirtualSocket[] = [];
    if (isMulticastAddress(address)) {
      for (const h of this.hosts) {
        if (!h.alive) continue;
        if (h === host ? !this.multicastLoopback : from.ttl < 1) continue;
        for (const platform of h.platforms) {
          if (!platform.alive) continue;
          for (const s of this.state(platform).sockets) if (s.group === address && s.port === port) recipients.push(s);
        }
      }
    } else {
      const h = this.hostsByAddress.get(address);
      if (h !== undefined && h.alive) {
        let best: VirtualSocket | null = null;
        for (const platform of h.platforms) {
          if (!platform.alive) continue;
          for (const s of this.state(platform).sockets) {
            if (s.port !== port) continue;
            if (s.address === address) best = s;
            else if (s.address === "" && best === null) best = s;
          }
        }
        if (best !== null) recipients.push(best);
      }
    }
    for (const to of recipients) {
      const toHost = to.owner.host;
      if (this.blocked(host, toHost)) {
        this.stats.datagramsPartitioned++;
        continue;
      }
      const link = this.link(host, toHost);
      if (link.lossRate > 0 && this.rng.nextFloat() < link.lossRate) {
        this.stats.datagramsLost++;
        continue;
      }
      let at = this.clock.now + this.delay(host, toHost);
      if (link.reorderRate > 0 && this.rng.nextFloat() < link.reorderRate) at += link.reorderDelayMs;
      const copy = new Uint8Array(bytes.length);
      copy.set(bytes);
      const fromPort = from.port;
      this.clock.schedule(
        at,
        () => {
          if (to.closed || !to.owner.platform.alive || !toHost.alive) return;
          if (this.blocked(host, toHost)) {
            this.stats.datagramsPartitioned++;
            return;
          }
          this.stats.datagramsDelivered++;
          if (this.trace !== null) this.trace(`${this.clock.now} ${to.owner.platform.name} datagram port ${to.port} from ${source}:${fromPort} ${copy.length} bytes`);
          to.handler.onMessage(to.target, to, copy, source, fromPort);
          if (this.scribbleReceived) copy.fill(0xdd);
        },
        null,
      );
    }
  }
}
