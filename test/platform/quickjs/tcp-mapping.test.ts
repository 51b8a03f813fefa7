// The TCP mapping over the QuickJS socket layer (fds, readiness, partial
// writes, shutdown, RST) inside quickjs-emscripten, against raw Node peers:
// connect refused, graceful close (FIN, then the peer's FIN), peer FIN,
// abort (RST at the peer), frames larger than one read, accepting.
import t from "tap";
import net from "node:net";
import type { Test } from "tap";
import { DOWN_ABORTED, DOWN_CLOSED, DOWN_CONNECT_FAILED } from "../../../core/driver/platform.js";
import { createQuickJSHost } from "./harness.js";
import type { QuickJSHost } from "./harness.js";
import { freeTcpPort, Reports } from "./echo-pe.js";

const RECORDER = `
var tp = RSP.createQuickJSPlatform({ os: os, net: net, now: Date.now });
var links = {};
function sum(b) { var s = 0; for (var i = 0; i < b.length; i++) s = (s * 31 + b[i]) >>> 0; return s; }
var rec = {
  onUp: function (name, a, addresses, port) { links[name] = a; __host.report("up", name + " " + addresses.join(",") + " " + port); },
  onMessage: function (name, a, stream, ppid, bytes) { __host.report("message", name + " " + stream + " " + ppid + " " + bytes.length + " " + sum(bytes)); },
  onDown: function (name, a, reason) { __host.report("down", name + " " + reason); }
};
var accepted = 0;
var acceptor = { onUp: function (t, a, addresses, port) { accepted++; rec.onUp("in" + accepted, a, addresses, port); },
  onMessage: function (t, a, s, p, b) { a.send(s, p, b); }, onDown: function () {} };
function connect(name, port) { links[name] = tp.tcp.connect(["127.0.0.1"], port, { localAddresses: [], localPort: 0 }, rec, name); return 0; }
`;

function sum(b: Uint8Array): number {
  let s = 0;
  for (const x of b) s = (s * 31 + x) >>> 0;
  return s;
}

function frame(stream: number, ppid: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 1;
  b.writeUInt16BE(stream, 2);
  b.writeUInt32BE(12 + payload.length, 4);
  b.writeUInt32BE(ppid >>> 0, 8);
  b.set(payload, 12);
  return b;
}

async function world(t: Test): Promise<{ host: QuickJSHost; reports: Reports; server: net.Server; peers: net.Socket[]; port: number }> {
  const reports = new Reports();
  t.teardown(() => reports.cancel());
  const host = await createQuickJSHost(1024 * 1024, (k, v) => reports.report(k, v));
  t.teardown(() => host.dispose());
  host.eval(RECORDER + "0");
  t.teardown(() => host.eval("tp.close(); 0"));
  const peers: net.Socket[] = [];
  // Half-open allowed: the peer sends its FIN only when the test says so.
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on("error", () => undefined);
    peers.push(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.teardown(() => {
    for (const p of peers) p.destroy();
    server.close();
  });
  return { host, reports, server, peers, port: (server.address() as net.AddressInfo).port };
}

t.test("connect refused, graceful close, peer FIN, abort", async (t) => {
  const { host, reports, peers, port } = await world(t);
  const closed = await freeTcpPort();
  host.eval(`connect("refused", ${closed})`);
  t.equal(await reports.next("down", 1, 2000), `refused ${DOWN_CONNECT_FAILED}`, "refused: DOWN_CONNECT_FAILED (socketError)");

  host.eval(`connect("a", ${port})`);
  t.equal(await reports.next("up", 1, 2000), `a 127.0.0.1 ${port}`, "up with the peer address");
  const a = peers[0];
  let ended = false;
  a.on("end", () => (ended = true));
  host.eval(`links.a.close(); 0`);
  await new Promise((r) => setTimeout(r, 50));
  t.ok(ended, "close(): FIN at the peer");
  t.equal(reports.of("down").length, 1, "not down before the peer's FIN");
  a.end();
  t.equal(await reports.next("down", 2, 2000), `a ${DOWN_CLOSED}`, "then DOWN_CLOSED");

  host.eval(`connect("b", ${port})`);
  await reports.next("up", 2, 2000);
  peers[1].end();
  t.equal(await reports.next("down", 3, 2000), `b ${DOWN_CLOSED}`, "peer FIN: DOWN_CLOSED");

  host.eval(`connect("c", ${port})`);
  await reports.next("up", 3, 2000);
  const c = peers[2];
  const reset = new Promise<string>((resolve) => c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")));
  host.eval(`links.c.abort(); 0`);
  t.equal(reports.of("down").length, 3, "no callback from inside abort()");
  t.equal(await reports.next("down", 4, 2000), `c ${DOWN_ABORTED}`, "DOWN_ABORTED");
  t.equal(await reset, "ECONNRESET", "the peer saw RST");
  t.same(host.errors, []);
  t.equal(host.eval("tp.tcp.associations()"), 0);
});

t.test("frames larger than a read, both ways; an accepted association", async (t) => {
  const { host, reports, peers, port } = await world(t);
  host.eval(`connect("a", ${port})`);
  await reports.next("up", 1, 2000);
  const big = Buffer.alloc(40000);
  for (let i = 0; i < big.length; i++) big[i] = (i ^ (i >> 7)) & 0xff;
  peers[0].write(Buffer.concat([frame(3, 77, big), frame(4, 78, Buffer.from("tail"))]));
  t.equal(await reports.next("message", 1, 3000), `a 3 77 ${big.length} ${sum(big)}`, "40000-byte message reassembled from 1460-byte reads");
  t.equal(await reports.next("message", 2, 3000), `a 4 78 4 ${sum(Buffer.from("tail"))}`, "and the frame after it");

  const listenPort = await freeTcpPort();
  host.eval(`var listener = tp.tcp.listen({ addresses: ["127.0.0.1"], port: ${listenPort} }, acceptor, null); 0`);
  t.equal(host.eval("listener.port"), listenPort);
  await new Promise((r) => setTimeout(r, 20));
  const client = net.connect({ host: "127.0.0.1", port: listenPort });
  t.teardown(() => client.destroy());
  let got = Buffer.alloc(0);
  client.on("data", (b) => (got = Buffer.concat([got, b])));
  await new Promise((r) => client.once("connect", r));
  t.match(await reports.next("up", 2, 2000), new RegExp(`^in1 127\\.0\\.0\\.1 ${client.localPort}$`), "accepted: peer address and port via getpeername");
  const sent = frame(9, 99, big);
  client.write(sent);
  const end = performance.now() + 3000;
  while (got.length < sent.length && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  t.same(got, sent, "echoed by the VM through queued partial writes, framed identically");
  t.same(host.errors, []);
});
