// Raw-IP SCTP mode (IPv4 protocol 132 through the optional `raw-socket`
// addon): two transports of this process on 127.0.0.1 with different SCTP
// ports, connect, PPIDs 11/12 on two streams, close; stray SCTP packets for
// ports that are not ours are ignored before any check.
//
// Needs root and the addon (an optionalDependency, built by node-gyp at
// install), resolved from the project, else from RSERPOOL_RAW_SOCKET_PATH.
// Skipped with a message otherwise, unless RSERPOOL_REQUIRE_RAW_SCTP=1.

import t from "tap";
import { DOWN_CLOSED } from "../../../core/driver/platform.js";
import { SctpTransport, loadRawSocket } from "../../../platform/node/sctp-transport.js";
import { Recorder, chunk, dataChunk, initChunk, packet, poll, sleep } from "./helpers.js";

const REQUIRED = process.env.RSERPOOL_REQUIRE_RAW_SCTP === "1";
const NO_LOCAL = { localAddresses: [] as string[], localPort: 0 };
const SERVER_PORT = 3863;

/** Why raw mode cannot run here, or "" when it can. */
function unavailable(): string {
  let m: { createSocket(o: { protocol: number }): { close(): void } };
  try {
    m = loadRawSocket() as unknown as typeof m;
  } catch (e) {
    return (e as Error).message;
  }
  try {
    m.createSocket({ protocol: 132 }).close();
  } catch (e) {
    return `raw-IP SCTP needs root or CAP_NET_RAW: ${(e as Error).message}`;
  }
  return "";
}

const why = unavailable();

interface RawProbe {
  send(b: Buffer, address: string): Promise<void>;
  close(): void;
}

function probe(): RawProbe {
  const m = loadRawSocket() as unknown as {
    createSocket(o: { protocol: number }): {
      send(b: Buffer, o: number, l: number, a: string, cb: (e: Error | null) => void): void;
      close(): void;
      on(e: string, f: () => void): void;
    };
  };
  const s = m.createSocket({ protocol: 132 });
  s.on("message", () => undefined);
  return {
    send: (b, address) => new Promise((resolve, reject) => s.send(b, 0, b.length, address, (e) => (e ? reject(e) : resolve()))),
    close: () => s.close(),
  };
}

