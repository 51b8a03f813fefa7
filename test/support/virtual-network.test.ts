import t from "tap";
import type { Association, AssociationHandler, DatagramHandler, DatagramSocket } from "../../core/driver/platform.js";
import {
  DOWN_ABORTED,
  DOWN_CLOSED,
  DOWN_CONNECT_FAILED,
  DOWN_TIMEOUT,
} from "../../core/driver/platform.js";
import { VirtualNetwork, VirtualPlatform } from "./virtual-platform.js";
import type { VirtualNetworkOptions } from "./virtual-platform.js";

// Raw platform API, no driver: a handler that records what arrives and when.
interface Record {
  at: number;
  side: string;
  what: string;
  association: Association;
  stream: number;
  ppid: number;
  data: number[];
  addresses: string[];
  port: number;
  reason: number;
}

function recorder(network: VirtualNetwork, records: Record[], side: string): AssociationHandler {
  const base = (what: string, association: Association): Record => ({
    at: network.now,
    side,
    what,
    association,
    stream: 0,
    ppid: 0,
    data: [],
    addresses: [],
    port: 0,
    reason: -1,
  });
  return {
    onUp: (_target, association, addresses, port) => {
      records.push({ ...base("up", association), addresses: addresses.slice(), port });
    },
    onMessage: (_target, association, stream, ppid, bytes) => {
      records.push({ ...base("message", association), stream, ppid, data: Array.from(bytes) });
    },
    onDown: (_target, association, reason) => {
      records.push({ ...base("down", association), reason });
    },
  };
}

interface DatagramRecord {
  at: number;
  side: string;
  data: number[];
  address: string;
  port: number;
}

function datagramRecorder(network: VirtualNetwork, records: DatagramRecord[], side: string): DatagramHandler {
  return {
    onMessage: (_target, _socket, bytes, address, port) => {
      records.push({ at: network.now, side, data: Array.from(bytes), address, port });
    },
  };
}

function world(options: VirtualNetworkOptions = {}) {
  const network = new VirtualNetwork({ latencyMs: 10, ...options });
  network.addHost("a", ["10.0.0.1", "2001:db8::1"]);
  network.addHost("b", ["10.0.0.2"]);
  network.addHost("c", ["10.0.0.3"]);
  const a = network.createPlatform("a");
  const b = network.createPlatform("b");
  const c = network.createPlatform("c");
  const records: Record[] = [];
  return { network, a, b, c, records };
}

const NO_LOCAL = { localAddresses: [] as string[], localPort: 0 };

function listenConnect(w: ReturnType<typeof world>, port = 5000) {
  const { network, a, b, records } = w;
  a.transports[0].listen({ addresses: [], port }, recorder(network, records, "server"), null);
  const client = b.transports[0].connect(["10.0.0.1"], port, NO_LOCAL, recorder(network, records, "client"), null);
  return client;
}

const at = (records: Record[], side: string, what: string) =>
  records.filter((r) => r.side === side && r.what === what);

for (const offset of [0, 2 ** 32, 2 ** 52]) {
  t.test(`association latency: up on both sides, then messages after one latency (offset ${offset})`, async (t) => {
    const w = world({ startMs: offset });
    const client = listenConnect(w);
    w.network.advance(100);
    const [serverUp] = at(w.records, "server", "up");
    const [clientUp] = at(w.records, "client", "up");
    t.equal(serverUp.at - offset, 10, "INIT arrives after one latency");
    t.equal(clientUp.at - offset, 20, "the client is up after a round trip");
    t.same(serverUp.addresses, ["10.0.0.2"]);
    t.equal(serverUp.port, 49152, "an ephemeral client port");
    t.same(clientUp.addresses, ["10.0.0.1", "2001:db8::1"], "the address it reached comes first");
    t.equal(clientUp.port, 5000);
    t.not(client.id, 0);
    client.send(3, 11, Uint8Array.of(1, 2, 3));
    w.network.advance(100);
    const [message] = at(w.records, "server", "message");
    t.same([message.at - offset, message.stream, message.ppid, message.data], [110, 3, 11, [1, 2, 3]]);
    serverUp.association.send(0, 12, Uint8Array.of(9));
    w.network.advance(100);
    t.same(at(w.records, "client", "message").map((r) => [r.at - offset, r.data]), [[210, [9]]]);
  });
}

