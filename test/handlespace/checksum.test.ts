// PE checksums (RFC 5353): known values, and the incrementally maintained
// handlespace and per-owner checksums against a from-scratch computation
// after random operation sequences.
import t from "tap";
import { POLICY_LEAST_USED, POLICY_ROUND_ROBIN, POLICY_WEIGHTED_RANDOM } from "../../core/wire/index.js";
import { type Handlespace } from "../../core/handlespace/index.js";
import { add, handle, meta, pe, policy, space } from "./helpers.js";

/** RFC 1071 sum over the handle's 16-bit big-endian words (odd byte zero-padded) and the identifier. */
function referenceSum(h: Uint8Array, id: number): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i] << 8) + (i + 1 < h.length ? h[i + 1] : 0);
  sum += Math.floor(id / 65536) + (id % 65536);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

function referenceChecksum(sums: number[]): number {
  let sum = 0;
  for (const s of sums) {
    sum += s;
    while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  }
  return ~sum & 0xffff;
}

/** From-scratch checksums of all PEs and per owner, via the public iteration API. */
function scratch(hs: Handlespace): { all: number; owners: Map<number, number> } {
  const all: number[] = [];
  const byOwner = new Map<number, number[]>();
  hs.forEachPool((_: null, poolRef: number) => {
    hs.forEachInPool(poolRef, (__: null, ref: number) => {
      const s = referenceSum(hs.poolHandle(poolRef), hs.getIdentifier(ref));
      all.push(s);
      const o = hs.getOwner(ref);
      if (!byOwner.has(o)) byOwner.set(o, []);
      byOwner.get(o)!.push(s);
    }, null);
  }, null);
  const owners = new Map<number, number>();
  for (const [o, list] of byOwner) owners.set(o, referenceChecksum(list));
  return { all: referenceChecksum(all), owners };
}

t.test("known values", async (t) => {
  const hs = space(1);
  t.equal(hs.checksum(), 0xffff, "empty handlespace");
  add(hs, handle("AB"), pe(0x00010002, policy(POLICY_ROUND_ROBIN, {})), meta({ owner: 9 }));
  // 0x4142 + 0x0001 + 0x0002 = 0x4145
  t.equal(hs.checksum(), ~0x4145 & 0xffff);
  t.equal(hs.ownerChecksum(9), ~0x4145 & 0xffff);
  t.equal(hs.ownerChecksum(10), 0xffff);
  add(hs, handle("A"), pe(0xffffffff, policy(POLICY_ROUND_ROBIN, {})), meta({ owner: 10 }));
  // 0x4100 + 0xffff + 0xffff = 0x240fe -> 0x40fe + 2 = 0x4100
  t.equal(hs.elementSum(hs.find(handle("A"), 0xffffffff)), 0x4100);
  // 0x4145 + 0x4100 = 0x8245
  t.equal(hs.checksum(), ~0x8245 & 0xffff);
  hs.deregister(handle("AB"), 0x00010002);
  t.equal(hs.checksum(), ~0x4100 & 0xffff);
  t.equal(hs.ownerChecksum(9), 0xffff);
});

t.test("incremental checksums equal a from-scratch computation after random operations", async (t) => {
  let rnd = 2024;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  for (let run = 0; run < 6; run++) {
    const hs = space(100 + run, { maxBadPeReports: 2 });
    const handles = Array.from({ length: 12 }, (_, i) => handle(`pool-${i}-${"x".repeat(i % 5)}`));
    const types = [POLICY_ROUND_ROBIN, POLICY_LEAST_USED, POLICY_WEIGHTED_RANDOM];
    let mismatches = 0;
    for (let step = 0; step < 3000; step++) {
      const h = handles[next() % handles.length];
      const type = types[handles.indexOf(h) % 3];
      const id = 1 + (next() % 60) * 0x01010101;
      const r = next() % 12;
      if (r < 5) {
        hs.register(h, pe(id, policy(type, { load: next() % 3, weight: 1 })),
          meta({ owner: 1 + next() % 4, association: 1 + next() % 5, deadline: step + next() % 500 }));
      } else if (r < 7) {
        hs.deregister(h, id);
      } else if (r === 7) {
        hs.reportUnreachable(h, id, null, null);
      } else if (r === 8) {
        hs.expire(step, null, null);
      } else if (r === 9) {
        hs.removeAssociation(1 + next() % 5, null, null);
      } else if (r === 10) {
        const ref = hs.find(h, id);
        if (ref >= 0) hs.setOwner(ref, 1 + next() % 4, false);
      } else {
        hs.resolve(h, 3, new Int32Array(3), 0);
      }
      if (step % 100 === 99) {
        const s = scratch(hs);
        if (s.all !== hs.checksum()) mismatches++;
        for (let o = 1; o <= 5; o++) {
          if ((s.owners.get(o) ?? 0xffff) !== hs.ownerChecksum(o)) mismatches++;
          let n = 0;
          hs.forEachOwned(o, () => n++, null);
          if (n !== hs.ownedCount(o)) mismatches++;
        }
      }
    }
    t.equal(mismatches, 0, `run ${run}: ${hs.count} PEs in ${hs.poolCount} pools`);
  }
});