if (why !== "") {
  if (REQUIRED) {
    t.fail(`RSERPOOL_REQUIRE_RAW_SCTP=1 but raw-IP SCTP is unavailable: ${why}`);
  } else {
    t.test("raw-IP SCTP mode", { skip: `skipped: ${why} (set RSERPOOL_REQUIRE_RAW_SCTP=1 to make this a failure)` }, async () => undefined);
  }
} else {
  t.test("two raw-mode transports: connect, PPIDs 11/12 on two streams, close", async (t) => {
    const server = new SctpTransport({ mode: "raw" });
    const client = new SctpTransport({ mode: "raw" });
    t.teardown(() => {
      client.close();
      server.close();
    });
    t.equal(server.mode, "raw");
    const srec = new Recorder();
    srec.onEachMessage = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
    const listener = server.listen({ addresses: ["127.0.0.1"], port: SERVER_PORT }, srec, "server");
    await listener.ready;
    const crec = new Recorder();
    const a = client.connect(["127.0.0.1"], SERVER_PORT, NO_LOCAL, crec, "client");
    await crec.until(() => crec.count("up") === 1, 5000, "client up");
    await srec.until(() => srec.count("up") === 1, 1000, "server up");
    t.same(crec.of("up")[0].addresses, ["127.0.0.1"]);
    t.equal(crec.of("up")[0].port, SERVER_PORT);
    const clientPort = srec.of("up")[0].port;
    t.not(clientPort, SERVER_PORT, "client got its own SCTP port");

    const N = 40;
    for (let i = 0; i < N; i++) {
      const b = Buffer.alloc(100 + i, i);
      b.writeUInt32BE(i, 0);
      a.send(i % 2, i % 2 === 0 ? 11 : 12, b);
    }
    await crec.until(() => crec.count("message") === N, 5000, "echoes");
    const echoes = crec.of("message");
    for (let i = 0; i < N; i++) {
      const e = echoes.filter((m) => m.stream === i % 2)[Math.floor(i / 2)];
      t.equal(e.ppid, i % 2 === 0 ? 11 : 12, `ppid of ${i}`);
      t.equal(e.bytes.length, 100 + i, `length of ${i}`);
      t.equal(Buffer.from(e.bytes).readUInt32BE(0), i, `order of ${i} on stream ${i % 2}`);
    }
    t.equal(srec.count("message"), N);

    a.close();
    await crec.until(() => crec.count("down") === 1, 5000, "client down");
    await srec.until(() => srec.count("down") === 1, 5000, "server down");
    t.equal(crec.of("down")[0].reason, DOWN_CLOSED);
    t.equal(srec.of("down")[0].reason, DOWN_CLOSED);
    t.equal(client.associationCount, 0);
    t.equal(server.associationCount, 0);
    t.equal(client.rawEndpoint, null, "client raw socket closed when unused");
  });

  t.test("stray SCTP packets for other ports are ignored; ours are still checked", async (t) => {
    const server = new SctpTransport({ mode: "raw" });
    t.teardown(() => server.close());
    const srec = new Recorder();
    const listener = server.listen({ addresses: [], port: SERVER_PORT + 1 }, srec, "server");
    await listener.ready;
    const p = probe();
    t.teardown(() => p.close());
    const before = { ...server.stats, rejected: server.stats.rejected.slice() };
    // Valid packets of someone else's association and someone else's INIT.
    await p.send(packet(40000, 40001, 0x1234, [dataChunk(1, 0, 0, 11, Buffer.from("not ours"))]), "127.0.0.1");
    await p.send(packet(40002, SERVER_PORT + 2, 0, [initChunk(0x55aa, 1)]), "127.0.0.1");
    // Garbage to another port: not even looked at.
    await p.send(packet(40003, 9, 0, [chunk(0xff, 0, Buffer.alloc(3))]), "127.0.0.1");
    // A corrupted packet for our port: checked and rejected (CRC32c).
    const bad = packet(40004, SERVER_PORT + 1, 0, [initChunk(0x66bb, 1)]);
    bad[bad.length - 1] ^= 0xff;
    await p.send(bad, "127.0.0.1");
    await poll(() => server.stats.datagrams > before.datagrams, 2000, "our packet seen");
    await sleep(50); // the strays were sent first; give the loop a turn anyway
    t.equal(server.stats.datagrams - before.datagrams, 1, "only the packet for our port was taken");
    t.equal(server.stats.accepted, before.accepted, "nothing accepted");
    t.equal(server.stats.unroutable, before.unroutable, "strays not even counted as unroutable");
    const rejected = server.stats.rejected.reduce((x, y) => x + y, 0) - before.rejected.reduce((x, y) => x + y, 0);
    t.equal(rejected, 1, "the corrupted packet for our port was rejected");
    t.equal(srec.events.length, 0, "no callbacks");
    t.equal(server.associationCount, 0);
  });

  t.test("one raw-mode transport connects to its own listener", async (t) => {
    const tr = new SctpTransport({ mode: "raw" });
    t.teardown(() => tr.close());
    const srec = new Recorder();
    srec.onEachMessage = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
    await tr.listen({ addresses: [], port: SERVER_PORT + 3 }, srec, "server").ready;
    const crec = new Recorder();
    const a = tr.connect(["127.0.0.1"], SERVER_PORT + 3, NO_LOCAL, crec, "client");
    await crec.until(() => crec.count("up") === 1, 5000, "client up");
    a.send(1, 12, Buffer.from("enrp-ish"));
    await crec.until(() => crec.count("message") === 1, 5000, "echo");
    t.equal(crec.of("message")[0].ppid, 12);
    t.equal(crec.of("message")[0].stream, 1);
    t.equal(Buffer.from(crec.of("message")[0].bytes).toString(), "enrp-ish");
    t.equal(tr.associationCount, 2, "both ends in one transport");
    a.abort();
    await srec.until(() => srec.count("down") === 1, 5000, "server side down");
  });

  t.test("raw mode is IPv4 only", async (t) => {
    const tr = new SctpTransport({ mode: "raw" });
    t.teardown(() => tr.close());
    t.throws(() => tr.connect(["::1"], SERVER_PORT, NO_LOCAL, new Recorder(), null), /IPv4 only/);
    t.throws(() => tr.listen({ addresses: ["::1"], port: SERVER_PORT }, new Recorder(), null), /IPv4 only/);
  });
}

t.test("a missing addon is a clear error", async (t) => {
  const saved = process.env.RSERPOOL_RAW_SOCKET_PATH;
  process.env.RSERPOOL_RAW_SOCKET_PATH = "/nonexistent/raw-socket";
  t.teardown(() => {
    process.env.RSERPOOL_RAW_SOCKET_PATH = saved;
  });
  let projectHasIt = true;
  try {
    loadRawSocket();
  } catch {
    projectHasIt = false;
  }
  if (projectHasIt) {
    t.pass("raw-socket resolves from the project; the missing case cannot be produced here");
    return;
  }
  t.throws(() => new SctpTransport({ mode: "raw" }), { code: "ERR_RAW_SOCKET_UNAVAILABLE", message: /raw-socket/ });
  t.doesNotThrow(() => new SctpTransport({ mode: "udp" }).close());
});