t.test("messages keep their order per association under jitter and loss", async (t) => {
  const run = (seed: number) => {
    const w = world({ seed, jitterMs: 30, lossRate: 0.3, retransmitMs: 50 });
    const client = listenConnect(w);
    w.network.advance(200);
    for (let i = 0; i < 200; i++) {
      client.send(i % 4, 11, Uint8Array.of(i));
      if (i % 7 === 0) w.network.advance(3);
    }
    w.network.runUntilIdle(10_000);
    return { w, messages: at(w.records, "server", "message") };
  };
  const { w, messages } = run(5);
  t.same(messages.map((m) => m.data[0]), Array.from({ length: 200 }, (_, i) => i), "in send order");
  t.ok(w.network.stats.retransmissions > 20, `retransmissions ${w.network.stats.retransmissions}`);
  for (let i = 1; i < messages.length; i++) t.ok(messages[i].at >= messages[i - 1].at);
  // A lost send is late by at least one retransmission timeout.
  const last = messages[messages.length - 1].at;
  t.ok(last >= 200 + 10 + 50, `last at ${last}`);
  const again = run(5);
  t.same(again.messages.map((m) => m.at), messages.map((m) => m.at), "same seed, same timing");
  const other = run(6);
  t.notSame(other.messages.map((m) => m.at), messages.map((m) => m.at), "another seed, other timing");
});

t.test("too many losses in a row time an association out", async (t) => {
  const w = world({ lossRate: 1, maxRetransmits: 3, retransmitMs: 100 });
  w.network.setLink("a", "b", { lossRate: 0 });
  const client = listenConnect(w);
  w.network.advance(100);
  w.network.setLink("a", "b", { lossRate: 1 });
  client.send(0, 11, Uint8Array.of(1));
  w.network.advance(10_000);
  t.same(at(w.records, "client", "down").map((r) => r.reason), [DOWN_TIMEOUT]);
  t.same(at(w.records, "server", "down").map((r) => r.reason), [DOWN_TIMEOUT]);
  t.equal(at(w.records, "server", "message").length, 0);
  t.equal(w.network.liveEndpoints(), 0);
});

t.test("connect failures: closed port after a round trip, unknown host after the connect timeout", async (t) => {
  const w = world({ connectTimeoutMs: 5000, initRetransmitMs: 1000 });
  const { network, b, records } = w;
  b.transports[0].connect(["10.0.0.1"], 7777, NO_LOCAL, recorder(network, records, "closed"), null);
  b.transports[0].connect(["10.9.9.9"], 7777, NO_LOCAL, recorder(network, records, "nobody"), null);
  network.advance(60_000);
  t.same(at(records, "closed", "down").map((r) => [r.at, r.reason]), [[20, DOWN_CONNECT_FAILED]]);
  t.same(at(records, "nobody", "down").map((r) => [r.at, r.reason]), [[5000, DOWN_CONNECT_FAILED]]);
  t.equal(records.filter((r) => r.what === "up").length, 0);
  t.equal(network.stats.connectFailures, 2);
  // Several remote addresses: an unknown first address is skipped.
  w.a.transports[0].listen({ addresses: ["10.0.0.1"], port: 7000 }, recorder(network, records, "server"), null);
  b.transports[0].connect(["10.9.9.9", "10.0.0.1"], 7000, NO_LOCAL, recorder(network, records, "multi"), null);
  network.advance(1000);
  t.same(at(records, "multi", "up").map((r) => r.addresses), [["10.0.0.1"]], "a bound listener reports only its addresses");
  // The listener bound to one address does not answer on another.
  b.transports[0].connect(["2001:db8::1"], 7000, NO_LOCAL, recorder(network, records, "other"), null);
  network.advance(1000);
  t.same(at(records, "other", "down").map((r) => r.reason), [DOWN_CONNECT_FAILED]);
});

