// rserpool bench-transport: association setup time, one-way messages/s over
// one association, request/response round trips, and many associations on
// one server, for the SCTP (UDP-encapsulated) and TCP-mapping transports on
// loopback. Both ends run in this process, so figures include both sides.
//
//   node bin/rserpool.js bench-transport [--transport=sctp|tcp|all]
//        [--messages=20000] [--size=100] [--associations=200] [--setups=30]

import type { Association, AssociationHandler, TransportFactory } from "../../core/driver/platform.js";
import { SctpTransport } from "./sctp-transport.js";
import { TcpTransport } from "./tcp-transport.js";

interface Options {
  transport: string;
  messages: number;
  size: number;
  associations: number;
  setups: number;
}

interface Bench {
  name: string;
  server: TransportFactory & { close(): void };
  client(): TransportFactory & { close(): void };
  port: number;
}

function parse(args: string[]): Options | string {
  const o: Options = { transport: "all", messages: 20000, size: 100, associations: 200, setups: 30 };
  for (const a of args) {
    const m = /^--([a-z]+)=(.+)$/.exec(a);
    if (a === "--help" || a === "-h") return "help";
    if (m === null) return `unknown argument '${a}'`;
    const [, key, value] = m;
    if (key === "transport") o.transport = value;
    else if (key in o) {
      const n = Number(value);
      if (!(n > 0 && Number.isInteger(n))) return `--${key} wants a positive integer`;
      (o as unknown as Record<string, number>)[key] = n;
    } else return `unknown option --${key}`;
  }
  if (!["sctp", "tcp", "all"].includes(o.transport)) return "--transport is sctp, tcp or all";
  return o;
}

/** A handler whose callbacks are swapped per phase. */
class Hooks implements AssociationHandler {
  up: (a: Association) => void = () => undefined;
  message: (a: Association, stream: number, ppid: number, bytes: Uint8Array) => void = () => undefined;
  down: (a: Association, reason: number) => void = () => undefined;
  onUp(_t: unknown, a: Association): void {
    this.up(a);
  }
  onMessage(_t: unknown, a: Association, stream: number, ppid: number, bytes: Uint8Array): void {
    this.message(a, stream, ppid, bytes);
  }
  onDown(_t: unknown, a: Association, reason: number): void {
    this.down(a, reason);
  }
}

async function makeBench(name: string): Promise<{ bench: Bench; serverHooks: Hooks }> {
  const serverHooks = new Hooks();
  if (name === "sctp") {
    const server = new SctpTransport({ udpPort: 0 });
    const listener = server.listen({ addresses: ["127.0.0.1"], port: 3863 }, serverHooks, null);
    const [udpPort] = await listener.ready;
    return {
      bench: { name, server, client: () => new SctpTransport({ remoteUdpPort: udpPort }), port: 3863 },
      serverHooks,
    };
  }
  const server = new TcpTransport();
  const listener = server.listen({ addresses: ["127.0.0.1"], port: 0 }, serverHooks, null);
  const port = await listener.ready;
  return { bench: { name, server, client: () => new TcpTransport(), port }, serverHooks };
}

