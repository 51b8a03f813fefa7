// The TCP mapping: frame parsing (split, coalesced, oversize, malformed) and
// the transport over real loopback sockets (round trip with PPIDs and
// streams, heartbeats keeping an idle association alive and timing out a
// silent peer, oversize frames refused, close and abort, refused connects).

import t from "tap";
import net from "node:net";
import {
  DOWN_ABORTED,
  DOWN_CLOSED,
  DOWN_CONNECT_FAILED,
  DOWN_PROTOCOL_ERROR,
  DOWN_TIMEOUT,
} from "../../../core/driver/platform.js";
import {
  FRAME_DATA,
  FRAME_HEARTBEAT_ACK,
  FRAME_HEARTBEAT_REQUEST,
  FrameReader,
  TcpTransport,
  encodeFrame,
} from "../../../platform/node/tcp-transport.js";
import type { TcpTransportOptions } from "../../../platform/node/tcp-transport.js";
import { Prng, Recorder, sleep } from "./helpers.js";

interface Frame {
  type: number;
  stream: number;
  ppid: number;
  payload: Buffer;
}

function collector(max = 1 << 20) {
  const frames: Frame[] = [];
  const errors: string[] = [];
  const reader = new FrameReader(max);
  const sink = {
    frame(type: number, stream: number, ppid: number, payload: Buffer) {
      frames.push({ type, stream, ppid, payload: Buffer.from(payload) });
    },
    protocolError(detail: string) {
      errors.push(detail);
    },
  };
  return { frames, errors, push: (b: Buffer) => reader.push(b, sink) };
}

t.test("frames round trip whatever the read boundaries", async (t) => {
  const r = new Prng(42);
  const sent: Frame[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const type = i % 17 === 0 ? FRAME_HEARTBEAT_REQUEST : FRAME_DATA;
    const payload = r.bytes(type === FRAME_DATA ? r.int(3000) : 8);
    const f = { type, stream: type === FRAME_DATA ? r.int(65536) : 0, ppid: type === FRAME_DATA ? r.u32() : 0, payload };
    sent.push(f);
    parts.push(encodeFrame(f.type, f.stream, f.ppid, f.payload));
  }
  const wire = Buffer.concat(parts);
  t.equal(parts[1].readUInt32BE(4), 12 + sent[1].payload.length, "length counts header and payload");
  t.equal(parts[1].readUInt16BE(2), sent[1].stream);
  t.equal(parts[1].readUInt32BE(8), sent[1].ppid);
  // All at once (coalesced), byte by byte, and in random splits.
  for (const splitter of ["whole", "bytes", "random"]) {
    const c = collector();
    if (splitter === "whole") c.push(wire);
    else if (splitter === "bytes") for (let i = 0; i < wire.length; i++) c.push(wire.subarray(i, i + 1));
    else {
      let off = 0;
      while (off < wire.length) {
        const n = 1 + r.int(5000);
        c.push(wire.subarray(off, off + n));
        off += n;
      }
    }
    t.equal(c.errors.length, 0, `${splitter}: no errors`);
    t.equal(c.frames.length, sent.length, `${splitter}: every frame`);
    let same = 0;
    c.frames.forEach((f, i) => {
      const s = sent[i];
      if (f.type === s.type && f.stream === s.stream && f.ppid === s.ppid && f.payload.equals(s.payload)) same++;
    });
    t.equal(same, sent.length, `${splitter}: identical frames in order`);
  }
});