t.test("listen conflicts and port reuse", async (t) => {
  const w = world();
  const h = recorder(w.network, w.records, "x");
  const l = w.a.transports[0].listen({ addresses: [], port: 5000 }, h, null);
  t.throws(() => w.a.transports[0].listen({ addresses: ["10.0.0.1"], port: 5000 }, h, null), /EADDRINUSE/);
  const other = w.network.createPlatform("a");
  t.throws(() => other.transports[0].listen({ addresses: [], port: 5000 }, h, null), /EADDRINUSE/, "across processes of a host");
  t.throws(() => w.a.transports[0].listen({ addresses: ["10.0.0.2"], port: 5001 }, h, null), /EADDRNOTAVAIL/);
  l.close();
  t.doesNotThrow(() => other.transports[0].listen({ addresses: [], port: 5000 }, h, null));
  const two = new VirtualNetwork({ transportNames: ["sctp", "tcp"] });
  two.addHost("h", ["10.1.0.1"]);
  const p = two.createPlatform("h");
  t.same(p.transports.map((x) => x.name), ["sctp", "tcp"]);
  p.transports[0].listen({ addresses: [], port: 3863 }, h, null);
  t.doesNotThrow(() => p.transports[1].listen({ addresses: [], port: 3863 }, h, null), "separate port spaces");
});

t.test("graceful close delivers queued data first; abort is immediate", async (t) => {
  const w = world();
  const client = listenConnect(w);
  w.network.advance(100);
  client.send(0, 11, Uint8Array.of(1));
  client.send(0, 11, Uint8Array.of(2));
  client.close();
  client.send(0, 11, Uint8Array.of(3));
  w.network.advance(100);
  t.same(
    w.records.filter((r) => r.side === "server" && r.what !== "up").map((r) => [r.at, r.what, r.data]),
    [
      [110, "message", [1]],
      [110, "message", [2]],
      [110, "down", []],
    ],
    "no data after close, the shutdown after the data",
  );
  t.same(at(w.records, "server", "down")[0].reason, DOWN_CLOSED);
  t.same(at(w.records, "client", "down").map((r) => [r.at, r.reason]), [[120, DOWN_CLOSED]], "after SHUTDOWN-COMPLETE");
  client.close();
  client.abort();
  w.network.advance(100);
  t.equal(w.records.filter((r) => r.what === "down").length, 2, "close and abort after down are no-ops");

  const w2 = world();
  const client2 = listenConnect(w2);
  w2.network.advance(100);
  client2.abort();
  t.equal(at(w2.records, "client", "down").length, 0, "never a callback from inside abort()");
  w2.network.advance(0);
  t.same(at(w2.records, "client", "down").map((r) => [r.at, r.reason]), [[100, DOWN_ABORTED]]);
  w2.network.advance(100);
  t.same(at(w2.records, "server", "down").map((r) => [r.at, r.reason]), [[110, DOWN_ABORTED]]);
  // Closing while connecting ends the attempt.
  const w3 = world();
  const client3 = listenConnect(w3);
  client3.close();
  w3.network.advance(100);
  t.same(w3.records.map((r) => [r.side, r.what, r.reason]), [["client", "down", DOWN_CLOSED]]);
});

t.test("received bytes are scribbled after the callback (receivers must copy)", async (t) => {
  const w = world();
  let kept: Uint8Array | null = null;
  w.a.transports[0].listen(
    { addresses: [], port: 5000 },
    { onUp: () => {}, onMessage: (_t, _a, _s, _p, bytes) => (kept = bytes), onDown: () => {} },
    null,
  );
  const client = w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(w.network, w.records, "c"), null);
  w.network.advance(100);
  client.send(0, 11, Uint8Array.of(1, 2));
  w.network.advance(100);
  t.same(Array.from(kept as unknown as Uint8Array), [0xdd, 0xdd]);
});

