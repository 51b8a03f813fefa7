// One stack instance with 1,000 PEs and 1,000 PU sessions on one virtual
// platform, against the real registrar, for a virtual hour: every PE stays
// registered (re-registrations on schedule, keep-alives answered), every
// message is echoed, and the machine's tables are the same size at the end
// as after warm-up (no growth), with nothing left queued.
import t from "tap";
import { Harness } from "../support/client-harness.js";
import type { RecordedEvent } from "../support/client-harness.js";
import { createRegistrar } from "../../core/registrar/registrar.js";
import {
  EVENT_DATA,
  EVENT_FAILOVER_NEEDED,
  EVENT_REGISTERED,
  EVENT_REGISTRATION_FAILED,
  EVENT_SESSION_ACCEPTED,
  EVENT_SESSION_CLOSED,
  EVENT_SESSION_UP,
} from "../../core/client/events.js";
import type { ClientState } from "../../core/client/state.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// A collector we can call, so the heap figures below mean something.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const PES = 1000;
const PUS = 1000;
const POOLS = 10;
const MINUTE = 60000;
const PPID = 38;

/** Sizes of everything in the machine that could grow (request lists are checked empty at the end). */
function tables(S: ClientState) {
  return {
    associationNumbers: S.kind_.length,
    freeNumbers: S.freeNumbers_.length,
    sessions: S.sessions_.length,
    sessionCount: S.sessionCount_,
    freeSessions: S.freeSessions_.length,
    candidates: S.candidates_.length,
    ownCount: S.own_.count,
    ownCapacity: S.own_.capacity_,
    pes: S.pes_.length,
    cacheCapacity: S.cache_.capacity_,
    events: S.events_.records_.length,
    refs: S.refs_.length,
  };
}

