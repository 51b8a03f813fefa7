// 1,000,000 register/deregister cycles over a bounded set of handles end
// with the heap where it started (after a warm-up that lets the tables
// reach their steady size).
import t from "tap";
import v8 from "node:v8";
import vm from "node:vm";
import { POLICY_ROUND_ROBIN, POLICY_WEIGHTED_RANDOM, type PoolElement } from "../../core/wire/index.js";
import { createXorshift } from "../../core/handlespace/index.js";
import { handle, meta, pe, policy, space } from "./helpers.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heap(): number {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

t.test("no growth over a million register/deregister cycles", async (t) => {
  const hs = space(1);
  const handles = Array.from({ length: 64 }, (_, i) => handle(`leak-pool-${i}`));
  // Pools alternate between a sorting and a randomized policy.
  const elements: PoolElement[] = [];
  for (let i = 0; i < 4096; i++) {
    const type = (i % 64) % 2 === 0 ? POLICY_ROUND_ROBIN : POLICY_WEIGHTED_RANDOM;
    elements.push(pe(1 + i, policy(type, { weight: 1 + (i % 5) }), {
      addresses: i % 3 === 0 ? ["10.0.0.1", "2001:db8::1"] : ["10.0.0.2"],
    }));
  }
  const m = meta({ deadline: 1e12 });
  const live = new Int32Array(512).fill(-1); // element index per live position
  const out = new Int32Array(3);
  const random = createXorshift(77);
  let errors = 0;

  const cycles = (n: number) => {
    for (let c = 0; c < n; c++) {
      const position = random() & 511;
      const previous = live[position];
      if (previous >= 0) {
        if (!hs.deregister(handles[previous % 64], elements[previous].identifier)) errors++;
        live[position] = -1;
      }
      // Element indices are partitioned by position so no two positions hold the same PE.
      const index = position * 8 + (random() & 7);
      m.association = 1 + (index & 15);
      m.owner = 1 + (index & 3);
      if (hs.register(handles[index % 64], elements[index], m) !== 0) errors++;
      live[position] = index;
      if ((c & 7) === 0) hs.resolve(handles[c & 63], 3, out, 0);
    }
  };

  cycles(100000);
  const before = heap();
  cycles(1000000);
  const after = heap();
  t.equal(errors, 0);
  t.ok(hs.count <= 512);
  const growth = after - before;
  t.ok(Math.abs(growth) < 256 * 1024, `heap change ${growth} bytes`);
  // Deregister everything: the handlespace is empty again.
  for (let p = 0; p < 512; p++) if (live[p] >= 0) hs.deregister(handles[live[p] % 64], elements[live[p]].identifier);
  t.equal(hs.count, 0);
  t.equal(hs.poolCount, 0);
  t.equal(hs.checksum(), 0xffff);
});