t.test("malformed and oversize frames are refused at the header", async (t) => {
  const c = collector(1000);
  const big = Buffer.alloc(12);
  big[0] = FRAME_DATA;
  big.writeUInt32BE(12 + 1001, 4);
  c.push(big); // header only: refused before any payload arrives
  t.equal(c.errors.length, 1);
  t.match(c.errors[0], /exceeds 1000/);
  c.push(encodeFrame(FRAME_DATA, 0, 0, Buffer.alloc(1)));
  t.equal(c.frames.length, 0, "nothing after a failure");

  const short = collector();
  const s = encodeFrame(FRAME_DATA, 0, 0, Buffer.alloc(4));
  s.writeUInt32BE(11, 4);
  short.push(s);
  t.match(short.errors[0], /frame length 11/);

  const unknown = collector();
  unknown.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
  t.match(unknown.errors[0], /frame type 71/);

  const hb = collector();
  hb.push(encodeFrame(FRAME_HEARTBEAT_REQUEST, 0, 0, Buffer.alloc(65)));
  t.match(hb.errors[0], /heartbeat of 65 bytes/);

  const ok = collector(1000);
  ok.push(encodeFrame(FRAME_DATA, 1, 2, Buffer.alloc(1000)));
  ok.push(encodeFrame(FRAME_DATA, 1, 2, Buffer.alloc(0)));
  t.equal(ok.frames.length, 2, "exactly the limit, and empty messages, pass");
});

interface Teardown {
  teardown(fn: () => void): void;
}

async function pair(t: Teardown, serverOptions: TcpTransportOptions = {}, clientOptions: TcpTransportOptions = {}, address = "127.0.0.1") {
  const server = new TcpTransport(serverOptions);
  t.teardown(() => server.close());
  const srec = new Recorder();
  srec.onEachMessage = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
  const listener = server.listen({ addresses: [address], port: 0 }, srec, "server");
  const port = await listener.ready;
  const client = new TcpTransport(clientOptions);
  t.teardown(() => client.close());
  const crec = new Recorder();
  return { server, listener, port, srec, client, crec };
}

t.test("connect, listen, PPIDs and streams in order, large messages", async (t) => {
  const p = await pair(t);
  t.ok(p.port > 0 && p.listener.port === p.port, "ephemeral port reported");
  const a = p.client.connect(["127.0.0.1"], p.port, { localAddresses: [], localPort: 0 }, p.crec, null);
  await p.crec.until(() => p.crec.count("up") === 1, 2000, "up");
  await p.srec.until(() => p.srec.count("up") === 1, 2000, "server up");
  t.same(p.crec.of("up")[0].addresses, ["127.0.0.1"]);
  t.equal(p.crec.of("up")[0].port, p.port);
  t.same(p.srec.of("up")[0].addresses, ["127.0.0.1"]);
  const scratch = Buffer.alloc(40);
  const N = 1000;
  for (let i = 0; i < N; i++) {
    scratch.fill(i & 0xff);
    scratch.writeUInt32BE(i, 0);
    a.send(i % 5, 11 + (i % 2), scratch);
  }
  scratch.fill(0); // send() copied
  const big = new Prng(3).bytes(500 * 1024);
  a.send(9, 0xfffffffe, big);
  await p.crec.until(() => p.crec.count("message") === N + 1, 5000, "echoes");
  let bad = 0;
  p.crec.of("message").forEach((m, i) => {
    if (i === N) return;
    const b = Buffer.from(m.bytes);
    if (b.readUInt32BE(0) !== i || m.stream !== i % 5 || m.ppid !== 11 + (i % 2) || b[39] !== (i & 0xff)) bad++;
  });
  t.equal(bad, 0, "all in order with stream and PPID");
  const last = p.crec.of("message")[N];
  t.ok(Buffer.from(last.bytes).equals(big) && last.stream === 9 && last.ppid === 0xfffffffe, "500 KiB message intact");
  t.throws(() => a.send(0, 0, Buffer.alloc(2 * 1024 * 1024)), RangeError);
  t.throws(() => a.send(70000, 0, Buffer.alloc(1)), RangeError);
});