t.test("partition: datagrams dropped, association data held; heal in time delivers, else timeout", async (t) => {
  const w = world({ associationTimeoutMs: 5000 });
  const { network } = w;
  const client = listenConnect(w);
  network.advance(100);
  network.partition(["a"], ["b"]);
  t.ok(network.isPartitioned("b", "a"));
  client.send(0, 11, Uint8Array.of(1));
  network.advance(3000);
  t.equal(at(w.records, "server", "message").length, 0, "held while partitioned");
  network.heal();
  network.advance(100);
  t.same(at(w.records, "server", "message").map((r) => [r.at, r.data]), [[3110, [1]]], "delivered one latency after the heal");
  network.advance(10_000);
  t.equal(w.records.filter((r) => r.what === "down").length, 0, "healed before the timeout: still up");

  network.partition(["b"], ["a", "c"]);
  network.advance(4999);
  t.equal(w.records.filter((r) => r.what === "down").length, 0);
  network.advance(1);
  t.same(
    w.records.filter((r) => r.what === "down").map((r) => [r.side, r.at, r.reason]),
    [
      ["server", 18200, DOWN_TIMEOUT],
      ["client", 18200, DOWN_TIMEOUT],
    ],
  );

  // A connect across a partition fails after the connect timeout; a heal during retries lets it through.
  const blocked = w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(network, w.records, "late"), null);
  t.ok(blocked);
  network.advance(2500);
  network.heal();
  network.advance(2000);
  t.equal(at(w.records, "late", "up").length, 1, "INIT retransmission after the heal succeeds");

  // Datagrams across a partition are dropped.
  const dg: DatagramRecord[] = [];
  (w.c.datagram as NonNullable<VirtualPlatform["datagram"]>).open(
    { address: "", port: 9000, group: "", ttl: 1, multicastInterface: "" },
    datagramRecorder(network, dg, "c"),
    null,
  );
  const sender = (w.a.datagram as NonNullable<VirtualPlatform["datagram"]>).open(
    { address: "", port: 0, group: "", ttl: 1, multicastInterface: "" },
    datagramRecorder(network, dg, "a"),
    null,
  );
  network.isolate("c");
  sender.send(Uint8Array.of(1), "10.0.0.3", 9000);
  network.advance(100);
  t.equal(dg.length, 0);
  t.equal(network.stats.datagramsPartitioned, 1);
  network.heal();
  sender.send(Uint8Array.of(2), "10.0.0.3", 9000);
  network.advance(100);
  t.same(dg.map((d) => d.data), [[2]]);
});

t.test("killing a process: peers see down only after their own timeout", async (t) => {
  const w = world({ associationTimeoutMs: 7000 });
  const { network } = w;
  const client = listenConnect(w);
  network.advance(100);
  let fired = 0;
  w.a.setTimer(network.now + 50, () => fired++, null);
  network.kill(w.a);
  client.send(0, 11, Uint8Array.of(1));
  network.advance(6999);
  t.equal(fired, 0, "the dead process's timers never fire");
  t.equal(w.records.filter((r) => r.what !== "up").length, 0, "silence");
  network.advance(1);
  t.same(w.records.filter((r) => r.what === "down").map((r) => [r.side, r.at, r.reason]), [["client", 7100, DOWN_TIMEOUT]]);
  // The host is alive: its stack refuses connects to the dead process's port.
  w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(network, w.records, "again"), null);
  network.advance(100);
  t.same(at(w.records, "again", "down").map((r) => [r.at - 7100, r.reason]), [[20, DOWN_CONNECT_FAILED]]);
  // A new process on the host can listen on the same port.
  const fresh = network.createPlatform("a");
  fresh.transports[0].listen({ addresses: [], port: 5000 }, recorder(network, w.records, "fresh"), null);
  w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(network, w.records, "again2"), null);
  network.advance(100);
  t.equal(at(w.records, "again2", "up").length, 1);
});

