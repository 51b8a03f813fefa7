// Fuzz the SCTP adapter of a registrar process: a seeded storm of malformed
// UDP datagrams at its encapsulation port (bad CRC32c, truncated chunks,
// zero-length parameters, INITs with a zero-length parameter, random bytes,
// valid-CRC garbage, huge length fields, oversize datagrams) plus malformed
// chunks and ASAP garbage on hand-made associations with valid tags, while
// a PE and a PU keep working through the same registrar (the PU resolves
// and echoes throughout). The registrar must never hang or die: the PU
// makes progress during the storm, a new PU is served afterwards, and
// SIGTERM ends the registrar cleanly (exit 0).

import t from "tap";
import dgram from "node:dgram";
import { sctpChecksum } from "../../platform/node/crc32c.js";
import { Prng, RawPeer, chunk, dataChunk, initChunk, packet, param, sackChunk, sleep } from "../platform/node/helpers.js";
import { Cluster, startRegistrar } from "./harness.js";

const SEED = 0x5eed2026;
const ROUNDS = 12;
/** Stateless datagrams per round, and malformed ones on the round's hand-made association. */
const JUNK_PER_ROUND = 400;
const STATEFUL_PER_ROUND = 100;
const TOTAL = ROUNDS * (JUNK_PER_ROUND + STATEFUL_PER_ROUND);
/** The storm lasts about this long. */
const STORM_MS = 3000;

function fixChecksum(b: Buffer): Buffer {
  b.writeUInt32LE(sctpChecksum(b), 8);
  return b;
}

/** An INIT's fixed part followed by `params`, with a valid checksum. */
function initPacket(r: Prng, src: number, dst: number, params: Buffer[]): Buffer {
  return packet(src, dst, 0, [initChunk(r.u32() || 1, r.u32(), params)]);
}

const KINDS = [
  "random", "bad-crc", "valid-crc-garbage", "truncated-chunk", "zero-length-param", "init-zero-length-param",
  "huge-chunk-length", "huge-param-length", "oversize", "valid-init",
] as const;
type Kind = (typeof KINDS)[number];

/** A datagram that needs no association. */
function junk(r: Prng, kind: Kind, src: number, dst: number): Buffer {
  const sample = packet(src, dst, r.u32() || 1, [dataChunk(r.u32(), 0, 0, 11, r.bytes(1 + r.int(60)))]);
  switch (kind) {
    case "random":
      return r.bytes(r.int(400));
    case "bad-crc": {
      const b = Buffer.from(r.int(2) === 0 ? sample : initPacket(r, src, dst, []));
      b.writeUInt32LE((b.readUInt32LE(8) ^ (1 + r.u32() % 0xfffffffe)) >>> 0, 8);
      return b;
    }
    case "valid-crc-garbage":
      return fixChecksum(Buffer.concat([sample.subarray(0, 12), r.bytes(4 + r.int(300))]));
    case "truncated-chunk": {
      const whole = r.int(2) === 0 ? sample : initPacket(r, src, dst, [param(0x000c, Buffer.from([0, 5]))]);
      return fixChecksum(Buffer.from(whole.subarray(0, 13 + r.int(whole.length - 13))));
    }
    case "zero-length-param": // in chunks that carry parameters: INIT, INIT ACK, ABORT causes, ERROR causes, HEARTBEAT info
      return packet(src, dst, r.u32() || 1, [chunk(r.pick([2, 4, 6, 9]), 0, Buffer.concat([r.bytes(r.int(3) * 4), Buffer.from([0, r.int(16), 0, 0])]))]);
    case "init-zero-length-param": {
      // The library's infinite loop: a TLV of length 0 (or 1..3) among INIT parameters.
      const bad = Buffer.from([r.int(2) === 0 ? 0x00 : 0x80, r.int(16), 0, r.int(4)]);
      const params = [param(0x000c, Buffer.from([0, 5])), bad, param(0x8000, Buffer.alloc(0))].slice(r.int(2));
      return initPacket(r, src, dst, params);
    }
    case "huge-chunk-length":
      return packet(src, dst, r.u32() || 1, [chunk(r.int(16), 0, r.bytes(r.int(24)), 0xfff0 + r.int(16))]);
    case "huge-param-length":
      return initPacket(r, src, dst, [param(r.pick([0x0005, 0x0006, 0x000c, 0x8000, 0xc000]), r.bytes(4), 0xfff0 + r.int(16))]);
    case "oversize": // a datagram far above the MTU: a plausible header, then junk or a long run of zero bytes
      return fixChecksum(Buffer.concat([sample.subarray(0, 12), r.int(2) === 0 ? r.bytes(2000 + r.int(14000)) : Buffer.alloc(2000 + r.int(14000), 0)]));
    case "valid-init": // control: must be answered with an INIT ACK
      return initPacket(r, src, dst, []);
  }
}

