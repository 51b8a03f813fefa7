// Registrar hunt and request queue: static list with a dead first registrar,
// announce-only discovery, a registrar that dies mid-request, give-up with
// clear errors, and the request queue while hunting.
import t from "tap";
import { Harness } from "../support/client-harness.js";
import {
  ERROR_NO_REGISTRAR,
  ERROR_POOL_NOT_FOUND,
  ERROR_TIMEOUT,
  EVENT_REGISTERED,
  EVENT_REGISTRAR_DOWN,
  EVENT_REGISTRAR_UP,
  EVENT_RESOLVED,
} from "../../core/client/events.js";
import { errorText } from "../../core/client/error-text.js";
import { validateClientConfig, defaultClientConfig } from "../../core/client/config.js";

const OFFSETS = [0, 2 ** 32, 2 ** 52];
const PE = { addresses: ["10.0.1.1"], port: 7000 };

t.test("config: rsplib defaults, clamping, refusals", async (t) => {
  const d = defaultClientConfig();
  t.equal(d.registrarAnnounceTimeoutMs, 5000);
  t.equal(d.registrarConnectTimeoutMs, 7500);
  t.equal(d.registrarConnectMaxTrials, 1);
  t.equal(d.registrarRequestTimeoutMs, 3000);
  t.equal(d.registrarResponseTimeoutMs, 3000);
  t.equal(d.registrarRequestMaxTrials, 1);
  t.equal(d.reregistrationIntervalMs, 30000);
  t.equal(d.staleCacheMs, 30000);
  t.equal(d.maxParallelConnects, 3);
  t.equal(d.announceAddress, "239.0.0.50");
  t.equal(d.announcePort, 3863);
  const random = (b: Uint8Array) => b.fill(1);
  const c = validateClientConfig({ random, maxParallelConnects: 1000, registrarConnectTimeoutMs: 1.7 });
  t.equal(c.maxParallelConnects, 64, "clamped to the maximum");
  t.equal(c.registrarConnectTimeoutMs, 100, "floored then clamped to the minimum");
  t.throws(() => validateClientConfig({}), /random/);
  t.throws(() => validateClientConfig({ random, registarars: [] } as never), /not a client option/);
  t.throws(() => validateClientConfig({ random, staleCacheMs: "1" as never }), /must be a number/);
  t.throws(() => validateClientConfig({ random, registrars: [{ addresses: [], port: 1 }] }), /registrars/);
  t.equal(errorText(ERROR_NO_REGISTRAR), "no registrar reachable");
  t.equal(errorText(99), "unknown error");
});

/** Random bytes whose first uint32 is even: the hunt starts at the first static entry. */
function firstFirst(b: Uint8Array): void {
  for (let i = 0; i < b.length; i++) b[i] = (i * 6 + 2) & 0xff;
}

for (const offset of OFFSETS) {
  t.test(`static list, first registrar dead (offset ${offset})`, async (t) => {
    for (const dead of ["refused", "killed"]) {
      const h = new Harness({ startMs: offset });
      // pr1's host exists: with nothing listening the connect is refused; killed, it never answers.
      h.network.addHost("pr1", ["10.0.0.1"]);
      if (dead === "killed") h.network.kill("pr1");
      const pr2 = h.fakeRegistrar("pr2", "10.0.0.2", { identifier: 2, asapPort: 3863 });
      const c = h.client("c", ["10.0.1.1"], {
        random: firstFirst,
        announce: false,
        // Refused: one connect at a time, the dead one must be passed over. Killed: the
        // dead one hangs, a parallel connect wins.
        maxParallelConnects: dead === "refused" ? 1 : 3,
        registrars: [
          { addresses: ["10.0.0.1"], port: 3863 },
          { addresses: ["10.0.0.2"], port: 3863 },
        ],
      });
      const id = c.run((cl, now) => cl.registerPoolElement(now, "EchoPool", PE));
      h.advance(10000);
      t.equal(h.network.stats.connects, 2, `${dead}: both registrars tried`);
      t.equal(h.network.stats.connectFailures, dead === "refused" ? 1 : 0, "the refused connect failed first");
      t.equal(c.of(EVENT_REGISTRAR_UP).length, 1, `${dead}: one registrar association`);
      t.equal(c.client.state.kind_[c.client.state.registrar_], 2, "it is the registrar association");
      t.ok(pr2.machine.find("EchoPool", id), `${dead}: registered at the live registrar`);
      t.equal(c.of(EVENT_REGISTERED).length, 1);
      t.equal(c.client.state.hunting_, false, "hunt over");
      t.equal(c.client.state.candidates_.every((x) => x.association_ === 0), true, "no connect left open");
    }
  });
}

t.test("parallel connects: the first association up wins, the others are aborted", async (t) => {
  const h = new Harness();
  const near = h.fakeRegistrar("near", "10.0.0.1", { identifier: 1, asapPort: 3863 });
  const far = h.fakeRegistrar("far", "10.0.0.2", { identifier: 2, asapPort: 3863 });
  const c = h.client("c", ["10.0.1.1"], {
    announce: false,
    registrars: [
      { addresses: ["10.0.0.2"], port: 3863 },
      { addresses: ["10.0.0.1"], port: 3863 },
    ],
  });
  h.network.setLink("c", "far", { latencyMs: 50 });
  c.run((cl, now) => cl.start(now));
  h.advance(1000);
  t.equal(c.of(EVENT_REGISTRAR_UP).length, 1);
  t.equal(near.machine.up.size, 1, "kept the near one");
  t.equal(far.machine.up.size, 0, "the far one was aborted");
});