function connect(client: TransportFactory, port: number, hooks: Hooks): Association {
  return client.connect(["127.0.0.1"], port, { localAddresses: [], localPort: 0 }, hooks, null);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString("en-US")}/s`;
}

async function setupTime(b: Bench, setups: number): Promise<string> {
  const client = b.client();
  const times: number[] = [];
  for (let i = 0; i < setups; i++) {
    const hooks = new Hooks();
    const done = deferred();
    const t0 = performance.now();
    hooks.up = (a) => {
      times.push(performance.now() - t0);
      a.close();
    };
    hooks.down = () => done.resolve();
    connect(client, b.port, hooks);
    await done.promise;
  }
  client.close();
  times.sort((x, y) => x - y);
  const mean = times.reduce((x, y) => x + y, 0) / times.length;
  return `setup: mean ${mean.toFixed(2)} ms, median ${times[times.length >> 1].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms (${setups} connects)`;
}

async function oneWay(b: Bench, serverHooks: Hooks, o: Options): Promise<string> {
  const client = b.client();
  const hooks = new Hooks();
  const done = deferred();
  let got = 0;
  serverHooks.message = () => {
    if (++got === o.messages) done.resolve();
  };
  const payload = Buffer.alloc(o.size, 0x61);
  let t0 = 0;
  hooks.up = (a) => {
    t0 = performance.now();
    // 100 messages per macrotask, as a driver draining its queue would.
    let i = 0;
    const step = () => {
      for (let k = 0; k < 100 && i < o.messages; k++, i++) a.send(i & 3, 11, payload);
      if (i < o.messages) setImmediate(step);
    };
    step();
  };
  connect(client, b.port, hooks);
  await done.promise;
  const ms = performance.now() - t0;
  serverHooks.message = () => undefined;
  client.close();
  return `one-way: ${o.messages} x ${o.size} B in ${ms.toFixed(0)} ms = ${rate(o.messages, ms)} messages`;
}

async function pingPong(b: Bench, serverHooks: Hooks, o: Options): Promise<string> {
  const client = b.client();
  const hooks = new Hooks();
  const done = deferred();
  const rounds = Math.min(o.messages, 5000);
  let n = 0;
  serverHooks.message = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
  const payload = Buffer.alloc(o.size, 0x62);
  let t0 = 0;
  hooks.up = (a) => {
    t0 = performance.now();
    a.send(0, 11, payload);
  };
  hooks.message = (a) => {
    if (++n === rounds) done.resolve();
    else a.send(0, 11, payload);
  };
  connect(client, b.port, hooks);
  await done.promise;
  const ms = performance.now() - t0;
  serverHooks.message = () => undefined;
  client.close();
  return `request/response: ${rounds} round trips, ${((ms / rounds) * 1000).toFixed(0)} us each = ${rate(rounds, ms)}`;
}

async function many(b: Bench, serverHooks: Hooks, o: Options): Promise<string> {
  const client = b.client();
  const hooks = new Hooks();
  const perAssociation = Math.max(1, Math.floor(o.messages / o.associations));
  const total = perAssociation * o.associations;
  const allUp = deferred();
  const done = deferred();
  const up: Association[] = [];
  let got = 0;
  serverHooks.message = () => {
    if (++got === total) done.resolve();
  };
  hooks.up = (a) => {
    up.push(a);
    if (up.length === o.associations) allUp.resolve();
  };
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const s0 = performance.now();
  for (let i = 0; i < o.associations; i++) connect(client, b.port, hooks);
  await allUp.promise;
  const setupMs = performance.now() - s0;
  global.gc?.();
  const heapPer = (process.memoryUsage().heapUsed - heap0) / o.associations / 1024;
  const payload = Buffer.alloc(o.size, 0x63);
  const t0 = performance.now();
  let i = 0;
  const step = () => {
    for (let k = 0; k < 200 && i < total; k++, i++) up[i % up.length].send(0, 11, payload);
    if (i < total) setImmediate(step);
  };
  step();
  await done.promise;
  const ms = performance.now() - t0;
  serverHooks.message = () => undefined;
  client.close();
  const heap = global.gc ? `, ~${heapPer.toFixed(1)} KiB heap per association (both ends)` : "";
  return `${o.associations} associations: all up in ${setupMs.toFixed(0)} ms${heap}; ${total} x ${o.size} B in ${ms.toFixed(0)} ms = ${rate(total, ms)} messages`;
}

export async function run(args: string[]): Promise<number> {
  const o = parse(args);
  if (o === "help") {
    process.stdout.write(
      "Usage: rserpool bench-transport [--transport=sctp|tcp|all] [--messages=N] [--size=BYTES] [--associations=K] [--setups=N]\n" +
        "Loopback figures for the SCTP (UDP-encapsulated) and TCP-mapping transports; both ends in this process.\n" +
        "Run node with --expose-gc for heap per association.\n",
    );
    return 0;
  }
  if (typeof o === "string") {
    process.stderr.write(`bench-transport: ${o}\n`);
    return 2;
  }
  const names = o.transport === "all" ? ["sctp", "tcp"] : [o.transport];
  for (const name of names) {
    const { bench, serverHooks } = await makeBench(name);
    process.stdout.write(`${name}:\n`);
    process.stdout.write(`  ${await setupTime(bench, o.setups)}\n`);
    process.stdout.write(`  ${await oneWay(bench, serverHooks, o)}\n`);
    process.stdout.write(`  ${await pingPong(bench, serverHooks, o)}\n`);
    process.stdout.write(`  ${await many(bench, serverHooks, o)}\n`);
    bench.server.close();
  }
  return 0;
}
