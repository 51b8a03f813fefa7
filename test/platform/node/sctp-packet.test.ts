// Stateless packet checks in front of the npm `sctp` library: checksum,
// header, chunk and parameter walks, the rebuilt chunks it is handed.

import t from "tap";
import { createRequire } from "node:module";
import { crc32c, sctpChecksum } from "../../../platform/node/crc32c.js";
import {
  ACCEPT,
  HAS_ABORT,
  HAS_DATA,
  HAS_INIT,
  REJECT_CHECKSUM,
  REJECT_CHUNK,
  REJECT_CHUNK_LENGTH,
  REJECT_EMPTY,
  REJECT_INIT_RULES,
  REJECT_PORT,
  REJECT_SHORT,
  REJECT_TOO_MANY_CHUNKS,
  REJECT_UNKNOWN_CHUNK,
  REJECT_VTAG,
  checkPacket,
  newCheckedPacket,
} from "../../../platform/node/sctp-packet.js";
import { Prng, chunk, dataChunk, initChunk, packet, param, sackChunk } from "./helpers.js";

const require = createRequire(import.meta.url);
// The library's own chunk parser: what it would do with our output.
const LibraryChunk = require("sctp/lib/chunk.js") as { fromBuffer(b: Buffer): { chunkType?: string } | false };

function check(b: Buffer) {
  const out = newCheckedPacket();
  const r = checkPacket(b, out);
  return { r, out };
}

t.test("CRC32c matches the Castagnoli check value and RFC 3720 vectors", async (t) => {
  t.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  t.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  const inc = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) inc[i] = i;
  t.equal(crc32c(inc), 0x46dd794e);
  // Slicing-by-8 and the byte loop agree at every split.
  const r = new Prng(7).bytes(1000);
  for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 999, 1000]) {
    let slow = 0xffffffff;
    for (let i = 0; i < n; i++) {
      slow ^= r[i];
      for (let k = 0; k < 8; k++) slow = slow & 1 ? (slow >>> 1) ^ 0x82f63b78 : slow >>> 1;
    }
    t.equal(crc32c(r, 0, n), ~slow >>> 0, `length ${n}`);
  }
});

t.test("a valid INIT is accepted and handed over without its parameters", async (t) => {
  const addr = param(5, Buffer.from([127, 0, 0, 1]));
  const p = packet(5000, 3863, 0, [initChunk(0x11223344, 1, [addr, param(0x8000, Buffer.alloc(0))])]);
  const { r, out } = check(p);
  t.equal(r, ACCEPT);
  t.equal(out.srcPort, 5000);
  t.equal(out.dstPort, 3863);
  t.equal(out.present & HAS_INIT, HAS_INIT);
  t.equal(out.chunks.length, 1);
  t.equal(out.chunks[0].length, 20, "fixed part only: address parameters dropped (RFC 6951 s5.4)");
  t.equal(out.chunks[0].readUInt16BE(2), 20);
  t.equal(out.chunks[0].readUInt32BE(4), 0x11223344);
});

t.test("the INIT with a zero-length parameter (library hang) is refused", async (t) => {
  const zero = Buffer.from([0x00, 0x05, 0x00, 0x00]); // type 5, length 0
  t.equal(check(packet(5000, 3863, 0, [initChunk(1, 1, [zero])])).r, REJECT_CHUNK);
  const three = Buffer.from([0x80, 0x00, 0x00, 0x03]);
  t.equal(check(packet(5000, 3863, 0, [initChunk(1, 1, [three])])).r, REJECT_CHUNK);
  // A parameter running past the chunk.
  const long = Buffer.from([0x00, 0x07, 0x01, 0x00]);
  t.equal(check(packet(5000, 3863, 0, [initChunk(1, 1, [long])])).r, REJECT_CHUNK);
  // Zero initiate tag, zero streams.
  t.equal(check(packet(5000, 3863, 0, [initChunk(0, 1)])).r, REJECT_CHUNK);
  const noStreams = initChunk(1, 1);
  noStreams.writeUInt16BE(0, 12);
  t.equal(check(packet(5000, 3863, 0, [noStreams])).r, REJECT_CHUNK);
});

t.test("common header: short, bad checksum, zero ports", async (t) => {
  t.equal(check(Buffer.alloc(0)).r, REJECT_SHORT);
  t.equal(check(Buffer.alloc(15)).r, REJECT_SHORT);
  const good = packet(5000, 3863, 7, [dataChunk(1, 0, 0, 11, Buffer.from("x"))]);
  t.equal(check(good).r, ACCEPT);
  for (let i = 0; i < good.length; i++) {
    if (i >= 8 && i < 12) continue;
    const bad = Buffer.from(good);
    bad[i] ^= 0x40;
    t.equal(check(bad).r, REJECT_CHECKSUM, `flipped byte ${i}`);
  }
  t.equal(check(packet(0, 3863, 7, [dataChunk(1, 0, 0, 11, Buffer.from("x"))])).r, REJECT_PORT);
  t.equal(check(packet(5000, 0, 7, [dataChunk(1, 0, 0, 11, Buffer.from("x"))])).r, REJECT_PORT);
});

