// Interoperability with an independent SCTP stack: usrsctp's example
// programs (Debian libusrsctp-examples) over UDP encapsulation.
// echo_server / discard_server take [local_encaps_port] [remote_encaps_port]
// and listen on SCTP ports 7 / 9; client takes
// remote_addr remote_port local_port local_encaps_port remote_encaps_port
// and sends its stdin line by line.

import t from "tap";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { DOWN_CLOSED } from "../../../core/driver/platform.js";
import type { Association } from "../../../core/driver/platform.js";
import { SctpTransport } from "../../../platform/node/sctp-transport.js";
import { Recorder, freeUdpPort, poll } from "./helpers.js";

const DIR = "/usr/lib/usrsctp";
const missing = !existsSync(`${DIR}/echo_server`) ? `usrsctp examples not installed (${DIR}); apt-get install libusrsctp-examples` : false;

function run(t: { teardown(fn: () => void): void }, program: string, args: string[], output = false): ChildProcess {
  // The servers print a line per message: an unread pipe would fill and block them.
  const child = spawn(`${DIR}/${program}`, args, { stdio: ["pipe", output ? "pipe" : "ignore", "ignore"] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return child;
}

/** Connect, retrying while the usrsctp program starts up. */
async function connectTo(udpPort: number, sctpPort: number, rec: Recorder, t: { teardown(fn: () => void): void }): Promise<Association> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const c = new SctpTransport({ remoteUdpPort: udpPort, handshakeTimeout: 700 });
    t.teardown(() => c.close());
    const a = c.connect(["127.0.0.1"], sctpPort, { localAddresses: [], localPort: 0 }, rec, attempt);
    await rec.until(() => rec.count("up", a) === 1 || rec.count("down", a) === 1, 3000, "handshake outcome");
    if (rec.count("up", a) === 1) return a;
  }
  throw new Error("usrsctp never answered");
}

t.test("our client against usrsctp echo_server", { skip: missing }, async (t) => {
  const encaps = await freeUdpPort();
  run(t, "echo_server", [String(encaps)]);
  const rec = new Recorder();
  const a = await connectTo(encaps, 7, rec, t);
  const up = rec.of("up", a)[0];
  t.same(up.addresses, ["127.0.0.1"]);
  t.equal(up.port, 7);
  const N = 60;
  for (let i = 0; i < N; i++) {
    const b = Buffer.alloc(20 + i * 13, i);
    b.writeUInt16BE(i, 0);
    a.send(i % 4, i % 2 === 0 ? 11 : 12, b);
  }
  const big = Buffer.alloc(8000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  a.send(1, 11, big); // fragmented over several DATA chunks, under echo_server's 10240-byte buffer
  await rec.until(() => rec.count("message", a) === N + 1, 8000, "echoes from usrsctp");
  const next = [0, 0, 0, 0];
  let bad = 0;
  for (const m of rec.of("message", a)) {
    if (m.bytes.length === 8000) {
      if (!Buffer.from(m.bytes).equals(big) || m.stream !== 1 || m.ppid !== 11) bad++;
      continue;
    }
    const i = Buffer.from(m.bytes).readUInt16BE(0);
    if (i !== next[m.stream] * 4 + m.stream || m.ppid !== (i % 2 === 0 ? 11 : 12) || m.bytes.length !== 20 + i * 13) bad++;
    next[m.stream]++;
  }
  t.equal(bad, 0, "identical echoes: content, stream, PPID, order per stream");
  a.close();
  await rec.until(() => rec.count("down", a) === 1, 4000, "shutdown with usrsctp");
  t.equal(rec.of("down", a)[0].reason, DOWN_CLOSED);
});

t.test("our client against usrsctp discard_server: graceful close after data", { skip: missing }, async (t) => {
  const encaps = await freeUdpPort();
  run(t, "discard_server", [String(encaps)]);
  const rec = new Recorder();
  const a = await connectTo(encaps, 9, rec, t);
  for (let i = 0; i < 200; i++) a.send(0, 39, Buffer.alloc(500, i));
  a.close();
  await rec.until(() => rec.count("down", a) === 1, 6000, "shutdown completes once all data is acknowledged");
  t.equal(rec.of("down", a)[0].reason, DOWN_CLOSED);
  t.equal(rec.count("message", a), 0);
});

t.test("usrsctp client against our server", { skip: missing }, async (t) => {
  const server = new SctpTransport({ udpPort: 0 });
  t.teardown(() => server.close());
  const rec = new Recorder();
  rec.onEachMessage = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
  const listener = server.listen({ addresses: ["127.0.0.1"], port: 3863 }, rec, null);
  const [udpPort] = await listener.ready;
  const encaps = await freeUdpPort();
  const child = run(t, "client", ["127.0.0.1", "3863", "0", String(encaps), String(udpPort)], true);
  let out = "";
  (child.stdout as NodeJS.ReadableStream).on("data", (d: Buffer) => (out += d.toString("latin1")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await rec.until(() => rec.count("up") === 1, 5000, "usrsctp client associated");
  t.same(rec.of("up")[0].addresses, ["127.0.0.1"]);
  (child.stdin as NodeJS.WritableStream).write("hello from usrsctp\n");
  (child.stdin as NodeJS.WritableStream).write("second line\n");
  await rec.until(() => rec.count("message") === 2, 4000, "lines received");
  t.same(
    rec.of("message").map((m) => Buffer.from(m.bytes).toString()),
    ["hello from usrsctp\n", "second line\n"],
  );
  t.equal(rec.of("message")[0].ppid, 0);
  await poll(() => out.includes("second line"), 4000, "echo printed by the usrsctp client");
  t.match(out, /hello from usrsctp\nsecond line\n/);
  // EOF on stdin: the client shuts the association down (SHUT_WR).
  (child.stdin as NodeJS.WritableStream).end();
  await rec.until(() => rec.count("down") === 1, 5000, "shutdown initiated by usrsctp");
  t.equal(rec.of("down")[0].reason, DOWN_CLOSED);
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 4000))]);
  t.equal(code, 0, "usrsctp client saw SHUTDOWN COMPLETE and exited");
  t.match(out, /SCTP_SHUTDOWN_COMP/);
});