t.test("heartbeats keep an idle association up and time out a silent peer", async (t) => {
  const hb = { heartbeatInterval: 60, heartbeatTimeout: 200 };
  const p = await pair(t, hb, hb);
  p.client.connect(["127.0.0.1"], p.port, { localAddresses: [], localPort: 0 }, p.crec, null);
  await p.crec.until(() => p.crec.count("up") === 1, 2000, "up");
  await sleep(700); // > 3 timeouts without application data
  t.equal(p.crec.count("down"), 0, "idle but alive: heartbeats answered");
  t.equal(p.srec.count("down"), 0);

  // A peer that accepts and then never says a word (a hung process).
  const mute = net.createServer((s) => {
    s.on("data", () => undefined); // reads, never writes
  });
  t.teardown(() => mute.close());
  await new Promise<void>((r) => mute.listen(0, "127.0.0.1", () => r()));
  const port = (mute.address() as net.AddressInfo).port;
  const rec = new Recorder();
  const c = new TcpTransport(hb);
  t.teardown(() => c.close());
  const t0 = performance.now();
  c.connect(["127.0.0.1"], port, { localAddresses: [], localPort: 0 }, rec, null);
  await rec.until(() => rec.count("down") === 1, 2000, "silent peer detected");
  const took = performance.now() - t0;
  t.equal(rec.count("up"), 1);
  t.equal(rec.of("down")[0].reason, DOWN_TIMEOUT);
  t.ok(took >= 190 && took < 1000, `after the heartbeat timeout (${took.toFixed(0)} ms)`);
});

t.test("an oversize frame closes the connection", async (t) => {
  const p = await pair(t, { maxMessageSize: 1000 });
  const raw = net.connect(p.port, "127.0.0.1");
  t.teardown(() => raw.destroy());
  await new Promise<void>((r) => raw.once("connect", () => r()));
  await p.srec.until(() => p.srec.count("up") === 1, 2000, "up");
  const closed = new Promise<void>((r) => raw.once("close", () => r()));
  raw.on("error", () => undefined);
  raw.write(encodeFrame(FRAME_DATA, 0, 11, Buffer.alloc(100)));
  const header = Buffer.alloc(12);
  header[0] = FRAME_DATA;
  header.writeUInt32BE(12 + 5000, 4);
  raw.write(header);
  await p.srec.until(() => p.srec.count("down") === 1, 2000, "refused");
  t.equal(p.srec.count("message"), 1, "the frame before it was delivered");
  t.equal(p.srec.of("down")[0].reason, DOWN_PROTOCOL_ERROR);
  await closed;
  t.pass("the peer's connection was closed");

  // Heartbeat requests from a raw peer are answered with the same payload.
  const raw2 = net.connect(p.port, "127.0.0.1");
  t.teardown(() => raw2.destroy());
  const got: Buffer[] = [];
  raw2.on("data", (d: Buffer) => got.push(d));
  await new Promise<void>((r) => raw2.once("connect", () => r()));
  raw2.write(encodeFrame(FRAME_HEARTBEAT_REQUEST, 0, 0, Buffer.from("ping-123")));
  const end = performance.now() + 2000;
  while (Buffer.concat(got).length < 20 && performance.now() < end) await sleep(5);
  const ack = Buffer.concat(got);
  t.equal(ack[0], FRAME_HEARTBEAT_ACK);
  t.equal(ack.subarray(12, 20).toString(), "ping-123");
});