t.test("chunk lengths: too short, past the end, truncated packets", async (t) => {
  t.equal(check(packet(1, 2, 7, [chunk(0, 3, Buffer.alloc(20), 3)])).r, REJECT_CHUNK_LENGTH);
  t.equal(check(packet(1, 2, 7, [chunk(0, 3, Buffer.alloc(20), 200)])).r, REJECT_CHUNK_LENGTH);
  const full = packet(1, 2, 7, [dataChunk(1, 0, 0, 11, Buffer.alloc(40)), dataChunk(2, 0, 1, 11, Buffer.alloc(40))]);
  let refused = 0;
  for (let n = 16; n < full.length; n++) {
    // Truncate, then fix the checksum so only the structure is wrong.
    const cut = Buffer.from(full.subarray(0, n));
    const sum = sctpChecksum(cut);
    cut.writeUInt32LE(sum, 8);
    const { r } = check(cut);
    if (r !== ACCEPT) refused++;
  }
  t.ok(refused >= full.length - 16 - 6, `truncations refused: ${refused}`);
  // A DATA chunk with no user data (RFC 4960 s6.2: ABORT-worthy).
  t.equal(check(packet(1, 2, 7, [chunk(0, 3, Buffer.alloc(12))])).r, REJECT_CHUNK);
});

t.test("INIT bundling and verification tag rules", async (t) => {
  t.equal(check(packet(1, 2, 5, [initChunk(1, 1)])).r, REJECT_INIT_RULES, "INIT with a non-zero tag");
  t.equal(check(packet(1, 2, 0, [initChunk(1, 1), dataChunk(1, 0, 0, 0, Buffer.from("x"))])).r, REJECT_INIT_RULES);
  t.equal(check(packet(1, 2, 0, [dataChunk(1, 0, 0, 0, Buffer.from("x"))])).r, REJECT_VTAG, "tag 0 without INIT");
  t.equal(check(packet(1, 2, 7, [initChunk(1, 1, [], 2)])).r, REJECT_CHUNK, "INIT ACK without a cookie");
  const ack = packet(1, 2, 7, [initChunk(1, 1, [param(5, Buffer.from([10, 0, 0, 1])), param(7, Buffer.alloc(60, 9))], 2)]);
  const { r, out } = check(ack);
  t.equal(r, ACCEPT);
  t.equal(out.chunks[0].readUInt16BE(2), 20 + 64, "only the State Cookie kept");
  t.equal(out.chunks[0].readUInt16BE(20), 7);
});

t.test("SACK gap blocks must ascend without overlap and fit the chunk", async (t) => {
  t.equal(check(packet(1, 2, 7, [sackChunk(10, 1000, [[2, 3], [5, 9]], [4])])).r, ACCEPT);
  t.equal(check(packet(1, 2, 7, [sackChunk(10, 1000, [[2, 3], [3, 9]])])).r, REJECT_CHUNK, "overlap");
  t.equal(check(packet(1, 2, 7, [sackChunk(10, 1000, [[5, 3]])])).r, REJECT_CHUNK, "end before start");
  t.equal(check(packet(1, 2, 7, [sackChunk(10, 1000, [[0, 3]])])).r, REJECT_CHUNK, "offset 0");
  const lying = sackChunk(10, 1000, [[2, 3]]);
  lying.writeUInt16BE(5000, 12); // claims 5000 gap blocks
  t.equal(check(packet(1, 2, 7, [lying])).r, REJECT_CHUNK);
});

t.test("ERROR and unsolicited HEARTBEAT ACK are skipped; ABORT loses its causes", async (t) => {
  const zeroCause = chunk(9, 0, Buffer.from([0, 1, 0, 0]));
  t.equal(check(packet(1, 2, 7, [zeroCause])).r, REJECT_EMPTY);
  const mixed = check(packet(1, 2, 7, [dataChunk(1, 0, 0, 11, Buffer.from("a")), zeroCause]));
  t.equal(mixed.r, ACCEPT);
  t.same(mixed.out.types, [0]);
  const abort = check(packet(1, 2, 7, [chunk(6, 1, Buffer.from([0, 1, 0, 0, 0xff]))]));
  t.equal(abort.r, ACCEPT);
  t.equal(abort.out.present & HAS_ABORT, HAS_ABORT);
  t.same([...abort.out.chunks[0]], [6, 1, 0, 4], "bare ABORT, T bit kept");
  t.equal(check(packet(1, 2, 7, [chunk(5, 0, param(1, Buffer.alloc(8)))])).r, REJECT_EMPTY);
});

