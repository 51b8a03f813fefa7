// createQuickJSPlatform on a fake `os` with a virtual clock (deterministic,
// no real time): one os timer at the earliest deadline, opaque os handles
// (objects as in QuickJS 2021-03-27, integers as later), never early, order,
// no starvation, offsets near 2^32 and 2^53, the clock choice, random.
import t from "tap";
import { createQuickJSPlatform } from "../../../platform/quickjs/platform.js";
import type { QuickJSOs } from "../../../platform/quickjs/net.js";

type HandleStyle = "object" | "integer";

interface Armed {
  handle: unknown;
  fn: () => void;
  due: number;
}

/** os.setTimeout / clearTimeout on a virtual clock; `early` ms early wake-ups on request. */
class FakeOs implements QuickJSOs {
  clock: number;
  armed: Armed[] = [];
  maxArmed = 0;
  issued = new Set<unknown>();
  badClears = 0;
  early = 0;
  private next = 1;
  private readonly style: HandleStyle;

  constructor(style: HandleStyle, start: number) {
    this.style = style;
    this.clock = start;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    if (!(ms >= 0) || ms !== Math.floor(ms)) throw new Error(`bad delay ${ms}`);
    const handle = this.style === "object" ? { timer: this.next++ } : this.next++;
    this.issued.add(handle);
    this.armed.push({ handle, fn, due: this.clock + ms });
    this.maxArmed = Math.max(this.maxArmed, this.armed.length);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    const i = this.armed.findIndex((a) => a.handle === handle);
    if (!this.issued.has(handle)) this.badClears++;
    if (i >= 0) this.armed.splice(i, 1);
  }

  setReadHandler(): void {}
  setWriteHandler(): void {}

  /** Moves the clock to `until`, firing due os timers in order (bounded). */
  advance(until: number): void {
    for (let steps = 0; steps < 1000; steps++) {
      this.armed.sort((a, b) => a.due - b.due);
      const first = this.armed[0];
      if (first === undefined || first.due - this.early > until) break;
      this.armed.shift();
      this.clock = Math.max(this.clock, first.due - this.early);
      first.fn();
    }
    this.clock = Math.max(this.clock, until);
  }
}

const EPOCHS = [0, 2 ** 32 - 50, 2 ** 53 - 2 ** 20];

for (const style of ["object", "integer"] as HandleStyle[]) {
  for (const epoch of EPOCHS) {
    t.test(`timers with ${style} handles from ${epoch}`, async (t) => {
      const os = new FakeOs(style, epoch);
      const p = createQuickJSPlatform({ os, net: null, now: () => os.clock });
      const fired: Array<[string, number]> = [];
      const fire = (target: unknown) => fired.push([target as string, p.now()]);
      const ids = [
        p.setTimer(epoch + 30, fire, "c"),
        p.setTimer(epoch + 10, fire, "a"),
        p.setTimer(epoch + 20, fire, "b"),
        p.setTimer(epoch + 20, fire, "b2"),
      ];
      const dropped = p.setTimer(epoch + 15, fire, "dropped");
      t.equal(new Set([...ids, dropped]).size, 5, "distinct ids");
      t.ok([...ids, dropped].every((id) => typeof id === "number" && id > 0), "positive integer ids, whatever os returns");
      p.clearTimer(dropped);
      p.clearTimer(12345);
      t.equal(p.timers(), 4);
      os.advance(epoch + 100);
      t.same(fired.map((f) => f[0]), ["a", "b", "b2", "c"], "deadline order; equal deadlines in the order set");
      t.same(fired.map((f) => f[1] - epoch), [10, 20, 20, 30], "each fired at its deadline, not before");
      t.equal(os.maxArmed, 1, "one os timer at a time");
      t.equal(os.badClears, 0, "clearTimeout only ever got handles os.setTimeout returned");
      t.equal(os.armed.length, 0, "nothing armed when idle");
      t.equal(p.timers(), 0);
    });
  }
}

t.test("a host that wakes early gets re-armed; a timer never fires early", async (t) => {
  const os = new FakeOs("object", 1000);
  os.early = 3;
  const p = createQuickJSPlatform({ os, net: null, now: () => os.clock });
  const at: number[] = [];
  p.setTimer(1050, () => at.push(p.now()), null);
  os.advance(1049);
  t.same(at, [], "not at 1047 (woken 3 ms early) nor 1049");
  os.early = 0;
  os.advance(1050);
  t.same(at, [1050]);
});

t.test("timers set while firing wait for the next wake-up; exceptions do not stop the others", async (t) => {
  const os = new FakeOs("integer", 0);
  const p = createQuickJSPlatform({ os, net: null, now: () => os.clock });
  let rearms = 0;
  const order: string[] = [];
  const again = () => {
    order.push("again");
    if (++rearms < 3) p.setTimer(p.now(), again, null);
  };
  p.setTimer(5, again, null);
  p.setTimer(5, () => {
    order.push("throws");
    throw new Error("listener failure");
  }, null);
  p.setTimer(6, () => order.push("later"), null);
  t.throws(() => os.advance(5), /listener failure/, "the first exception reaches the host loop");
  t.same(order, ["again", "throws"], "one wake-up fires what was due when it began");
  os.advance(10);
  t.same(order, ["again", "throws", "again", "again", "later"], "the re-armed timer (deadline 5) runs on the next wake-ups, before the one at 6");
});

t.test("clock: option, os.now, none; monotonic over a wall clock stepping back", async (t) => {
  const os = new FakeOs("object", 0);
  t.throws(() => createQuickJSPlatform({ os, net: null }), /os\.now.*Date\.now/, "2021-03-27 (no os.now) needs `now`");
  const withNow = Object.assign(new FakeOs("integer", 0), { now: () => 777 });
  t.equal(createQuickJSPlatform({ os: withNow, net: null }).now(), 777, "os.now when present");
  t.equal(createQuickJSPlatform({ os: withNow, net: null, now: () => 5 }).now(), 5, "the option wins");
  let wall = 10000;
  const p = createQuickJSPlatform({ os, net: null, now: () => wall });
  t.equal(p.now(), 10000);
  wall = 9000;
  t.equal(p.now(), 10000, "a step back holds the clock");
  wall = 10001;
  t.equal(p.now(), 10001, "and it moves on once the wall clock passes");
  t.throws(() => createQuickJSPlatform({ os: {} as QuickJSOs, net: null, now: () => 0 }), /os/);
});

t.test("random: injected, or the fallback xorshift", async (t) => {
  const os = new FakeOs("object", 0);
  const calls: number[] = [];
  const injected = createQuickJSPlatform({ os, net: null, now: () => 1, random: (into) => calls.push(into.length) });
  injected.random(new Uint8Array(7));
  t.same(calls, [7], "the injected source is used");
  const p = createQuickJSPlatform({ os, net: null, now: () => 123456.789 });
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  p.random(a);
  p.random(b);
  t.ok(new Set(a).size > 16, "the fallback spreads its bytes");
  t.notSame([...a], [...b], "consecutive calls differ");
  t.same(p.transports, [], "no net: no transport");
  t.equal(p.datagram, null);
  p.lock();
  p.unlock();
  p.setTimer(50, () => t.fail("fired after close"), null);
  p.close();
  t.equal(os.armed.length, 0, "close() disarms the os timer");
  t.equal(p.timers(), 0);
});