t.test("killing a host: unreachable; with abort the peers see DOWN_ABORTED after latency", async (t) => {
  const w = world({ abortOnKill: true, connectTimeoutMs: 3000 });
  const { network } = w;
  listenConnect(w);
  network.advance(100);
  network.kill("a");
  network.advance(100);
  t.same(w.records.filter((r) => r.what === "down").map((r) => [r.side, r.at, r.reason]), [["client", 110, DOWN_ABORTED]]);
  t.throws(() => w.a.transports[0].listen({ addresses: [], port: 1 }, recorder(network, w.records, "x"), null));
  w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(network, w.records, "dead"), null);
  network.advance(5000);
  t.same(at(w.records, "dead", "down").map((r) => [r.at - 200, r.reason]), [[3000, DOWN_CONNECT_FAILED]]);
  network.revive("a");
  const p = network.createPlatform("a");
  p.transports[0].listen({ addresses: [], port: 5000 }, recorder(network, w.records, "reborn"), null);
  w.b.transports[0].connect(["10.0.0.1"], 5000, NO_LOCAL, recorder(network, w.records, "back"), null);
  network.advance(100);
  t.equal(at(w.records, "back", "up").length, 1);
});

t.test("never-detected dead peers (associationTimeoutMs -1) stay up", async (t) => {
  const w = world({ associationTimeoutMs: -1 });
  listenConnect(w);
  w.network.advance(100);
  w.network.kill(w.a);
  w.network.advance(10_000_000);
  t.equal(w.records.filter((r) => r.what === "down").length, 0);
});

function openSocket(p: VirtualPlatform, records: DatagramRecord[], network: VirtualNetwork, side: string, port: number, group = "", address = "", ttl = 1): DatagramSocket {
  return (p.datagram as NonNullable<VirtualPlatform["datagram"]>).open(
    { address, port, group, ttl, multicastInterface: "" },
    datagramRecorder(network, records, side),
    null,
  );
}

t.test("datagram loss with a fixed seed is deterministic and near the configured rate", async (t) => {
  const run = (seed: number) => {
    const w = world({ seed, lossRate: 0.2 });
    const got: DatagramRecord[] = [];
    openSocket(w.b, got, w.network, "b", 9000);
    const s = openSocket(w.a, got, w.network, "a", 0);
    for (let i = 0; i < 1000; i++) s.send(Uint8Array.of(i & 0xff, i >> 8), "10.0.0.2", 9000);
    w.network.runUntilIdle(5000);
    return { got, stats: w.network.stats };
  };
  const first = run(77);
  const lost = 1000 - first.got.length;
  t.ok(lost > 150 && lost < 250, `lost ${lost}`);
  t.equal(first.stats.datagramsLost, lost);
  t.same(run(77).got, first.got, "same seed, same survivors");
  t.notSame(run(78).got.map((g) => g.data), first.got.map((g) => g.data));
  t.same(first.got[0].address, "10.0.0.1", "source address of the sending host");
});

t.test("datagram reordering only when configured; associations never reorder", async (t) => {
  const order = (reorderRate: number) => {
    const w = world({ seed: 3, reorderRate, reorderDelayMs: 25 });
    const got: DatagramRecord[] = [];
    openSocket(w.b, got, w.network, "b", 9000);
    const s = openSocket(w.a, got, w.network, "a", 0);
    for (let i = 0; i < 100; i++) {
      s.send(Uint8Array.of(i), "10.0.0.2", 9000);
      w.network.advance(1);
    }
    w.network.runUntilIdle(1000);
    return got.map((g) => g.data[0]);
  };
  const inOrder = order(0);
  t.same(inOrder, Array.from({ length: 100 }, (_, i) => i));
  const shuffled = order(0.3);
  t.equal(shuffled.length, 100, "reordering loses nothing");
  t.notSame(shuffled, inOrder);
  t.same(shuffled.slice().sort((x, y) => x - y), inOrder);
  t.same(order(0.3), shuffled, "deterministic");
});