t.test("HEARTBEAT needs its info parameter; fixed chunks are rebuilt to exact size", async (t) => {
  t.equal(check(packet(1, 2, 7, [chunk(4, 0, Buffer.alloc(0))])).r, REJECT_CHUNK);
  t.equal(check(packet(1, 2, 7, [chunk(4, 0, param(2, Buffer.alloc(4)))])).r, REJECT_CHUNK);
  const hb = check(packet(1, 2, 7, [chunk(4, 0, param(1, Buffer.alloc(10, 3)))]));
  t.equal(hb.r, ACCEPT);
  t.equal(hb.out.chunks[0].readUInt16BE(2), 18);
  // SHUTDOWN ACK with trailing bytes that would parse as a zero-length TLV.
  const sa = check(packet(1, 2, 7, [chunk(8, 0, Buffer.alloc(8))]));
  t.equal(sa.r, ACCEPT);
  t.same([...sa.out.chunks[0]], [8, 0, 0, 4]);
  const sd = check(packet(1, 2, 7, [chunk(7, 0, Buffer.alloc(12))]));
  t.equal(sd.out.chunks[0].length, 8);
  t.equal(check(packet(1, 2, 7, [chunk(7, 0, Buffer.alloc(2))])).r, REJECT_CHUNK, "SHUTDOWN without its TSN");
});

t.test("unrecognised chunk types follow their high bits; COOKIE ECHO must come first", async (t) => {
  t.equal(check(packet(1, 2, 7, [chunk(0x20, 0, Buffer.alloc(4))])).r, REJECT_UNKNOWN_CHUNK, "00: discard packet");
  t.equal(check(packet(1, 2, 7, [chunk(0x40, 0, Buffer.alloc(16))])).r, REJECT_UNKNOWN_CHUNK, "I-DATA not negotiated");
  const skip = check(packet(1, 2, 7, [chunk(0xc0, 0, Buffer.alloc(4)), dataChunk(1, 0, 0, 0, Buffer.from("z"))]));
  t.equal(skip.r, ACCEPT, "10/11: skip (FORWARD TSN)");
  t.equal(skip.out.present & HAS_DATA, HAS_DATA);
  t.equal(skip.out.chunks.length, 1);
  t.equal(check(packet(1, 2, 7, [dataChunk(1, 0, 0, 0, Buffer.from("z")), chunk(10, 0, Buffer.alloc(40))])).r, REJECT_CHUNK);
  const many: Buffer[] = [];
  for (let i = 0; i < 200; i++) many.push(chunk(11, 0, Buffer.alloc(0)));
  t.equal(check(packet(1, 2, 7, many)).r, REJECT_TOO_MANY_CHUNKS);
});

t.test("seeded mutations never throw, and the library parses every accepted chunk", async (t) => {
  const rnd = new Prng(0x5c7b);
  const seeds = [
    packet(1000, 3863, 0, [initChunk(0xabcdef01, 5, [param(5, Buffer.from([1, 2, 3, 4])), param(0x8003, Buffer.from([0x20, 0x99]))])]),
    packet(1000, 3863, 9, [initChunk(0xabcdef01, 5, [param(7, Buffer.alloc(80, 1))], 2)]),
    packet(1000, 3863, 9, [dataChunk(5, 1, 0, 11, Buffer.alloc(30, 2)), sackChunk(3, 9000, [[2, 4]], [1])]),
    packet(1000, 3863, 9, [chunk(6, 0, Buffer.from([0, 1, 0, 6, 0, 9]))]),
    packet(1000, 3863, 9, [chunk(4, 0, param(1, Buffer.alloc(12)))]),
    packet(1000, 3863, 9, [chunk(10, 0, Buffer.alloc(120, 5))]),
    packet(1000, 3863, 9, [chunk(7, 0, Buffer.alloc(4)), chunk(8, 0, Buffer.alloc(0)), chunk(14, 1, Buffer.alloc(0))]),
  ];
  let accepted = 0;
  let libraryThrew = 0;
  let badLength = 0;
  const reasons = new Set<number>();
  for (let i = 0; i < 20000; i++) {
    const b = Buffer.from(rnd.pick(seeds));
    const edits = 1 + rnd.int(4);
    for (let k = 0; k < edits; k++) {
      const at = 12 + rnd.int(b.length - 12);
      const what = rnd.int(3);
      if (what === 0) b[at] = rnd.int(256);
      else if (what === 1) b[at] = 0;
      else b.writeUInt16BE(rnd.int(8), Math.min(at, b.length - 2)); // tiny lengths
    }
    // Half keep a valid checksum, so the structure checks are what refuses them.
    if (rnd.next() < 0.5) b.writeUInt32LE(sctpChecksum(b), 8);
    const out = newCheckedPacket();
    const r = checkPacket(b, out);
    reasons.add(r);
    if (r !== ACCEPT) continue;
    accepted++;
    for (const c of out.chunks) {
      const len = c.readUInt16BE(2);
      if (!(len >= 4 && len <= c.length)) badLength++;
      try {
        LibraryChunk.fromBuffer(c);
      } catch {
        libraryThrew++;
      }
    }
  }
  t.ok(accepted > 100, `some mutations stay valid (${accepted})`);
  t.ok(reasons.size >= 6, `many refusal reasons seen: ${[...reasons].join(",")}`);
  t.equal(badLength, 0, "every handed-over chunk's length lies within its buffer");
  t.equal(libraryThrew, 0, "the library's parser never throws on what we hand it");
});