t.test("1,000 PEs and 1,000 PUs in one stack for a virtual hour", async (t) => {
  const h = new Harness({ latencyMs: 1 });
  h.network.addHost("pr", ["10.0.0.1"]);
  const prPlatform = h.network.createPlatform("pr");
  const registrar = createRegistrar({
    random: (b) => prPlatform.random(b),
    identifier: 1,
    enrpTransports: [],
    enrpAnnounce: false,
    asapAnnounce: false,
    maxPoolElementsPerAssociation: 4096,
    maxHandleResolutionRate: 0, // one stack = one association for all its PUs
    maxEndpointUnreachableRate: 0,
  });
  const pr = h.machineOn("pr", registrar);
  pr.driver.run(() => registrar.start(pr.platform.now()), null);

  const stack = h.client("stack", ["10.0.1.1"], { announce: false, registrars: [{ addresses: ["10.0.0.1"], port: 3863 }] });
  const S = stack.client.state;
  let echoed = 0;
  let sent = 0;
  const unexpected: RecordedEvent[] = [];
  const sessions: number[] = [];
  const peSessions = new Set<number>();
  stack.react = (e) => {
    if (e.kind === EVENT_DATA) {
      // Data arrives on both sides: PE sessions echo, PU sessions count.
      if (peSessions.has(e.session)) {
        stack.run((cl, now) => cl.send(now, e.session, e.stream, e.ppid, e.bytes as Uint8Array));
      } else {
        echoed++;
      }
    } else if (e.kind === EVENT_SESSION_ACCEPTED) {
      peSessions.add(e.session);
    } else if (e.kind === EVENT_SESSION_CLOSED && peSessions.has(e.session)) {
      peSessions.delete(e.session); // a PU closed it (churn)
    } else if (e.kind === EVENT_REGISTRATION_FAILED || e.kind === EVENT_FAILOVER_NEEDED || e.kind === EVENT_SESSION_CLOSED) {
      unexpected.push(e);
    }
  };
  // Keep only what the test needs: the harness would otherwise record every event of the hour.
  const keep = stack.events;

  stack.run((cl, now) => {
    for (let i = 0; i < PES; i++) {
      cl.listen(now, { port: 10000 + i });
      cl.registerPoolElement(now, "pool" + (i % POOLS), { addresses: ["10.0.1.1"], port: 10000 + i, identifier: i + 1 });
    }
  });
  h.advance(1000);
  t.equal(stack.of(EVENT_REGISTERED).length, PES, "every PE registered");
  t.equal(registrar.handlespace.count, PES);
  stack.run((cl, now) => {
    for (let i = 0; i < PUS; i++) sessions.push(cl.connect(now, "pool" + (i % POOLS)));
  });
  h.advance(2000);
  t.equal(stack.of(EVENT_SESSION_UP).length, PUS, "every PU session up");
  t.equal(peSessions.size, PUS, "accepted by the PEs");

  let baseline: ReturnType<typeof tables> | null = null;
  let worstCount = PES;
  const payload = new Uint8Array(32);
  let heapAfterWarmUp = 0;
  for (let minute = 0; minute < 60; minute++) {
    // Churn: ten PU sessions close and reconnect, five PEs deregister and register again.
    stack.run((cl, now) => {
      for (let j = 0; j < 10; j++) {
        const i = (minute * 10 + j) % PUS;
        cl.close(now, sessions[i]);
        sessions[i] = cl.connect(now, "pool" + (i % POOLS));
      }
      for (let j = 0; j < 5; j++) {
        const i = (minute * 37 + j * 191) % PES;
        cl.deregisterPoolElement(now, "pool" + (i % POOLS), i + 1);
        cl.registerPoolElement(now, "pool" + (i % POOLS), { addresses: ["10.0.1.1"], port: 10000 + i, identifier: i + 1 });
      }
    });
    // Each session sends one message a minute, spread over the minute.
    for (let i = 0; i < PUS; i++) {
      if (i % 50 === 0) h.advance(MINUTE / (PUS / 50));
      payload[0] = i & 255;
      if (stack.run((cl, now) => cl.send(now, sessions[i], 0, PPID, payload))) sent++;
    }
    if (registrar.handlespace.count < worstCount) worstCount = registrar.handlespace.count;
    keep.length = 0;
    if (minute === 4) {
      baseline = tables(S);
      heapAfterWarmUp = heapUsed();
    }
  }
  const heapGrowth = heapUsed() - heapAfterWarmUp;
  h.advance(5000);
  t.equal(worstCount, PES, "no PE ever dropped out of the registrar");
  t.equal(registrar.handlespace.count, PES);
  t.same(unexpected, [], "no failed registration, failover or closed session");
  t.equal(sent, PUS * 60, "every send taken");
  t.equal(echoed, sent, "every message echoed");
  const st = registrar.statistics;
  t.equal(st.removedPoolElements, 0);
  const perPe = st.reregistrations / PES;
  t.ok(perPe >= 120 && perPe <= 122, `re-registrations on schedule (${perPe} per PE)`);
  t.ok(st.keepAliveAcks >= st.keepAlivesSent - PES, "keep-alives answered");
  const end = tables(S);
  t.same(end, baseline, "tables at the end are the size they had after warm-up");
  t.equal(S.queued_.length + S.inflight_.length, 0, "no request left");
  // The driver's output queues create a record per ring slot on first use: bounded by their capacity.
  t.ok(S.transmits_.records_.length <= S.transmits_.capacity_ && S.actions_.records_.length <= S.actions_.capacity_,
    "output queue records within their capacities");
  t.equal(end.sessionCount, 2 * PUS);
  t.same(stack.errors, [], "no driver errors");
  // Loose (the test's own records and the network's state are in it too).
  t.ok(heapGrowth < 16 * 1024 * 1024, `heap growth over 55 virtual minutes below 16 MiB (${(heapGrowth / 1048576).toFixed(2)} MiB)`);
  t.equal(stack.driver.counters.droppedTransmits, 0);
});
