// rserpool bench handlespace [--pes N] [--pools P] [--policy NAME] [--json]:
// speed and memory of core/handlespace.
//
// Method.
// - N PEs in P pools: PE i goes to pool i mod P, with a random nonzero
//   32-bit identifier (unique in its pool), one IPv4 SCTP user transport,
//   registration life 30 s and the policy's fields drawn from a seeded
//   generator. Everything is built before the clock starts.
// - Phases, each timed with process.cpuUsage() (user + system CPU time):
//   register all (in order), re-register all (random order, same values: a
//   refresh), resolve 3 PEs from a random pool R times, deregister all
//   (random order), then register all again untimed and expire them by
//   deadline in 1000 clock steps. Rates are operations per CPU-second.
// - A warm-up runs the same phases on a separate N/10-PE handlespace first,
//   so the measured code is optimised.
// - Heap: gc() (exposed through v8.setFlagsFromString) before and after the
//   register phase; bytes/PE = delta of heapUsed + arrayBuffers (typed-array
//   backing stores live outside the JS heap) divided by N. The table also
//   shows the heap growth per resolution over a second resolve pass (0 when
//   resolve allocates nothing; "n/a" when a collection ran in between).
import v8 from "node:v8";
import vm from "node:vm";
import {
  createHandlespace,
  createXorshift,
  newHandlespaceConfig,
  newRegistrationMeta,
  type Handlespace,
} from "../../core/handlespace/index.js";
import {
  PARAM_SCTP_TRANSPORT,
  TRANSPORT_USE_DATA_ONLY,
  newPolicy,
  newPoolElement,
  newTransport,
  policyName,
  policyTypeByName,
  type Policy,
  type PoolElement,
} from "../../core/wire/index.js";
import { formatHelp, parseOptions, UsageError, type OptionSpec } from "./options.js";

const OPTIONS: OptionSpec[] = [
  { name: "pes", kind: "integer", metavar: "N", default: 100000, min: 1, max: 4000000, help: "pool elements" },
  { name: "pools", kind: "integer", metavar: "P", default: 10000, min: 1, max: 4000000, help: "pools (PE i in pool i mod P)" },
  { name: "policy", kind: "string", metavar: "NAME", default: "rr",
    help: "selection policy: rsplib name (RoundRobin, LeastUsed, ...) or short form (rr, lu, rand, wrand, ...)" },
  { name: "resolves", kind: "integer", metavar: "R", min: 1, max: 100000000,
    help: "handle resolutions of 3 PEs (default max(N, 1000000))" },
  { name: "associations", kind: "integer", metavar: "A", default: 0, min: 0, max: 4000000,
    help: "spread the PEs over A associations (0: none, as learned by ENRP)" },
  { name: "seed", kind: "integer", default: 1, min: 0, max: 0xffffffff, help: "seed of the generator" },
  { name: "json", kind: "flag", help: "print one JSON object instead of a table" },
  { name: "seconds", kind: "string", metavar: "S", help: "accepted for `bench all`; phases here are sized by N and R" },
];

const SUMMARY =
  "Registers N PEs in P pools, then re-registers all, resolves 3 PEs from random pools, deregisters all\n" +
  "(random order) and expires all by deadline; prints operations per CPU-second per phase and heap bytes per PE.\n" +
  "Targets at 100,000 PEs in 10,000 pools: round robin resolve >= 1,000,000/s, register >= 450,000/s,\n" +
  "re-register >= 350,000/s, deregister >= 330,000/s, <= 200 bytes/PE; least used resolve >= 1,000,000/s.";

const LIFE = 30000;

interface Result {
  pes: number;
  pools: number;
  policy: string;
  register: number;
  reregister: number;
  resolve: number;
  deregister: number;
  expire: number;
  bytesPerPe: number;
}