/** Malformed input on an association the raw peer set up (valid tag and checksum). */
function stateful(r: Prng, peer: RawPeer, dst: number): Buffer {
  const src = peer.localPort;
  const tag = peer.peerTag;
  const tsn = peer.nextTsn;
  switch (r.int(9)) {
    case 0: { // ASAP garbage in a valid DATA chunk (the registrar's decoder sees it)
      const body = r.int(2) === 0 ? r.bytes(r.int(64)) : Buffer.concat([Buffer.from([r.int(16), 0, 0, r.int(256)]), r.bytes(r.int(40))]);
      peer.nextTsn++;
      return packet(src, dst, tag, [dataChunk(tsn, 0, 0, 11, body.length > 0 ? body : Buffer.from([5]))]);
    }
    case 1: // a DATA chunk far ahead of the cumulative TSN
      return packet(src, dst, tag, [dataChunk(tsn + 100000 + r.int(1 << 30), 0, 0, 11, Buffer.from("far"))]);
    case 2: // an invalid stream
      return packet(src, dst, tag, [dataChunk(tsn, 1000 + r.int(60000), 0, 11, Buffer.from("s"))]);
    case 3: // SACK for TSNs never sent, lying gap counts
      return packet(src, dst, tag, [sackChunk(r.u32(), r.u32(), [[1, 65535]], [r.u32()])]);
    case 4: // ERROR with zero-length causes
      return packet(src, dst, tag, [chunk(9, 0, Buffer.from([0, r.int(14), 0, 0]))]);
    case 5: // COOKIE ECHO of junk
      return packet(src, dst, tag, [chunk(10, 0, r.bytes(r.int(200)))]);
    case 6: // HEARTBEAT with a broken info parameter
      return packet(src, dst, tag, [chunk(4, 0, param(1, r.bytes(r.int(20)), r.int(6)))]);
    case 7: // a good DATA chunk followed by a broken one
      return packet(src, dst, tag, [dataChunk(tsn, 0, 0, 11, Buffer.from([5, 0, 0, 4])), chunk(r.int(256), 0, r.bytes(8), r.int(8))]);
    default: // random chunk type and flags, valid framing
      return packet(src, dst, tag, [chunk(r.int(256), r.int(256), r.bytes(r.int(40)))]);
  }
}

