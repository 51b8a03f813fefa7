// Scenario fixtures for the client machine: a VirtualNetwork with registrars
// (the scripted FakeRegistrar, or any registrar Machine) and client stacks,
// each behind its own driver on one shared clock. Client events are copied
// into plain records as they arrive (the machine reuses its records).

import { createDriver } from "../../core/driver/driver.js";
import type { Driver } from "../../core/driver/driver.js";
import type { Machine } from "../../core/driver/machine.js";
import { createClient } from "../../core/client/client.js";
import type { Client } from "../../core/client/client.js";
import type { ClientConfig } from "../../core/client/config.js";
import type { ClientEvent } from "../../core/client/events.js";
import type { PoolElement } from "../../core/wire/types.js";
import { copyPoolElement } from "../../core/client/state.js";
import { FakeRegistrar } from "./fake-registrar.js";
import type { FakeRegistrarOptions } from "./fake-registrar.js";
import { VirtualNetwork } from "./virtual-network.js";
import type { VirtualNetworkOptions } from "./virtual-network.js";
import type { VirtualPlatform } from "./virtual-platform.js";

export interface RecordedEvent {
  time: number;
  kind: number;
  error: number;
  cause: number;
  request: number;
  session: number;
  listener: number;
  identifier: number;
  registrar: number;
  stream: number;
  ppid: number;
  flags: number;
  handle: string | null;
  bytes: Uint8Array | null;
  poolElements: PoolElement[];
}

export function text(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export interface ClientNode {
  name: string;
  platform: VirtualPlatform;
  client: Client;
  driver: Driver<Client>;
  events: RecordedEvent[];
  errors: number[];
  /** Called with each recorded event (an application reacting; it may call run()). */
  react: ((e: RecordedEvent) => void) | null;
  /** Runs a command on the client (with the platform's now) and drains. */
  run<T>(command: (client: Client, now: number) => T): T;
  /** Events of one kind (optionally only since index `from`). */
  of(kind: number, from?: number): RecordedEvent[];
}

export interface RegistrarNode<M> {
  name: string;
  platform: VirtualPlatform;
  machine: M;
  driver: Driver<M>;
}

export class Harness {
  readonly network: VirtualNetwork;

  constructor(options: VirtualNetworkOptions = {}) {
    this.network = new VirtualNetwork({ latencyMs: 1, ...options });
  }

  get now(): number {
    return this.network.now;
  }

  advance(ms: number, maxSteps = 10000000): void {
    this.network.advance(ms, maxSteps);
  }

  /** Adds a host with a FakeRegistrar (started). */
  fakeRegistrar(name: string, address: string, options: FakeRegistrarOptions): RegistrarNode<FakeRegistrar> {
    this.network.addHost(name, [address]);
    return this.fakeRegistrarOn(name, options);
  }

  /** A FakeRegistrar (started) in a new process on an existing host. */
  fakeRegistrarOn(host: string, options: FakeRegistrarOptions): RegistrarNode<FakeRegistrar> {
    const machine = new FakeRegistrar(options);
    const node = this.machineOn(host, machine);
    node.driver.run(() => machine.start(node.platform.now()), null);
    return node;
  }

  /** Adds a host running any machine (e.g. the real registrar); start it yourself. */
  machine<M extends Machine<unknown>>(name: string, addresses: string[], machine: M): RegistrarNode<M> {
    this.network.addHost(name, addresses);
    return this.machineOn(name, machine);
  }

  /** A machine in a new process on an existing host. */
  machineOn<M extends Machine<unknown>>(host: string, machine: M): RegistrarNode<M> {
    const platform = this.network.createPlatform(host);
    const driver = createDriver(platform, machine, {}) as Driver<M>;
    return { name: host, platform, machine, driver };
  }

  /**
   * Adds a host with a client stack (seeded by the platform's PRNG); `create`
   * replaces createClient (e.g. the one of a built bundle).
   */
  client(name: string, addresses: string[], config: Partial<ClientConfig>,
    create: (config: Partial<ClientConfig>) => Client = createClient): ClientNode {
    this.network.addHost(name, addresses);
    const platform = this.network.createPlatform(name);
    const client = create({ random: (into) => platform.random(into), ...config });
    const events: RecordedEvent[] = [];
    const errors: number[] = [];
    const node = { react: null } as unknown as ClientNode;
    const driver = createDriver<Client, ClientEvent>(platform, client, {
      onEvent: (_target, e) => {
        const recorded: RecordedEvent = {
          time: platform.now(),
          kind: e.kind,
          error: e.error,
          cause: e.cause,
          request: e.request,
          session: e.session,
          listener: e.listener,
          identifier: e.identifier,
          registrar: e.registrar,
          stream: e.stream,
          ppid: e.ppid,
          flags: e.flags,
          handle: e.handle === null ? null : text(e.handle),
          bytes: e.bytes === null ? null : e.bytes.slice(),
          poolElements: e.poolElements.map(copyPoolElement),
        };
        events.push(recorded);
        if (node.react !== null) node.react(recorded);
      },
      onError: (_target, code) => errors.push(code),
    });
    return Object.assign(node, {
      name,
      platform,
      client,
      driver,
      events,
      errors,
      run<T>(command: (client: Client, now: number) => T): T {
        let result: T | undefined;
        driver.run(() => {
          result = command(client, platform.now());
        }, null);
        return result as T;
      },
      of(kind: number, from = 0): RecordedEvent[] {
        return events.slice(from).filter((e) => e.kind === kind);
      },
    });
  }
}