interface Workload {
  handles: Uint8Array[];
  elements: PoolElement[];
  distance: Uint32Array;
  reregisterOrder: Int32Array;
  deregisterOrder: Int32Array;
  resolvePools: Int32Array;
  association: Uint32Array;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function shuffled(n: number, random: () => number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random() % (i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function policyFor(type: number, random: () => number, i: number): Policy {
  const p = newPolicy(type);
  p.weight = 1 + (i % 16);
  p.priority = i % 4;
  p.load = random() % 0x40000000;
  p.loadDegradation = 0x01000000;
  p.loadDpf = 0x00100000;
  p.weightDpf = 0x00100000;
  return p;
}

function buildWorkload(pes: number, pools: number, type: number, resolves: number, associations: number,
  seed: number): Workload {
  const bits = createXorshift(seed);
  const random = () => bits() >>> 0;
  const handles: Uint8Array[] = [];
  for (let p = 0; p < pools; p++) {
    const text = `BenchPool-${p}`;
    const h = new Uint8Array(text.length);
    for (let k = 0; k < text.length; k++) h[k] = text.charCodeAt(k);
    handles.push(h);
  }
  const used = new Set<string>();
  const elements: PoolElement[] = [];
  const distance = new Uint32Array(pes);
  const association = new Uint32Array(pes);
  for (let i = 0; i < pes; i++) {
    let id = 0;
    do {
      id = random();
    } while (id === 0 || used.has(`${i % pools}/${id}`));
    used.add(`${i % pools}/${id}`);
    const address = new Uint8Array([10, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]);
    const transport = newTransport(PARAM_SCTP_TRANSPORT, 9000 + (i % 1000), TRANSPORT_USE_DATA_ONLY, [address]);
    elements.push(newPoolElement(id, 0x10000001, LIFE, transport, policyFor(type, random, i), null));
    distance[i] = random() % 100;
    association[i] = associations > 0 ? 1 + (i % associations) : 0;
  }
  const resolvePools = new Int32Array(resolves);
  for (let r = 0; r < resolves; r++) resolvePools[r] = random() % pools;
  return {
    handles,
    elements,
    distance,
    reregisterOrder: shuffled(pes, random),
    deregisterOrder: shuffled(pes, random),
    resolvePools,
    association,
  };
}

function newSpace(pes: number, pools: number, seed: number): Handlespace {
  const config = newHandlespaceConfig(createXorshift(seed ^ 0x5eed));
  config.maxPoolElements = Math.max(config.maxPoolElements, pes);
  config.maxPools = Math.max(config.maxPools, pools);
  config.maxPoolElementsPerPool = Math.min(1048576, Math.max(config.maxPoolElementsPerPool, Math.ceil(pes / pools)));
  config.maxPoolElementsPerAssociation = Math.max(config.maxPoolElementsPerAssociation, pes);
  return createHandlespace(config);
}

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

function heapBytes(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs every phase; returns rates (ops per CPU-second) and bytes per PE. */
function runPhases(w: Workload, pes: number, pools: number, seed: number, gc: () => void):
  Omit<Result, "policy"> & { resolveBytes: number } {
  const hs = newSpace(pes, pools, seed);
  const meta = newRegistrationMeta();
  meta.owner = 0x10000001;
  meta.home = true;
  meta.timerCode = 1;
  const { handles, elements, distance, association } = w;
  let failures = 0;

  // Register: registration i at virtual time i / 100 ms, deadline now + life.
  const heapBefore = heapBytes(gc);
  let t0 = cpuMicros();
  for (let i = 0; i < pes; i++) {
    meta.association = association[i];
    meta.distance = distance[i];
    meta.deadline = i / 100 + LIFE;
    if (hs.register(handles[i % pools], elements[i], meta) !== 0) failures++;
  }
  const register = pes / ((cpuMicros() - t0) / 1e6);
  const heapAfter = heapBytes(gc);

  // Re-register all in random order, 10 s later.
  const base = 10000;
  t0 = cpuMicros();
  const order = w.reregisterOrder;
  for (let k = 0; k < pes; k++) {
    const i = order[k];
    meta.association = association[i];
    meta.distance = distance[i];
    meta.deadline = base + k / 100 + LIFE;
    if (hs.register(handles[i % pools], elements[i], meta) !== 0) failures++;
  }
  const reregister = pes / ((cpuMicros() - t0) / 1e6);

  // Resolve 3 PEs from random pools.
  const out = new Int32Array(3);
  const resolvePools = w.resolvePools;
  let selected = 0;
  t0 = cpuMicros();
  for (let r = 0; r < resolvePools.length; r++) selected += hs.resolve(handles[resolvePools[r]], 3, out, 0);
  const resolve = resolvePools.length / ((cpuMicros() - t0) / 1e6);
  if (selected === 0) failures++;

  // Allocation of resolve, steady state: heap growth over the same resolutions
  // again, between two reads with no collection expected in between.
  const heapResolve = heapBytes(gc);
  for (let r = 0; r < resolvePools.length; r++) hs.resolve(handles[resolvePools[r]], 3, out, 0);
  const resolveGrowth = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapResolve;
  const resolveBytes = resolveGrowth >= 0 ? resolveGrowth / resolvePools.length : -1;

  // Deregister all in random order.
  const dorder = w.deregisterOrder;
  t0 = cpuMicros();
  for (let k = 0; k < pes; k++) {
    const i = dorder[k];
    if (!hs.deregister(handles[i % pools], elements[i].identifier)) failures++;
  }
  const deregister = pes / ((cpuMicros() - t0) / 1e6);
  if (hs.count !== 0 || hs.poolCount !== 0) failures++;

  // Expire: register again (untimed) with deadlines spread over 30 s in
  // random order, then advance the clock in 1000 steps.
  for (let k = 0; k < pes; k++) {
    const i = order[k];
    meta.association = association[i];
    meta.distance = distance[i];
    meta.deadline = LIFE + (k * LIFE) / pes;
    hs.register(handles[i % pools], elements[i], meta);
  }
  let expired = 0;
  t0 = cpuMicros();
  for (let step = 1; step <= 1000; step++) expired += hs.expire(LIFE + (step * LIFE) / 1000, null, null);
  const expire = expired / ((cpuMicros() - t0) / 1e6);
  if (expired !== pes || hs.count !== 0) failures++;

  if (failures > 0) throw new Error(`handlespace benchmark: ${failures} unexpected results`);
  return {
    pes,
    pools,
    register: Math.round(register),
    reregister: Math.round(reregister),
    resolve: Math.round(resolve),
    deregister: Math.round(deregister),
    expire: Math.round(expire),
    bytesPerPe: Math.round(((heapAfter - heapBefore) / pes) * 10) / 10,
    resolveBytes: resolveBytes,
  };
}

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    values = parseOptions(OPTIONS, args).values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`rserpool bench handlespace: ${err.message}\n\n`);
    process.stderr.write(formatHelp("rserpool bench handlespace [options]", SUMMARY, OPTIONS));
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(formatHelp("rserpool bench handlespace [options]", SUMMARY, OPTIONS));
    return 0;
  }
  const type = policyTypeByName(String(values.policy));
  if (type === 0) {
    process.stderr.write(`rserpool bench handlespace: unknown policy '${String(values.policy)}'\n`);
    return 2;
  }
  const pes = values.pes as number;
  const pools = Math.min(values.pools as number, pes);
  const resolves = (values.resolves as number | undefined) ?? Math.max(pes, 1000000);
  const associations = values.associations as number;
  const seed = values.seed as number;
  const gc = exposeGc();

  const warmPes = Math.max(1, Math.floor(pes / 10));
  const warmPools = Math.max(1, Math.floor(pools / 10));
  runPhases(buildWorkload(warmPes, warmPools, type, Math.floor(resolves / 10) + 1, associations, seed + 1),
    warmPes, warmPools, seed + 1, gc);

  const workload = buildWorkload(pes, pools, type, resolves, associations, seed);
  const r = runPhases(workload, pes, pools, seed, gc);
  const result: Result = {
    pes: r.pes,
    pools: r.pools,
    policy: policyName(type),
    register: r.register,
    reregister: r.reregister,
    resolve: r.resolve,
    deregister: r.deregister,
    expire: r.expire,
    bytesPerPe: r.bytesPerPe,
  };
  if (values.json === true) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return 0;
  }
  const line = (name: string, value: number, unit: string) =>
    `  ${name.padEnd(14)} ${value.toLocaleString("en-US").padStart(12)} ${unit}\n`;
  process.stdout.write(
    `handlespace: ${pes} PEs in ${pools} pools, policy ${result.policy}` +
    (associations > 0 ? `, ${associations} associations` : "") + ` (node ${process.version})\n` +
    line("register", result.register, "/CPU-s") +
    line("re-register", result.reregister, "/CPU-s") +
    line("resolve (3)", result.resolve, "/CPU-s") +
    line("deregister", result.deregister, "/CPU-s") +
    line("expire", result.expire, "/CPU-s") +
    `  ${"heap".padEnd(14)} ${result.bytesPerPe.toFixed(1).padStart(12)} bytes/PE\n` +
    `  ${"resolve alloc".padEnd(14)} ${(r.resolveBytes < 0 ? "n/a (GC)" : r.resolveBytes.toFixed(2)).padStart(12)} ` +
    `bytes/resolution (heap growth over a second resolve pass)\n`);
  return 0;
}
