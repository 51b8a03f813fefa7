// The TCP mapping transport of the Espruino shim bundle, in the Espruino-like
// context, against raw Node TCP peers on loopback: the byte layout of
// platform/node/TCP-MAPPING.md, frames split across and packed into reads,
// heartbeats (answer, probe, give up), protocol errors, close / FIN / abort
// semantics, connect failure, listening. Short heartbeat timers keep it fast.
import t from "tap";
import type { Test } from "tap";
import net from "node:net";
import type { Association, TransportFactory } from "../../../core/driver/platform.js";
import { DOWN_ABORTED, DOWN_CLOSED, DOWN_CONNECT_FAILED, DOWN_PROTOCOL_ERROR, DOWN_TIMEOUT } from "../../../core/driver/platform.js";
import { Recorder, sleep } from "../node/helpers.js";
import { createEspruinoWorld } from "./harness.js";
import type { EspruinoWorld } from "./harness.js";
import { freeTcpPort } from "../quickjs/echo-pe.js";

const HEARTBEAT_INTERVAL = 100;
const HEARTBEAT_TIMEOUT = 500;
const MAX_MESSAGE = 1000;

interface Shim {
  tcp: TransportFactory & { associations(): number; close(): void };
  timers(): number;
  close(): void;
}

function frame(type: number, stream: number, ppid: number, payload: Uint8Array, length = 12 + payload.length): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = type;
  b.writeUInt16BE(stream, 2);
  b.writeUInt32BE(length >>> 0, 4);
  b.writeUInt32BE(ppid >>> 0, 8);
  b.set(payload, 12);
  return b;
}

/** A raw TCP server that records what each accepted connection receives. */
class RawServer {
  readonly server: net.Server;
  readonly connections: net.Socket[] = [];
  readonly received = new Map<net.Socket, Buffer>();
  readonly ended = new Set<net.Socket>();
  port = 0;