t.test("close and abort are seen by the peer; refused connects fail", async (t) => {
  const p = await pair(t);
  const opts = { localAddresses: [], localPort: 0 };
  const a = p.client.connect(["127.0.0.1"], p.port, opts, p.crec, 1);
  await p.srec.until(() => p.srec.count("up") === 1, 2000, "up 1");
  await p.crec.until(() => p.crec.count("up", a) === 1, 2000, "client up 1");
  a.send(0, 11, Buffer.from("last words"));
  a.close();
  a.close();
  await p.crec.until(() => p.crec.count("down", a) === 1, 2000, "client closed");
  await p.srec.until(() => p.srec.count("down") === 1, 2000, "server saw close");
  t.equal(p.crec.of("down", a)[0].reason, DOWN_CLOSED);
  t.equal(p.srec.of("down")[0].reason, DOWN_CLOSED);
  t.equal(p.srec.count("message"), 1, "data before close delivered");

  const b = p.client.connect(["127.0.0.1"], p.port, opts, p.crec, 2);
  await p.srec.until(() => p.srec.count("up") === 2, 2000, "up 2");
  await p.crec.until(() => p.crec.count("up", b) === 1, 2000, "client up 2");
  b.abort();
  await p.srec.until(() => p.srec.count("down") === 2, 2000, "server saw abort");
  t.equal(p.srec.of("down")[1].reason, DOWN_ABORTED);
  t.equal(p.crec.of("down", b)[0].reason, DOWN_ABORTED);

  const d = p.client.connect(["127.0.0.1"], p.port, opts, p.crec, 3);
  await p.srec.until(() => p.srec.count("up") === 3, 2000, "up 3");
  p.srec.of("up")[2].association.close();
  await p.crec.until(() => p.crec.count("down", d) === 1, 2000, "client saw server close");
  t.equal(p.crec.of("down", d)[0].reason, DOWN_CLOSED);

  // Nothing listens on 127.0.0.2:port: refused, then the next address works.
  const e = p.client.connect(["127.0.0.2", "127.0.0.1"], p.port, opts, p.crec, 4);
  await p.crec.until(() => p.crec.count("up", e) === 1, 2000, "second address");
  const rec = new Recorder();
  p.listener.close();
  await sleep(20);
  p.client.connect(["127.0.0.1"], p.port, opts, rec, 5);
  await rec.until(() => rec.count("down") === 1, 2000, "refused");
  t.equal(rec.of("down")[0].reason, DOWN_CONNECT_FAILED);
  t.equal(rec.count("up"), 0);
  t.throws(() => p.client.connect(["nope"], p.port, opts, rec, 6), TypeError);
});

t.test("a wildcard listener reports IPv4 peers as IPv4", async (t) => {
  const server = new TcpTransport();
  t.teardown(() => server.close());
  const srec = new Recorder();
  const listener = server.listen({ addresses: [], port: 0 }, srec, null);
  const port = await listener.ready;
  const client = new TcpTransport();
  t.teardown(() => client.close());
  const rec = new Recorder();
  client.connect(["127.0.0.1"], port, { localAddresses: [], localPort: 0 }, rec, null);
  await srec.until(() => srec.count("up") === 1, 2000, "up");
  t.same(srec.of("up")[0].addresses, ["127.0.0.1"]);
});

// Node 20: resetAndDestroy() on a socket that already called end() never
// releases its handle, so a process whose transport was closed while a
// graceful close was under way never exits. Each scenario runs in a child
// process that must exit by itself.
t.test("closing the transport during a graceful close lets the process exit", async (t) => {
  const { spawn } = await import("node:child_process");
  const module = new URL("../../../platform/node/tcp-transport.js", import.meta.url).href;
  const script = (scenario: string) => `
    import { TcpTransport } from ${JSON.stringify(module)};
    const scenario = ${JSON.stringify(scenario)};
    const server = new TcpTransport();
    const client = new TcpTransport();
    const h = {
      onUp(target, a) {
        if (target !== scenario.split("-")[0]) return;
        a.close();
        if (scenario.endsWith("abort")) a.abort();
        client.close();
        server.close();
        process.stdout.write("closed\\n");
      },
      onMessage() {},
      onDown() {},
    };
    const l = server.listen({ addresses: ["127.0.0.1"], port: 0 }, h, "server");
    const port = await l.ready;
    client.connect(["127.0.0.1"], port, { localAddresses: [], localPort: 0 }, h, "client");
  `;
  for (const scenario of ["client-close", "server-close", "client-abort"]) {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script(scenario)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once("exit", (c, s) => resolve([c, s])));
    clearTimeout(timer);
    t.equal(out, "closed\n", `${scenario}: closed while its FIN was under way`);
    t.same([code, signal], [0, null], `${scenario}: the process exited by itself`);
  }
});
