// Fuzz the SCTP adapter over real sockets: a seeded stream of hostile UDP
// datagrams at the listening encapsulation port (random bytes, bad
// checksums, valid-checksum garbage, truncated chunks, INITs with
// zero-length parameters) plus malformed chunks carrying a valid tag on a
// hand-made association, while a good association keeps exchanging
// messages. The process must not hang or die, the good association must not
// notice, and the listener must still accept new peers afterwards.

import t from "tap";
import { DOWN_CLOSED } from "../../../core/driver/platform.js";
import { sctpChecksum } from "../../../platform/node/crc32c.js";
import { REJECT_NAMES } from "../../../platform/node/sctp-packet.js";
import { SctpTransport } from "../../../platform/node/sctp-transport.js";
import {
  Prng,
  RawPeer,
  Recorder,
  chunk,
  dataChunk,
  initChunk,
  packet,
  param,
  sackChunk,
  sleep,
} from "./helpers.js";

const SEED = 0x0f0221;
const ROUNDS = 30;
const STATEFUL_PER_ROUND = 80;
const JUNK_PER_ROUND = 80;
const PORT = 3863;

function fixChecksum(b: Buffer): Buffer {
  b.writeUInt32LE(sctpChecksum(b), 8);
  return b;
}

/** Malformed chunks that pass the checksum and carry the association's tag. */
function statefulCase(r: Prng, peer: RawPeer): Buffer {
  const src = peer.localPort;
  const tag = peer.peerTag;
  const tsn = peer.nextTsn;
  const body = r.bytes(r.int(40));
  switch (r.int(14)) {
    case 0: // DATA far ahead of the cumulative TSN (library scan hang)
      return packet(src, PORT, tag, [dataChunk(tsn + 100000 + r.int(1 << 30), 0, 0, 11, Buffer.from("far"))]);
    case 1: // DATA far behind
      return packet(src, PORT, tag, [dataChunk(tsn - 50000 - r.int(1 << 30), 0, 0, 11, Buffer.from("old"))]);
    case 2: // invalid stream
      return packet(src, PORT, tag, [dataChunk(tsn, 1000 + r.int(60000), 0, 11, Buffer.from("s"))]);
    case 3: // DATA header only / short
      return packet(src, PORT, tag, [chunk(0, 3, r.bytes(r.int(13)))]);
    case 4: // SACK acknowledging what was never sent, huge gaps, many dups
      return packet(src, PORT, tag, [sackChunk(r.u32(), r.u32(), [[1, 65535]], Array.from({ length: r.int(60) }, () => r.u32()))]);
    case 5: { // SACK with lying counts
      const s = sackChunk(peer.peerTsn, 100000, [[2, 3]]);
      s.writeUInt16BE(r.int(65536), 12);
      s.writeUInt16BE(r.int(65536), 14);
      return packet(src, PORT, tag, [s]);
    }
    case 6: // ERROR with zero-length / short causes
      return packet(src, PORT, tag, [chunk(9, 0, Buffer.from([0, r.int(14), 0, r.int(6), ...r.bytes(r.int(3))]))]);
    case 7: // ABORT with junk causes (ends the hand-made association)
      return packet(src, PORT, tag, [chunk(6, r.int(2), Buffer.from([0, r.int(14), 0, 0, ...body]))]);
    case 8: // HEARTBEAT without or with broken info
      return packet(src, PORT, tag, [chunk(4, 0, r.int(2) === 0 ? body : param(1, body, r.int(6)))]);
    case 9: // COOKIE ECHO of junk with a valid tag
      return packet(src, PORT, tag, [chunk(10, 0, r.bytes(r.int(200)))]);
    case 10: // SHUTDOWN family with odd lengths
      return packet(src, PORT, tag, [chunk(r.pick([7, 8, 14]), r.int(256), r.bytes(r.int(9)))]);
    case 11: // valid framing, random type and body
      return packet(src, PORT, tag, [chunk(r.int(256), r.int(256), body)]);
    case 12: { // a valid DATA packet with random edits, checksum fixed
      const b = packet(src, PORT, tag, [dataChunk(tsn, r.int(4), r.int(3), 11, r.bytes(1 + r.int(30)))]);
      for (let k = 0; k < 1 + r.int(3); k++) b[12 + r.int(b.length - 12)] = r.int(256);
      return fixChecksum(b);
    }
    default: // several chunks, one of them broken
      return packet(src, PORT, tag, [dataChunk(tsn, 0, 0, 11, Buffer.from("ok")), chunk(r.int(256), 0, body, r.int(8))]);
  }
}