t.test("a storm of malformed datagrams at a registrar while a PE and a PU keep working", { timeout: 90000 }, async (t) => {
  const cluster = new Cluster();
  t.teardown(async () => {
    const left = await cluster.teardown();
    if (left.length > 0) throw new Error(`processes left running: ${left.join(", ")}`);
  });
  const reg = await startRegistrar(cluster, "sctp", ["--keep-alive-interval", "1000", "--keep-alive-timeout", "1000"]);
  const pe = cluster.tool("pe", ["server", "-echo", ...reg.clientArgs, "--reregister-interval", "2000", "--log-format", "json", "--run-time", "120000"]);
  const peReady = await pe.waitFor("ready", 15000);
  const pu = cluster.driver("pu", [...reg.clientArgs, "--pool", "EchoPool", "--interval", "20", "--resolve-interval", "20", "--progress", "200"]);
  await pu.waitFor("connected", 15000);
  await pu.waitFor("progress", 5000, (r) => Number(r.received) >= 5 && Number(r.resolutions) >= 5);

  // Replies to the stateless datagrams come back to this socket: INIT ACKs for valid INITs only.
  const r = new Prng(SEED);
  const socket = dgram.createSocket("udp4");
  t.teardown(() => socket.close());
  const replies = { initAck: 0, strayInitAck: 0, other: 0 };
  /** Initiate tags of the valid INITs sent: an INIT ACK carries one as its verification tag. */
  const validTags = new Set<number>();
  socket.on("message", (b) => {
    if (b.length >= 16 && b[12] === 2) {
      if (validTags.has(b.readUInt32BE(4))) replies.initAck++;
      else replies.strayInitAck++;
    } else replies.other++;
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const send = (b: Buffer) => new Promise<void>((resolve) => socket.send(b, reg.udpPort, "127.0.0.1", () => resolve()));

  const sent: Record<string, number> = {};
  let handshakes = 0;
  let datagrams = 0;
  const startedAt = performance.now();
  const progressBefore = pu.all("progress").pop() ?? { received: 0, resolutions: 0 };
  const raw = new RawPeer();
  t.teardown(() => raw.close());
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh hand-made association on the registrar's ASAP port each round
    // (the registrar may have ended the last one for its protocol errors).
    if (await raw.handshake(reg.udpPort, reg.asapPort, 20000 + round, 0x1000 + (r.u32() % 0xfffff000), 2000)) handshakes++;
    for (let i = 0; i < JUNK_PER_ROUND + STATEFUL_PER_ROUND; i++) {
      if (i % 5 === 4) {
        await raw.send(stateful(r, raw, reg.asapPort), reg.udpPort);
        sent.stateful = (sent.stateful ?? 0) + 1;
      } else {
        // Valid INITs are rare controls; the rest spread over the malformed kinds.
        const kind = r.int(50) === 0 ? "valid-init" : KINDS[r.int(KINDS.length - 1)];
        // A quarter to other SCTP ports (no listener), the valid INITs to ASAP's.
        const dst = kind !== "valid-init" && r.int(4) === 0 ? r.int(65536) : reg.asapPort;
        const datagram = junk(r, kind, 30000 + r.int(20000), dst);
        if (kind === "valid-init") validTags.add(datagram.readUInt32BE(16));
        await send(datagram);
        sent[kind] = (sent[kind] ?? 0) + 1;
      }
      datagrams++;
      // Spread the storm evenly over STORM_MS.
      if (datagrams % 20 === 0) {
        const due = startedAt + (datagrams / TOTAL) * STORM_MS;
        const now = performance.now();
        await sleep(due > now ? due - now : 0);
      }
    }
  }
  const stormMs = performance.now() - startedAt;
  await sleep(300);
  const progressAfter = pu.all("progress").pop() ?? { received: 0, resolutions: 0 };
  const echoes = Number(progressAfter.received) - Number(progressBefore.received);
  const resolutions = Number(progressAfter.resolutions) - Number(progressBefore.resolutions);
  // The longest stretch without an echo during the storm.
  const data = pu.all("data").map((x) => x.arrived).filter((a) => a >= startedAt && a <= startedAt + stormMs);
  let gap = data.length > 0 ? data[0] - startedAt : stormMs;
  for (let i = 1; i < data.length; i++) gap = Math.max(gap, data[i] - data[i - 1]);
  t.comment(`${datagrams} datagrams in ${stormMs.toFixed(0)} ms (${Object.entries(sent).map(([k, v]) => `${k}=${v}`).join(" ")})`);
  t.comment(`${handshakes} hand-made associations; replies: ${replies.initAck} INIT ACK, ${replies.strayInitAck} stray INIT ACK, ${replies.other} other`);
  t.comment(`meanwhile the PU got ${echoes} echoes and ${resolutions} resolutions; longest gap between echoes ${gap.toFixed(0)} ms`);

  t.ok(datagrams >= 5000, `several thousand datagrams (${datagrams})`);
  t.ok(handshakes >= ROUNDS / 2, `hand-made associations established (${handshakes})`);
  // Every INIT ACK answers a valid INIT; a datagram the kernel dropped (a
  // full receive buffer under load) may leave a few unanswered.
  t.equal(replies.strayInitAck, 0, "no INIT ACK for a malformed datagram");
  t.ok(replies.initAck >= 0.9 * (sent["valid-init"] ?? 0) && replies.initAck > 0, `the valid INITs were answered (${replies.initAck} of ${sent["valid-init"]})`);
  t.ok(echoes >= 20 && resolutions >= 20, "the PU kept echoing and resolving through the storm");
  t.ok(gap < 2000, `no stall of the PU's session (${gap.toFixed(0)} ms)`);
  t.equal(pu.find("failover"), undefined, "the PU never lost its PE");
  t.equal(pu.find("resolve-failed"), undefined, "no resolution failed");
  t.ok(reg.proc.running && pe.running && pu.running, "every process still running");
  t.equal(reg.proc.find("removed"), undefined, "the registrar kept the PE");
  const protocolErrors = reg.proc.all("protocol-error").length;
  t.ok(protocolErrors > 0, `ASAP garbage on the hand-made associations reached the registrar's decoder (${protocolErrors} protocol-error records)`);
  t.equal(reg.proc.find("warning"), undefined, "no transport or driver warnings at the registrar");

  // Still serving: a new PU resolves and gets echoes.
  const late = cluster.driver("late-pu", [...reg.clientArgs, "--pool", "EchoPool", "--interval", "20", "--messages", "3"]);
  t.same((await late.waitFor("resolved", 10000)).pes, [peReady.pe], "a new PU resolves after the storm");
  t.same(await late.exited, { code: 0, signal: null }, "and gets its echoes");

  t.same(await pu.stop("SIGTERM"), { code: 0, signal: null }, "PU exits 0");
  t.same(await pe.stop("SIGTERM"), { code: 0, signal: null }, "PE exits 0");
  t.same(await reg.proc.stop("SIGTERM", 5000), { code: 0, signal: null }, "registrar exits 0 on SIGTERM");
  t.ok(reg.proc.find("stopped"), "with its final statistics record");
});