t.test("multicast: every member socket on the group's port, loopback, ttl 0", async (t) => {
  const w = world();
  const { network } = w;
  const d = network.createPlatform(network.addHost("d", ["10.0.0.4"]));
  const got: DatagramRecord[] = [];
  const GROUP = "239.0.0.50";
  openSocket(w.a, got, network, "a", 3863, GROUP);
  openSocket(w.a, got, network, "a2", 3863, GROUP, "", 1); // a second member on the same host and port
  openSocket(w.b, got, network, "b", 3863, GROUP);
  openSocket(w.c, got, network, "c-other-port", 3864, GROUP);
  openSocket(d, got, network, "d-not-member", 3863);
  const sender = openSocket(w.b, got, network, "b-sender", 0);
  sender.send(Uint8Array.of(1), GROUP, 3863);
  network.advance(100);
  t.same(got.map((g) => g.side).sort(), ["a", "a2", "b"], "members only, including the sender's host");
  t.ok(got.every((g) => g.address === "10.0.0.2"));
  got.length = 0;
  const local = openSocket(w.b, got, network, "b-ttl0", 0, "", "", 0);
  local.send(Uint8Array.of(2), GROUP, 3863);
  network.advance(100);
  t.same(got.map((g) => g.side), ["b"], "ttl 0 stays on the host");
  // IPv6 group; the source is the host's IPv6 address.
  got.length = 0;
  openSocket(w.c, got, network, "c6", 9899, "ff02::1:3");
  openSocket(w.a, got, network, "a6", 0).send(Uint8Array.of(3), "ff02::1:3", 9899);
  network.advance(100);
  t.same(got.map((g) => [g.side, g.address]), [["c6", "2001:db8::1"]]);
  t.throws(() => openSocket(w.b, got, network, "dup", 3863), /EADDRINUSE/, "a unicast socket cannot share a member's port");
});

t.test("per-link latency overrides and jitter bounds", async (t) => {
  const w = world({ jitterMs: 5, seed: 4 });
  w.network.setLink("a", "c", { latencyMs: 100, jitterMs: 0 });
  const got: DatagramRecord[] = [];
  openSocket(w.b, got, w.network, "b", 9000);
  openSocket(w.c, got, w.network, "c", 9000);
  const s = openSocket(w.a, got, w.network, "a", 0);
  for (let i = 0; i < 50; i++) {
    s.send(Uint8Array.of(i), "10.0.0.2", 9000);
    s.send(Uint8Array.of(i), "10.0.0.3", 9000);
  }
  w.network.runUntilIdle(1000);
  const toB = got.filter((g) => g.side === "b").map((g) => g.at);
  const toC = got.filter((g) => g.side === "c").map((g) => g.at);
  t.ok(toB.every((x) => x >= 10 && x <= 15), "jitter within [0, jitterMs]");
  t.ok(new Set(toB).size > 1, "jitter varies");
  t.ok(toC.every((x) => x === 100), "the override applies to its link only");
});

t.test("trace reports every delivery with time and platform", async (t) => {
  const lines: string[] = [];
  const w = world({ trace: (line) => lines.push(line) });
  const client = listenConnect(w);
  w.network.advance(100);
  client.send(2, 11, Uint8Array.of(1, 2));
  client.abort();
  w.network.advance(100);
  t.same(lines, [
    "10 a#0 up #1 from [10.0.0.2]:49152",
    "20 b#0 up #1 from [10.0.0.1,2001:db8::1]:5000",
    "100 b#0 down #1 reason 1",
    "110 a#0 message #1 stream 2 ppid 11 2 bytes",
    "110 a#0 down #1 reason 1",
  ]);
});
