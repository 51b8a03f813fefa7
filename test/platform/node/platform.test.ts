// createNodePlatform: clock, timers, randomness, transports, teardown.

import t from "tap";
import { createNodePlatform } from "../../../platform/node/platform.js";
import { sleep } from "./helpers.js";

t.test("clock is monotonic milliseconds", async (t) => {
  const p = createNodePlatform({ datagram: false });
  t.teardown(() => p.close());
  const a = p.now();
  await sleep(20);
  const b = p.now();
  t.ok(b - a >= 15 && b - a < 1000, `about 20 ms passed (${(b - a).toFixed(1)})`);
  let back = 0;
  let prev = p.now();
  for (let i = 0; i < 10000; i++) {
    const n = p.now();
    if (n < prev) back++;
    prev = n;
  }
  t.equal(back, 0, "never goes backwards");
});

t.test("timers fire in deadline order, never early, with their target", async (t) => {
  const p = createNodePlatform({ datagram: false });
  t.teardown(() => p.close());
  const fired: Array<{ target: unknown; early: number }> = [];
  const base = p.now();
  const fire = (target: unknown) => {
    const deadline = base + (target as number);
    fired.push({ target, early: deadline - p.now() });
  };
  const ids = [30, 10, 20, 0, -5].map((d) => p.setTimer(base + d, fire, d));
  t.equal(new Set(ids).size, 5, "distinct ids");
  const cancelled = p.setTimer(base + 15, fire, "cancelled");
  p.clearTimer(cancelled);
  p.clearTimer(cancelled); // twice: harmless
  p.clearTimer(123456); // unknown: harmless
  await sleep(80);
  // Past deadlines (-5, 0) fire first, in the order they were set.
  t.same(fired.map((f) => f.target), [0, -5, 10, 20, 30]);
  t.ok(fired.every((f) => f.early <= 0), "fired at or after the deadline");
});

t.test("a timer set from a firing timer, and close() cancelling pending timers", async (t) => {
  const p = createNodePlatform({ datagram: false });
  let second = false;
  p.setTimer(p.now() + 5, () => p.setTimer(p.now() + 5, () => (second = true), null), null);
  await sleep(60);
  t.ok(second);
  let late = false;
  p.setTimer(p.now() + 20, () => (late = true), null);
  p.close();
  p.close();
  await sleep(50);
  t.notOk(late, "closed platform fires nothing");
});

t.test("random bytes, no-op locks, transports and datagram factory", async (t) => {
  const p = createNodePlatform();
  t.teardown(() => p.close());
  const a = new Uint8Array(32);
  const b = new Uint8Array(32);
  p.random(a);
  p.random(b);
  t.ok(a.some((x) => x !== 0) && Buffer.compare(a, b) !== 0, "filled, and differently each time");
  p.lock();
  p.unlock();
  t.same(p.transports.map((x) => x.name), ["sctp", "tcp"]);
  t.ok(p.datagram !== null);
  t.equal(p.log, null);
  const logs: number[] = [];
  const q = createNodePlatform({ transports: ["tcp"], datagram: false, log: (_l, code) => logs.push(code) });
  t.teardown(() => q.close());
  t.same(q.transports.map((x) => x.name), ["tcp"]);
  t.equal(q.sctp, null);
  t.equal(q.datagram, null);
  t.ok(q.log !== null);
  t.throws(() => createNodePlatform({ transports: ["quic" as "tcp"] }), TypeError);
});