  constructor() {
    this.server = net.createServer((s) => {
      s.setNoDelay(true);
      this.connections.push(s);
      this.received.set(s, Buffer.alloc(0));
      s.on("data", (b) => this.received.set(s, Buffer.concat([this.received.get(s) as Buffer, b])));
      s.on("end", () => this.ended.add(s));
      s.on("error", () => undefined);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  bytes(i = 0): Buffer {
    return this.received.get(this.connections[i]) ?? Buffer.alloc(0);
  }

  close(): void {
    for (const s of this.connections) s.destroy();
    this.server.close();
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(3);
  }
}

async function setup(t: Test): Promise<{ world: EspruinoWorld; shim: Shim; server: RawServer; recorder: Recorder }> {
  const world = await createEspruinoWorld();
  t.teardown(() => world.close());
  const shim = world.run(`RSP.createEspruinoPlatform({ net: require("net"), setTimeout: setTimeout, clearTimeout: clearTimeout,
    getTime: getTime, E: E, tcp: { heartbeatInterval: ${HEARTBEAT_INTERVAL}, heartbeatTimeout: ${HEARTBEAT_TIMEOUT},
    maxMessageSize: ${MAX_MESSAGE}, connectTimeout: 1000, shutdownTimeout: 300 } })`) as Shim;
  t.teardown(() => shim.close());
  const server = new RawServer();
  await server.start();
  t.teardown(() => server.close());
  return { world, shim, server, recorder: new Recorder() };
}

async function connected(shim: Shim, server: RawServer, recorder: Recorder): Promise<Association> {
  const before = server.connections.length;
  const a = shim.tcp.connect(["127.0.0.1"], server.port, { localAddresses: [], localPort: 0 }, recorder, null);
  await recorder.until(() => recorder.count("up", a) === 1, 2000, "up");
  await until(() => server.connections.length > before, 2000, "the server's accept");
  return a;
}

t.test("frame layout, split and packed frames, empty messages", async (t) => {
  const { shim, server, recorder } = await setup(t);
  const a = await connected(shim, server, recorder);
  const up = recorder.of("up", a)[0];
  t.same(up.addresses, ["127.0.0.1"], "onUp names the peer address");
  t.equal(up.port, server.port);

  a.send(5, 0xdeadbeef, new Uint8Array([1, 2, 3]));
  a.send(0xffff, 0, new Uint8Array(0));
  await until(() => server.bytes().length >= 27, 2000, "two frames");
  t.same(
    [...server.bytes()],
    [1, 0, 0, 5, 0, 0, 0, 15, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 1, 0, 0xff, 0xff, 0, 0, 0, 12, 0, 0, 0, 0],
    "DATA frames: type, flags 0, stream, total length, PPID, payload (TCP-MAPPING.md)",
  );

  const peer = server.connections[0];
  // Two frames in one write, then one byte per write for the third.
  peer.write(Buffer.concat([frame(1, 1, 11, Buffer.from("ab")), frame(1, 2, 12, Buffer.alloc(0))]));
  const third = frame(1, 3, 0xffffffff, Buffer.from("split across reads"));
  for (const byte of third) {
    peer.write(Buffer.from([byte]));
    await sleep(1);
  }
  await recorder.until(() => recorder.count("message", a) === 3, 2000, "three messages");
  t.same(
    recorder.of("message", a).map((m) => [m.stream, m.ppid, Buffer.from(m.bytes).toString()]),
    [[1, 11, "ab"], [2, 12, ""], [3, 0xffffffff, "split across reads"]],
    "messages with their stream and PPID, in order",
  );

  // A maximum-size message grows the receive buffer; one byte more is refused by the sender.
  const max = Buffer.alloc(MAX_MESSAGE, 0x5a);
  peer.write(frame(1, 0, 7, max));
  await recorder.until(() => recorder.count("message", a) === 4, 2000, "the big message");
  t.same(Buffer.from(recorder.of("message", a)[3].bytes), max, "a message of maxMessageSize arrives whole");
  t.throws(() => a.send(0, 0, new Uint8Array(MAX_MESSAGE + 1)), "sending more than maxMessageSize throws");
  t.throws(() => a.send(0x10000, 0, new Uint8Array(1)), "a stream beyond 16 bits throws");
  t.equal(recorder.count("down", a), 0, "still up");
});

t.test("heartbeats: a request is answered; silence brings probes, then DOWN_TIMEOUT", async (t) => {
  const { shim, server, recorder } = await setup(t);
  const a = await connected(shim, server, recorder);
  const peer = server.connections[0];
  const opened = performance.now();
  peer.write(frame(2, 0, 0, Buffer.from([9, 8, 7, 6, 5])));
  await until(() => server.bytes().length >= 17, 1000, "the heartbeat ack");
  t.same([...server.bytes().subarray(0, 17)], [3, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 9, 8, 7, 6, 5], "HEARTBEAT ACK echoes the payload");

  // Now silence: a probe after the interval, DOWN_TIMEOUT after the timeout.
  await until(() => server.bytes().length >= 17 + 20, 1000, "a heartbeat request");
  const probe = server.bytes().subarray(17, 37);
  t.equal(probe[0], 2, "HEARTBEAT REQUEST");
  t.equal(probe.readUInt32BE(4), 20, "8-byte payload");
  t.equal(probe.readUInt32BE(12), a.id >>> 0, "payload: association id ...");
  t.equal(probe.readUInt32BE(16), 1, "... and probe counter 1");
  await recorder.until(() => recorder.count("down", a) === 1, 2000, "down");
  const elapsed = performance.now() - opened;
  t.equal(recorder.of("down", a)[0].reason, DOWN_TIMEOUT, "DOWN_TIMEOUT");
  t.ok(elapsed >= HEARTBEAT_TIMEOUT - 5, `not before heartbeatTimeout (${elapsed.toFixed(0)} ms)`);
  await until(() => server.ended.has(peer) || peer.destroyed, 1000, "the socket to close");
  t.equal(shim.tcp.associations(), 0);
});

t.test("answered heartbeats keep a quiet association up", async (t) => {
  const { shim, server, recorder } = await setup(t);
  const a = await connected(shim, server, recorder);
  const peer = server.connections[0];
  let answered = 0;
  let seen = 0;
  peer.on("data", () => {
    // Answer every request seen so far (frames are 20 bytes each here).
    const b = server.bytes();
    for (; seen + 20 <= b.length; seen += 20) {
      if (b[seen] === 2) {
        peer.write(frame(3, 0, 0, b.subarray(seen + 12, seen + 20)));
        answered++;
      }
    }
  });
  await sleep(HEARTBEAT_TIMEOUT * 2);
  t.ok(answered >= 2, `probes were sent and answered (${answered})`);
  t.equal(recorder.count("down", a), 0, "still up after twice the timeout");
});

for (const [name, bytes] of [
  ["an oversize DATA header", frame(1, 0, 0, Buffer.alloc(0), 12 + MAX_MESSAGE + 1)],
  ["an unknown frame type", frame(9, 0, 0, Buffer.alloc(4))],
  ["a frame length below 12", frame(1, 0, 0, Buffer.alloc(0), 11)],
  ["a 65-byte heartbeat", frame(2, 0, 0, Buffer.alloc(65))],
] as Array<[string, Buffer]>) {
  t.test(`${name} is a protocol error`, async (t) => {
    const { shim, server, recorder } = await setup(t);
    const a = await connected(shim, server, recorder);
    const peer = server.connections[0];
    peer.write(frame(1, 0, 1, Buffer.from("ok")));
    peer.write(bytes);
    await recorder.until(() => recorder.count("down", a) === 1, 2000, "down");
    t.equal(recorder.of("down", a)[0].reason, DOWN_PROTOCOL_ERROR, "DOWN_PROTOCOL_ERROR");
    t.equal(recorder.count("message", a), 1, "the good frame before it was delivered");
    await until(() => server.ended.has(peer) || peer.destroyed, 1000, "the shim to close the socket");
    t.pass("the shim closed the connection");
  });
}

t.test("close, peer FIN, abort and connect failure", async (t) => {
  const { shim, server, recorder } = await setup(t);

  const a = await connected(shim, server, recorder);
  a.close();
  t.equal(recorder.count("down", a), 0, "no callback from inside close()");
  await until(() => server.ended.has(server.connections[0]), 1000, "FIN at the peer");
  server.connections[0].end();
  await recorder.until(() => recorder.count("down", a) === 1, 1000, "down after close");
  t.equal(recorder.of("down", a)[0].reason, DOWN_CLOSED, "close(): DOWN_CLOSED once the peer's FIN came");

  const b = await connected(shim, server, recorder);
  server.connections[1].end();
  await recorder.until(() => recorder.count("down", b) === 1, 1000, "down after the peer's FIN");
  t.equal(recorder.of("down", b)[0].reason, DOWN_CLOSED, "peer FIN: DOWN_CLOSED");

  const c = await connected(shim, server, recorder);
  c.abort();
  t.equal(recorder.count("down", c), 0, "no callback from inside abort()");
  await recorder.until(() => recorder.count("down", c) === 1, 1000, "down after abort");
  t.equal(recorder.of("down", c)[0].reason, DOWN_ABORTED, "abort(): DOWN_ABORTED");
  c.abort();
  c.close();
  c.send(0, 0, new Uint8Array(1));
  await sleep(20);
  t.equal(recorder.count("down", c), 1, "abort/close/send after down: nothing more");

  const closedPort = await freeTcpPort();
  const d = shim.tcp.connect(["127.0.0.1", "127.0.0.1"], closedPort, { localAddresses: [], localPort: 0 }, recorder, null);
  await recorder.until(() => recorder.count("down", d) === 1, 2000, "connect failure");
  t.equal(recorder.of("down", d)[0].reason, DOWN_CONNECT_FAILED, "refused on every address: DOWN_CONNECT_FAILED");
  t.equal(recorder.count("up", d), 0);

  const e = shim.tcp.connect(["127.0.0.1"], server.port, { localAddresses: [], localPort: 0 }, recorder, null);
  e.close();
  await recorder.until(() => recorder.count("down", e) === 1, 1000, "close while connecting");
  t.equal(recorder.of("down", e)[0].reason, DOWN_CLOSED, "close() while connecting: DOWN_CLOSED, never up");
  await sleep(50);
  t.equal(recorder.count("up", e), 0, "no late up");
  t.equal(shim.tcp.associations(), 0, "nothing left");
});

t.test("a listener accepts, frames flow both ways, stopping it keeps the association", async (t) => {
  const { shim, recorder } = await setup(t);
  const port = await freeTcpPort();
  const listener = shim.tcp.listen({ addresses: [], port }, recorder, null);
  t.equal(listener.port, port);
  await sleep(20);
  const client = net.connect({ host: "127.0.0.1", port });
  t.teardown(() => client.destroy());
  let got = Buffer.alloc(0);
  client.on("data", (b) => (got = Buffer.concat([got, b])));
  await recorder.until(() => recorder.count("up") === 1, 2000, "accepted");
  const a = recorder.of("up")[0].association;
  client.write(frame(1, 4, 44, Buffer.from("to the shim")));
  await recorder.until(() => recorder.count("message", a) === 1, 2000, "message");
  t.same(Buffer.from(recorder.of("message", a)[0].bytes).toString(), "to the shim");
  listener.close();
  a.send(2, 22, Buffer.from("back"));
  await until(() => got.length >= 16, 1000, "the reply");
  t.same(got, frame(1, 2, 22, Buffer.from("back")), "reply framed");
  client.end();
  await recorder.until(() => recorder.count("down", a) === 1, 1000, "down");
  t.equal(recorder.of("down", a)[0].reason, DOWN_CLOSED);
});