/** Datagrams that need no association. */
function junkCase(r: Prng, srcPort: number): Buffer {
  const template = packet(srcPort, PORT, r.u32() || 1, [dataChunk(r.u32(), 0, 0, 11, r.bytes(1 + r.int(40)))]);
  switch (r.int(8)) {
    case 0: // random bytes
      return r.bytes(r.int(300));
    case 1: { // one flipped bit, stale checksum
      const b = Buffer.from(template);
      const at = r.int(b.length);
      b[at] ^= 1 << r.int(8);
      if (at >= 8 && at < 12) b[0] ^= 1;
      return b;
    }
    case 2: { // valid-checksum garbage after a plausible header
      const b = Buffer.concat([template.subarray(0, 12), r.bytes(4 + r.int(200))]);
      return fixChecksum(b);
    }
    case 3: { // truncated, checksum fixed
      const b = Buffer.from(template.subarray(0, 12 + r.int(template.length - 12)));
      return b.length >= 12 ? fixChecksum(b) : b;
    }
    case 4: { // INIT with a zero-length (or < 4) parameter: the library's infinite loop
      const bad = Buffer.from([r.int(2) === 0 ? 0x00 : 0x80, r.int(12), 0, r.int(4)]);
      const params = [param(0x000c, Buffer.from([0, 5])), bad, param(0x8000, Buffer.alloc(0))].slice(r.int(2));
      return packet(srcPort, PORT, 0, [initChunk(r.u32() || 1, r.u32(), params)]);
    }
    case 5: // INIT with a tag, or bundled
      return r.int(2) === 0
        ? packet(srcPort, PORT, r.u32() || 1, [initChunk(r.u32() || 1, 1)])
        : packet(srcPort, PORT, 0, [initChunk(r.u32() || 1, 1), dataChunk(1, 0, 0, 0, Buffer.from("x"))]);
    case 6: // chunk length overruns
      return packet(srcPort, PORT, r.u32() || 1, [chunk(r.int(16), 0, r.bytes(r.int(20)), 200 + r.int(60000))]);
    default: // out-of-the-blue chunks the responder must answer or ignore
      return packet(srcPort, PORT, r.u32() || 1, [chunk(r.pick([3, 4, 6, 7, 8, 11, 14]), r.int(2), r.bytes(r.int(16)))]);
  }
}

t.test("hostile datagrams at the listening port; the good association keeps working", async (t) => {
  const r = new Prng(SEED);
  const server = new SctpTransport({ udpPort: 0 });
  t.teardown(() => server.close());
  const srec = new Recorder();
  srec.onEachMessage = (a, stream, ppid, bytes) => a.send(stream, ppid, bytes);
  const listener = server.listen({ addresses: ["127.0.0.1"], port: PORT }, srec, null);
  const [udpPort] = await listener.ready;

  // The good association: ping-pong with content checks for the whole run.
  const client = new SctpTransport({ remoteUdpPort: udpPort });
  t.teardown(() => client.close());
  const crec = new Recorder();
  let sent = 0;
  let corrupt = 0;
  let running = true;
  crec.onEachMessage = (a, stream, ppid, bytes) => {
    const b = Buffer.from(bytes);
    if (b.length !== 32 || b.readUInt32BE(0) !== crec.count("message") - 1 || ppid !== 11 + (b[4] & 1) || stream !== b[4] % 3) corrupt++;
    if (running) send(a);
  };
  const send = (a: { send(s: number, p: number, b: Uint8Array): void }) => {
    const b = Buffer.alloc(32, sent & 0xff);
    b.writeUInt32BE(sent, 0);
    b[4] = sent & 0xff;
    a.send(b[4] % 3, 11 + (b[4] & 1), b);
    sent++;
  };
  crec.onEachUp = (a) => send(a);
  client.connect(["127.0.0.1"], PORT, { localAddresses: [], localPort: 0 }, crec, null);
  await crec.until(() => crec.count("message") > 0, 3000, "good association up and echoing");

  const raw = new RawPeer();
  t.teardown(() => raw.close());
  const junk = new RawPeer();
  t.teardown(() => junk.close());
  let handshakes = 0;
  let datagrams = 0;
  const before = crec.count("message");
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh hand-made association each round (the last may have been aborted).
    if (await raw.handshake(udpPort, PORT, 20000 + round, 0x1000 + r.u32() % 0xfffff000, 1500)) handshakes++;
    const progress = crec.count("message");
    for (let i = 0; i < STATEFUL_PER_ROUND + JUNK_PER_ROUND; i++) {
      if (i % 2 === 0) await raw.send(statefulCase(r, raw), udpPort);
      else await junk.send(junkCase(r, 30000 + r.int(1000)), udpPort);
      datagrams++;
      if (i % 16 === 15) await sleep(1);
    }
    // The good association advanced during this round's burst.
    await crec.until(() => crec.count("message") > progress, 3000, `progress in round ${round}`);
  }
  running = false;
  const during = crec.count("message") - before;

  // Still accepting new peers after all that.
  const late = new Recorder();
  const other = new SctpTransport({ remoteUdpPort: udpPort });
  t.teardown(() => other.close());
  const b = other.connect(["127.0.0.1"], PORT, { localAddresses: [], localPort: 0 }, late, null);
  await late.until(() => late.count("up") === 1, 3000, "a new peer after the fuzz");
  b.send(0, 12, Buffer.from("still here"));
  await late.until(() => late.count("message") === 1, 2000, "new peer echo");

  const st = server.stats;
  const refusals = REJECT_NAMES.map((name, i) => `${name}=${st.rejected[i]}`).filter((_, i) => i > 0 && st.rejected[i] > 0);
  t.comment(`${datagrams} hostile datagrams, ${handshakes} hand-made associations, ${during} good echoes meanwhile`);
  t.comment(`refused: ${refusals.join(" ")}; chunks dropped by association checks ${st.chunksDropped}; library throws ${st.libraryErrors}`);
  t.equal(crec.count("down"), 0, "the good association never went down");
  t.equal(corrupt, 0, "every echo intact and in order");
  t.ok(handshakes >= ROUNDS / 2, `hand-made associations established (${handshakes})`);
  t.ok(st.rejected[2] > 0 && st.rejected[4] + st.rejected[5] > 0 && st.rejected[1] > 0, "checksum, chunk and length refusals all seen");
  t.ok(st.chunksDropped > 0, "association checks dropped chunks (TSN window, SACK, stream)");
  // Clean close of the good association at the end.
  crec.of("up")[0].association.close();
  await crec.until(() => crec.count("down") === 1, 4000, "good association closes");
  t.equal(crec.of("down")[0].reason, DOWN_CLOSED);
});
