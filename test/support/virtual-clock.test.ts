import t from "tap";
import { SeededRandom, StepLimitError, VirtualClock } from "./virtual-clock.js";
import { VirtualPlatform } from "./virtual-platform.js";

const OFFSETS = [0, 2 ** 32, 2 ** 52];

for (const offset of OFFSETS) {
  t.test(`timers fire in deadline order, ties in insertion order (offset ${offset})`, async (t) => {
    const clock = new VirtualClock(offset);
    const fired: string[] = [];
    const seen: number[] = [];
    const record = (target: unknown) => {
      fired.push(target as string);
      seen.push(clock.now - offset);
    };
    clock.schedule(offset + 30, record, "c");
    clock.schedule(offset + 10, record, "a1");
    clock.schedule(offset + 20, record, "b");
    clock.schedule(offset + 10, record, "a2");
    clock.schedule(offset + 10, record, "a3");
    t.equal(clock.pending(), 5);
    t.equal(clock.nextDeadline(), offset + 10);
    t.equal(clock.advance(15), 3);
    t.same(fired, ["a1", "a2", "a3"]);
    t.same(seen, [10, 10, 10], "each timer sees now equal to its deadline");
    t.equal(clock.now, offset + 15);
    t.equal(clock.advance(100), 2);
    t.same(fired, ["a1", "a2", "a3", "b", "c"]);
    t.same(seen, [10, 10, 10, 20, 30]);
    t.equal(clock.now, offset + 115);
  });

  t.test(`cancel removes exactly one timer from anywhere in the heap (offset ${offset})`, async (t) => {
    const clock = new VirtualClock(offset);
    const rng = new SeededRandom(7);
    const ids: number[] = [];
    const deadlines = new Map<number, number>();
    const fired: number[] = [];
    for (let i = 0; i < 200; i++) {
      const d = offset + rng.nextInt(1000);
      const id = clock.schedule(d, (x) => fired.push(x as number), d);
      ids.push(id);
      deadlines.set(id, d);
    }
    const cancelled = new Set<number>();
    for (let i = 0; i < 200; i += 3) {
      t.equal(clock.cancel(ids[i]), true);
      cancelled.add(ids[i]);
    }
    t.equal(clock.cancel(ids[0]), false, "second cancel is a no-op");
    t.equal(clock.runUntilIdle(1000), 200 - cancelled.size);
    const expected = ids
      .filter((id) => !cancelled.has(id))
      .map((id) => deadlines.get(id) as number)
      .sort((a, b) => a - b);
    t.same(fired, expected);
  });

  t.test(`a timer scheduled in the past fires at the current time (offset ${offset})`, async (t) => {
    const clock = new VirtualClock(offset + 100);
    let at = -1;
    clock.schedule(offset + 5, () => (at = clock.now), null);
    clock.advance(0);
    t.equal(at, offset + 100);
  });

  t.test(`timers scheduled while firing run in the same advance when due (offset ${offset})`, async (t) => {
    const clock = new VirtualClock(offset);
    const log: number[] = [];
    const tick = () => {
      log.push(clock.now - offset);
      if (log.length < 5) clock.after(7, tick, null);
    };
    clock.after(7, tick, null);
    t.equal(clock.advance(30), 4);
    t.same(log, [7, 14, 21, 28]);
    t.equal(clock.advance(100), 1);
    t.same(log, [7, 14, 21, 28, 35]);
  });
}

t.test("runUntilIdle stops at maxSteps; advance throws on a livelock", async (t) => {
  const clock = new VirtualClock(0);
  const again = () => clock.after(0, again, null);
  clock.after(0, again, null);
  t.equal(clock.runUntilIdle(50), 50);
  t.equal(clock.pending(), 1);
  t.throws(() => clock.advance(1, 100), StepLimitError);
});

t.test("runUntil returns steps when the condition holds, -1 otherwise", async (t) => {
  const clock = new VirtualClock(0);
  let n = 0;
  for (let i = 1; i <= 5; i++) clock.schedule(i, () => n++, null);
  t.equal(clock.runUntil(() => n === 3, 100), 3);
  t.equal(clock.runUntil(() => n === 99, 100), -1);
  t.equal(clock.pending(), 0);
});

t.test("advanceTo refuses to go back", async (t) => {
  const clock = new VirtualClock(10);
  t.throws(() => clock.advanceTo(5), RangeError);
});

t.test("seeded PRNG: same seed same bytes, different seed different bytes", async (t) => {
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  const c = new Uint8Array(64);
  new SeededRandom(42).fill(a);
  new SeededRandom(42).fill(b);
  new SeededRandom(43).fill(c);
  t.same(a, b);
  t.notSame(a, c);
  // Rough uniformity: 4096 floats, each decile holds 300..520 of them.
  const rng = new SeededRandom(1);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 4096; i++) buckets[Math.floor(rng.nextFloat() * 10)]++;
  for (const count of buckets) t.ok(count > 300 && count < 520, `bucket ${count}`);
  // odd lengths fill every byte
  const odd = new Uint8Array(7);
  new SeededRandom(5).fill(odd);
  t.ok(odd.some((x) => x !== 0));
});

for (const offset of OFFSETS) {
  t.test(`VirtualPlatform counts timers, locks and stops when killed (offset ${offset})`, async (t) => {
    const platform = new VirtualPlatform({ startMs: offset, seed: 3 });
    t.equal(platform.now(), offset);
    let fired = 0;
    const a = platform.setTimer(offset + 10, () => fired++, null);
    platform.setTimer(offset + 20, () => fired++, null);
    t.equal(platform.activeTimers(), 2);
    t.same(platform.timerDeadlines(), [offset + 10, offset + 20]);
    platform.clearTimer(a);
    platform.clearTimer(a);
    t.equal(platform.setTimerCalls, 2);
    t.equal(platform.clearTimerCalls, 2);
    t.equal(platform.activeTimers(), 1);
    platform.advance(15);
    t.equal(fired, 0, "the cleared timer did not fire");
    platform.lock();
    platform.unlock();
    t.equal(platform.lockCalls, 1);
    t.equal(platform.unlockCalls, 1);
    t.throws(() => platform.unlock());
    platform.lockDepth = 0;
    platform.kill();
    t.equal(platform.activeTimers(), 0);
    platform.advance(100);
    t.equal(fired, 0, "a killed platform's timers never fire");
    t.equal(platform.setTimer(offset + 500, () => fired++, null), 0);
    platform.advance(1000);
    t.equal(fired, 0);
  });
}