t.test("announce-only discovery; announced registrars are forgotten after silence", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 0x77, asapPort: 4000, announce: true, announceIntervalMs: 1000 });
  const c = h.client("c", ["10.0.1.1"], {});
  // A request before any registrar is known: it waits for the hunt.
  const rq = c.run((cl, now) => cl.resolve(now, "EchoPool", null));
  h.advance(2000);
  const up = c.of(EVENT_REGISTRAR_UP);
  t.equal(up.length, 1, "found by announce");
  t.equal(up[0].registrar, 0x77, "server id from the announce");
  t.equal(c.client.state.candidates_[0].port_, 4000, "ASAP port from the UDP source port");
  const r = c.of(EVENT_RESOLVED);
  t.equal(r.length, 1);
  t.equal(r[0].request, rq);
  t.equal(r[0].error, ERROR_POOL_NOT_FOUND, "no PE in the pool: pool not found, a clear error");
  pr.machine.silent = true; // no more announces
  h.advance(6000);
  t.equal(c.client.state.candidates_.length, 0, "forgotten after registrarAnnounceTimeoutMs");
});

t.test("registrar dies mid-request: retried on another registrar", async (t) => {
  for (const trials of [1, 2]) {
    const h = new Harness();
    const a = h.fakeRegistrar("a", "10.0.0.1", { identifier: 1, asapPort: 3863 });
    const b = h.fakeRegistrar("b", "10.0.0.2", { identifier: 2, asapPort: 3863 });
    const c = h.client("c", ["10.0.1.1"], {
      announce: false,
      registrarRequestMaxTrials: trials,
      registrars: [
        { addresses: ["10.0.0.1"], port: 3863 },
        { addresses: ["10.0.0.2"], port: 3863 },
      ],
    });
    const id = c.run((cl, now) => cl.registerPoolElement(now, "P", PE));
    h.advance(100);
    const first = a.machine.up.size === 1 ? a : b;
    const other = first === a ? b : a;
    t.ok(first.machine.find("P", id), "registered at the first registrar");
    // It dies without closing anything (a crashed host): only the response timeout tells.
    h.network.kill(first.name);
    const rq = c.run((cl, now) => cl.resolve(now, "P", { staleAfterMs: 0 }));
    const sent = h.now;
    h.advance(10000);
    const r = c.of(EVENT_RESOLVED);
    t.equal(r.length, 1, `trials ${trials}: one answer`);
    t.equal(r[0].request, rq);
    if (trials === 1) {
      t.equal(r[0].error, ERROR_TIMEOUT, "one trial: fails with timeout");
      t.equal(r[0].time - sent, 3000, "after the response timeout");
    } else {
      t.equal(r[0].error, 0, "two trials: answered by the other registrar");
      t.equal(r[0].poolElements[0].identifier, id, "the PE re-registered there");
    }
    t.equal(c.of(EVENT_REGISTRAR_DOWN).length, 1, "the dead registrar was dropped");
    t.ok(other.machine.find("P", id), "PE re-registered with the new registrar at once");
  }
});

t.test("no registrar: requests fail with a clear error; the hunt gives up and starts again", async (t) => {
  const h = new Harness();
  h.network.addHost("pr", ["10.0.0.1"]);
  h.network.kill("pr");
  const c = h.client("c", ["10.0.1.1"], {
    announce: false,
    registrarRequestMaxTrials: 2,
    registrars: [{ addresses: ["10.0.0.1"], port: 3863 }],
  });
  const rq = c.run((cl, now) => cl.resolve(now, "P", null));
  h.advance(5999);
  t.equal(c.of(EVENT_RESOLVED).length, 0, "two queue waits of 3 s each");
  h.advance(1);
  const r = c.of(EVENT_RESOLVED);
  t.equal(r.length, 1);
  t.equal(r[0].request, rq);
  t.equal(r[0].error, ERROR_NO_REGISTRAR);
  h.advance(10000);
  t.equal(c.client.state.hunting_, false, "gave up after registrarConnectMaxTrials rounds");
  t.equal(c.client.state.queued_.length, 0);
  // The registrar comes back: a new request starts a new hunt.
  h.network.revive("pr");
  const pr = h.fakeRegistrarOn("pr", { identifier: 9, asapPort: 3863 });
  c.run((cl, now) => cl.resolve(now, "P", null));
  h.advance(100);
  t.equal(c.of(EVENT_REGISTRAR_UP).length, 1);
  t.equal(pr.machine.counts.resolutions, 1);
});

t.test("requests queue while hunting and go out in order when the registrar is up", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863 });
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: [{ addresses: ["10.0.0.1"], port: 3863 }] });
  c.run((cl, now) => {
    cl.registerPoolElement(now, "A", { ...PE, identifier: 1 });
    cl.resolve(now, "A", { staleAfterMs: 0 });
    cl.deregisterPoolElement(now, "A", 2);
    cl.reportFailure(now, "A", 5);
  });
  t.equal(c.client.state.queued_.length, 4, "queued while hunting");
  h.advance(100);
  t.same(pr.machine.log.map((l) => l.split(" ")[0]), ["1", "5", "2", "9"], "sent in order: REG, HR, DEREG, UNREACHABLE");
  t.equal(c.client.state.inflight_.length, 0);
});
