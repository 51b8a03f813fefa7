// rserpool bench e2e [--transport sctp|tcp|all] [--json] [--seconds S] ...:
// a registrar *process* on loopback, measured from this process over real
// sockets (SCTP over UDP encapsulation, or the TCP mapping):
//
// - registrations/s: P x N PEs (default 10 x 100 = 1,000) registered over a
//   few associations (raw ASAP REGISTRATIONs through our transports, each
//   association keeping W requests outstanding); then re-registrations/s of
//   the same PEs for S seconds. The bench answers the registrar's
//   ENDPOINT_KEEP_ALIVEs for its PEs, so they stay registered.
// - resolutions/s: HANDLE_RESOLUTIONs of the P pools in turn over A PU
//   associations, W outstanding on each, for S seconds after a warm-up;
//   every 256th answer is decoded and checked (k PEs, no error).
// - failover: two echo PE processes (rserpool server -echo); a PU (Node API)
//   sends a message every --interval ms; the PE serving it is killed with
//   SIGKILL; time from the kill to the PU's failover-complete, with the
//   detection path (how the PU's association to the dead PE went down).
//   Repeated --failovers times, a fresh PE started after each kill.
//
// The registrar's per-association limits (128 PEs, 100 resolutions/s) are
// lifted with its own options (--max-pes-per-association, --max-hr-rate 0);
// --max-bad-pe-reports 1 lets the PU's unreachable report remove a killed
// PE at once (otherwise the keep-alive timeout does, 5 s + 5 s). The output
// names every registrar option used.

import { spawn } from "node:child_process";
import fs from "node:fs";
import type { ChildProcess } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import type { Association, AssociationHandler, TransportFactory } from "../../core/driver/platform.js";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_FLAG_REJECT,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
  POLICY_ROUND_ROBIN,
  PPID_ASAP,
  TRANSPORT_USE_DATA_ONLY,
  createDecoder,
  createWriter,
  decodeAsap,
  encodeAsap,
  newAsapMessage,
  newPolicy,
  newPoolElement,
  newTransport,
  parseAddress,
} from "../../core/wire/index.js";
import { createPoolUser, hex } from "./api.js";
import type { PoolUser, Session, TransportName } from "./api.js";
import { SctpTransport } from "./sctp-transport.js";
import { TcpTransport } from "./tcp-transport.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
const TARGET_RESOLUTIONS = 20000;
const TARGET_FAILOVER_MS = 1000;
const DOWN_NAMES = ["closed", "aborted", "connect-failed", "timeout", "protocol-error"];

const HELP = `Usage: rserpool bench e2e [--transport sctp|tcp|all] [--json] [--seconds S] [options]

Handle resolutions/s and registrations/s against a registrar process on
loopback with P x N registered PEs (default 10 x 100 = 1,000), and the PU
failover time after kill -9 of the PE serving it. Method: see bench-e2e.ts.

--transport T        sctp (over UDP encapsulation), tcp (the TCP mapping) or all (default)
--seconds S          measuring time of re-registrations and resolutions (default 2)
--pools P            pools (default 10)
--per-pool N         PEs per pool (default 100)
--items K            PEs asked for per resolution (default: none sent, the registrar's 3)
--associations A     PU associations for resolutions (default 4)
--window W           requests outstanding per association (default 64)
--reg-associations R associations the PEs register over (default 4)
--failovers F        PE kills (default 5; 0 = none)
--interval MS        the PU sends a message every MS during failovers (default 10)
--profile DIR        write a V8 CPU profile of the registrar process to DIR (node --cpu-prof)
--json               one JSON document instead of text
Targets: >= ${TARGET_RESOLUTIONS.toLocaleString("en-US")} resolutions/s on each transport; failover < ${TARGET_FAILOVER_MS} ms.
`;

interface Options {
  transports: TransportName[];
  json: boolean;
  seconds: number;
  pools: number;
  perPool: number;
  items: number | null;
  associations: number;
  window: number;
  regAssociations: number;
  failovers: number;
  interval: number;
  /** Directory for a V8 CPU profile of the registrar process, or "". */
  profile: string;
}

function parse(args: string[]): Options | string {
  const o: Options = {
    transports: ["sctp", "tcp"],
    json: false,
    seconds: 2,
    pools: 10,
    perPool: 100,
    items: null,
    associations: 4,
    window: 64,
    regAssociations: 4,
    failovers: 5,
    interval: 10,
    profile: "",
  };
  const integers: Record<string, keyof Options> = {
    "--pools": "pools",
    "--per-pool": "perPool",
    "--items": "items",
    "--associations": "associations",
    "--window": "window",
    "--reg-associations": "regAssociations",
    "--failovers": "failovers",
    "--interval": "interval",
  };
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let value: string | undefined;
    if (a.startsWith("--") && a.includes("=")) {
      value = a.slice(a.indexOf("=") + 1);
      a = a.slice(0, a.indexOf("="));
    }
    const next = (): string => {
      const v = value ?? args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "--json") o.json = true;
      else if (a === "--seconds") {
        const s = Number(next());
        if (!(s > 0 && s <= 600)) return `--seconds needs a number in (0, 600]`;
        o.seconds = s;
      } else if (a === "--transport" || a === "--transports") {
        const v = next().toLowerCase();
        if (v === "all") o.transports = ["sctp", "tcp"];
        else if (v === "sctp" || v === "tcp") o.transports = [v];
        else return `--transport is sctp, tcp or all, not '${v}'`;
      } else if (a === "--profile") {
        o.profile = next();
      } else if (a in integers) {
        const n = Number(next());
        const key = integers[a];
        const min = key === "failovers" ? 0 : 1;
        if (!(Number.isInteger(n) && n >= min && n <= 1000000)) return `${a} needs an integer >= ${min}`;
        (o as unknown as Record<string, number>)[key] = n;
      } else return `unknown option '${a}'`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (o.items !== null && o.items > 128) return "--items is at most 128";
  return o;
}

// ---- child processes ----------------------------------------------------------

interface Child {
  process: ChildProcess;
  records: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: string | null }>;
  waitFor(event: string, ms: number): Promise<Record<string, unknown>>;
}

function startChild(args: string[], nodeFlags: string[] = []): Child {
  const p = spawn(process.execPath, [...nodeFlags, BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const records: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters: Array<{ event: string; resolve: (r: Record<string, unknown>) => void }> = [];
  readline.createInterface({ input: p.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    // Keep what matters, not the 1,000 "registered" records.
    if (r.event !== "registered") records.push(r);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].event === r.event) waiters.splice(i, 1)[0].resolve(r);
    }
  });
  readline.createInterface({ input: p.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    if (stderr.length < 50) stderr.push(line);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    process: p,
    records,
    stderr,
    exited,
    waitFor(event, ms) {
      const seen = records.find((r) => r.event === event);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${event}' record within ${ms} ms; stderr: ${stderr.join(" | ")}`)), ms);
        const w = {
          event,
          resolve: (r: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        waiters.push(w);
        void exited.then((e) => {
          if (!waiters.includes(w)) return;
          clearTimeout(timer);
          reject(new Error(`exited (${e.code ?? e.signal}) before '${event}'; stderr: ${stderr.join(" | ")}`));
        });
      });
    },
  };
}

async function stopChild(c: Child, ms = 5000): Promise<{ code: number | null; signal: string | null }> {
  if (c.process.exitCode !== null || c.process.signalCode !== null) return c.exited;
  c.process.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([c.exited, new Promise<null>((res) => (timer = setTimeout(() => res(null), ms)))]);
  clearTimeout(timer);
  if (r !== null) return r;
  c.process.kill("SIGKILL");
  return c.exited;
}

// ---- load associations --------------------------------------------------------------

/** One association of the load generator; responses go to `onResponse`, keep-alives are answered here. */
class Link implements AssociationHandler {
  assoc: Association | null = null;
  isUp = false;
  downReason = -1;
  readonly up: Promise<void>;
  private resolveUp!: () => void;
  private rejectUp!: (e: Error) => void;
  onResponse: (type: number, flags: number, bytes: Uint8Array) => void = () => undefined;
  keepAlives = 0;
  private readonly gen: Generator;

  constructor(gen: Generator) {
    this.gen = gen;
    this.up = new Promise((resolve, reject) => {
      this.resolveUp = resolve;
      this.rejectUp = reject;
    });
    this.up.catch(() => undefined);
  }

  onUp(): void {
    this.isUp = true;
    this.resolveUp();
  }

  onMessage(_t: unknown, _a: Association, _stream: number, ppid: number, bytes: Uint8Array): void {
    if (ppid !== PPID_ASAP || bytes.length < 4) return;
    const type = bytes[0];
    if (type === ASAP_ENDPOINT_KEEP_ALIVE) {
      this.keepAlives++;
      this.gen.answerKeepAlive(this, bytes);
      return;
    }
    this.onResponse(type, bytes[1], bytes);
  }

  onDown(_t: unknown, _a: Association, reason: number): void {
    this.downReason = reason;
    this.isUp = false;
    this.rejectUp(new Error(`association down (${DOWN_NAMES[reason] ?? reason})`));
  }

  send(bytes: Uint8Array): void {
    (this.assoc as Association).send(0, PPID_ASAP, bytes);
  }
}

class Generator {
  readonly transport: TransportFactory & { close(): void };
  readonly port: number;
  readonly links: Link[] = [];
  private readonly decoder = createDecoder();
  private readonly writer = createWriter(256);
  private readonly ack = newAsapMessage(ASAP_ENDPOINT_KEEP_ALIVE_ACK);

  constructor(name: TransportName, asapPort: number, udpPort: number) {
    this.transport = name === "sctp" ? new SctpTransport({ remoteUdpPort: udpPort }) : new TcpTransport();
    this.port = asapPort;
  }

  async open(n: number): Promise<Link[]> {
    const list: Link[] = [];
    for (let i = 0; i < n; i++) {
      const link = new Link(this);
      link.assoc = this.transport.connect(["127.0.0.1"], this.port, { localAddresses: [], localPort: 0 }, link, null);
      list.push(link);
      this.links.push(link);
    }
    await Promise.all(list.map((l) => l.up));
    return list;
  }

  answerKeepAlive(link: Link, bytes: Uint8Array): void {
    const m = decodeAsap(this.decoder, bytes, 0, bytes.length);
    if (m === null || m.poolHandle === null || m.peIdentifier === null) return;
    this.ack.poolHandle = m.poolHandle;
    this.ack.peIdentifier = m.peIdentifier;
    link.send(encodeAsap(this.writer, this.ack));
  }

  /** Decodes a HANDLE_RESOLUTION_RESPONSE; the number of PEs, or -1 when it carries an error or does not decode. */
  resolutionPes(bytes: Uint8Array): number {
    const m = decodeAsap(this.decoder, bytes, 0, bytes.length);
    if (m === null || m.type !== ASAP_HANDLE_RESOLUTION_RESPONSE || m.error !== null) return -1;
    return m.poolElements.length;
  }

  /** UDP datagrams received so far (SCTP), 0 for TCP. */
  datagrams(): number {
    return this.transport instanceof SctpTransport ? this.transport.stats.datagrams : 0;
  }

  close(): void {
    this.transport.close();
  }
}

interface RunResult {
  /** Responses counted in the measuring window. */
  count: number;
  ms: number;
  rejected: number;
  invalid: number;
  /** Every response of the run (warm-up and drain included). */
  received: number;
}

/** CPU time (user + system) of a process so far, ms, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Runs `work`; the registrar's CPU microseconds per response, or null. */
async function withCpu(pid: number, work: () => Promise<RunResult>): Promise<{ result: RunResult; cpuUsPerResponse: number | null }> {
  const c0 = cpuMs(pid);
  const result = await work();
  const c1 = cpuMs(pid);
  return { result, cpuUsPerResponse: c0 === null || c1 === null || result.received === 0 ? null : ((c1 - c0) * 1000) / result.received };
}

/**
 * Keeps `window` requests outstanding on each link; `next(link index, n)`
 * gives the n-th request of a link. With `total` > 0: until `total`
 * responses in all (each link gets its share), timed from the first send.
 * Otherwise: for `seconds` after `warmMs`, counting responses in that window.
 */
function pipeline(
  links: Link[],
  next: (link: number, n: number) => Uint8Array,
  expect: number,
  window: number,
  total: number,
  seconds: number,
  warmMs: number,
  check: ((bytes: Uint8Array) => boolean) | null,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const windowStart = start + warmMs;
    const end = windowStart + seconds * 1000;
    let counted = 0;
    let received = 0;
    let rejected = 0;
    let invalid = 0;
    let outstanding = 0;
    let stopped = false;
    let last = start;
    const share = (i: number) => Math.floor(total / links.length) + (i < total % links.length ? 1 : 0);
    const sent = links.map(() => 0);
    const sendOne = (i: number): boolean => {
      if (total > 0 ? sent[i] >= share(i) : stopped) return false;
      links[i].send(next(i, sent[i]++));
      outstanding++;
      return true;
    };
    const timer = setInterval(() => {
      if (links.some((l) => !l.isUp)) {
        clearInterval(timer);
        reject(new Error(`an association went down (${DOWN_NAMES[links.find((l) => !l.isUp)?.downReason ?? 0]})`));
      }
    }, 100);
    const finish = () => {
      clearInterval(timer);
      for (const l of links) l.onResponse = () => undefined;
      if (total > 0) resolve({ count: received, ms: last - start, rejected, invalid, received });
      else resolve({ count: counted, ms: seconds * 1000, rejected, invalid, received });
    };
    links.forEach((link, i) => {
      link.onResponse = (type, flags, bytes) => {
        if (type !== expect) return;
        const now = performance.now();
        received++;
        outstanding--;
        last = now;
        if ((flags & ASAP_FLAG_REJECT) !== 0 && expect === ASAP_REGISTRATION_RESPONSE) rejected++;
        if (check !== null && (received & 255) === 0 && !check(bytes)) invalid++;
        if (total === 0) {
          if (now >= windowStart && now < end) counted++;
          else if (now >= end) stopped = true;
        }
        if (!sendOne(i) && outstanding === 0) finish();
      };
    });
    links.forEach((_, i) => {
      for (let k = 0; k < window; k++) if (!sendOne(i)) break;
    });
    if (outstanding === 0) finish();
  });
}

// ---- one transport --------------------------------------------------------------

interface FailoverSample {
  /** Kill to the PU's "failover" event (its association to the PE went down). */
  detectMs: number;
  /** Kill to "failover-complete" (session up on another PE). */
  completeMs: number;
  /** Kill to the first reply from the new PE. */
  restoredMs: number;
  /** How the PU's association to the killed PE ended. */
  downReason: string;
}

interface TransportFigures {
  transport: TransportName;
  registrarPid: number;
  registrarOptions: string[];
  poolElements: number;
  pools: number;
  registrationAssociations: number;
  /** New PEs registered per second (warm registrar; deregister-and-register cycles). */
  registrationsPerSecond: number;
  deregistrationsPerSecond: number;
  registrationCycles: number;
  /** Registrar CPU per registration or deregistration in those cycles, microseconds. */
  registrationCpuUs: number | null;
  /** The first registration of every PE into the fresh registrar process, ms. */
  coldRegistrationMs: number;
  reregistrationsPerSecond: number;
  /** Registrar process CPU (user + system) per re-registration answered, microseconds. */
  reregistrationCpuUs: number | null;
  resolutionAssociations: number;
  window: number;
  resolutionItems: number;
  resolutionsPerSecond: number;
  /** Registrar process CPU (user + system) per resolution answered, microseconds. */
  resolutionCpuUs: number | null;
  /** 1 s / resolutionCpuUs: what one core busy only with the registrar would answer. */
  resolutionsPerCpuSecond: number | null;
  resolutionsChecked: number;
  /** SCTP: resolution answers per UDP datagram the bench received (bundling). */
  answersPerPacket: number | null;
  keepAlivesAnswered: number;
  failovers: FailoverSample[];
  failoverMedianMs: number | null;
  failoverMaxMs: number | null;
  detection: string;
  registrarExit: string;
  meetsResolutionTarget: boolean;
  meetsFailoverTarget: boolean | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function detectionText(transport: TransportName, reasons: string[]): string {
  const uniq = Array.from(new Set(reasons));
  const say = (r: string): string => {
    if (transport === "sctp" && r === "aborted") {
      return "aborted: the next DATA to the dead PE's UDP port drew an ICMP port unreachable (ECONNREFUSED on the PU's connected UDP socket, RFC 6951 s5.5)";
    }
    if (transport === "tcp" && r === "closed") return "closed: the dead PE's kernel closed its TCP connection (FIN) at process exit";
    if (transport === "tcp" && r === "aborted") return "aborted: the dead PE's kernel reset the TCP connection (RST)";
    if (r === "timeout") return "timeout: transport retransmissions or heartbeats ran out";
    return r;
  };
  return uniq.length === 0 ? "n/a" : uniq.map(say).join("; ");
}

async function measureFailovers(o: Options, transport: TransportName, asapPort: number, udpPort: number, children: Child[]): Promise<FailoverSample[]> {
  const samples: FailoverSample[] = [];
  if (o.failovers === 0) return samples;
  const peArgs = [
    "server", "-echo", "--pool", "EchoPool", "--registrar", `127.0.0.1:${asapPort}`, "--registrar-udp-port", String(udpPort),
    "--transports", transport, "--log-format", "json", "--run-time", "600000",
  ];
  const pes = new Map<string, Child>();
  const startPe = async () => {
    const c = startChild(peArgs);
    children.push(c);
    const ready = await c.waitFor("ready", 15000);
    pes.set(String(ready.pe), c);
  };
  await Promise.all([startPe(), startPe()]);
  const pu: PoolUser = await createPoolUser({
    registrars: [{ addresses: ["127.0.0.1"], port: asapPort, udpPort }],
    transports: [transport],
    announce: false,
    client: { sessionConnectTimeoutMs: 1000 },
  });
  // Record how the PU's associations go down (the Node API does not say).
  const downs: Array<{ at: number; reason: number }> = [];
  const platform = pu.stack.stack.platform;
  platform.transports.forEach((inner, i) => {
    platform.transports[i] = {
      name: inner.name,
      listen: (options, handler, target) => inner.listen(options, handler, target),
      connect: (remote, port, options, handler, target) =>
        inner.connect(remote, port, options, {
          onUp: (t, a, addresses, p) => handler.onUp(t, a, addresses, p),
          onMessage: (t, a, stream, ppid, bytes) => handler.onMessage(t, a, stream, ppid, bytes),
          onDown: (t, a, reason) => {
            if (port !== asapPort) downs.push({ at: performance.now(), reason });
            handler.onDown(t, a, reason);
          },
        }, target),
    };
  });
  let session: Session | null = null;
  let sender: ReturnType<typeof setInterval> | null = null;
  try {
    session = await pu.connect("EchoPool");
    const s = session;
    let counter = 0;
    sender = setInterval(() => s.send(`failover bench ${++counter}\n`), o.interval);
    for (let round = 0; round < o.failovers; round++) {
      // Steady state first: a reply from the current PE.
      await new Promise<void>((resolve) => s.once("data", () => resolve()));
      const victim = pes.get(hex(s.identifier));
      if (victim === undefined) throw new Error(`the session's PE ${hex(s.identifier)} is not one of the bench's`);
      pes.delete(hex(s.identifier));
      const result = new Promise<FailoverSample>((resolve, reject) => {
        let detected = -1;
        let completed = -1;
        const timer = setTimeout(() => reject(new Error("no failover within 10 s")), 10000);
        s.once("failover", () => (detected = performance.now()));
        s.once("failover-complete", () => {
          completed = performance.now();
          s.once("data", () => {
            clearTimeout(timer);
            const restored = performance.now();
            const down = downs.find((d) => d.at >= killedAt);
            resolve({
              detectMs: detected - killedAt,
              completeMs: completed - killedAt,
              restoredMs: restored - killedAt,
              downReason: down === undefined ? "unknown" : (DOWN_NAMES[down.reason] ?? String(down.reason)),
            });
          });
        });
      });
      const killedAt = performance.now();
      victim.process.kill("SIGKILL");
      samples.push(await result);
      // A fresh PE replaces the killed one.
      await startPe();
    }
  } finally {
    if (sender !== null) clearInterval(sender);
    if (session !== null) session.close();
    await pu.close();
    await Promise.all(Array.from(pes.values()).map((c) => stopChild(c)));
  }
  return samples;
}

async function benchTransport(o: Options, transport: TransportName): Promise<TransportFigures> {
  const total = o.pools * o.perPool;
  const perAssociation = Math.ceil(total / o.regAssociations);
  const registrarOptions = [
    "--max-hr-rate", "0",
    "--max-pes-per-association", String(Math.max(perAssociation, 128)),
    "--max-bad-pe-reports", "1",
  ];
  const children: Child[] = [];
  const registrar = startChild([
    "registrar", "--asap", "127.0.0.1:0", "--enrp", "off", "--sctp-udp-port", "0", "--asap-announce", "off",
    "--min-address-scope", "loopback", "--transports", transport, "--log-format", "json", "--run-time", "600000",
    ...registrarOptions,
  ], o.profile !== "" ? ["--cpu-prof", "--cpu-prof-dir", o.profile] : []);
  children.push(registrar);
  let gen: Generator | null = null;
  try {
    const ready = await registrar.waitFor("ready", 15000);
    const asapPort = Number(ready.asapPort);
    const udpPort = Number(ready.sctpUdpPort) || 9899;
    gen = new Generator(transport, asapPort, udpPort);
    const g = gen;

    // Messages, encoded beforehand.
    const writer = createWriter(256);
    const handles = Array.from({ length: o.pools }, (_, p) => new TextEncoder().encode(`bench-${p}`));
    const loopback = parseAddress("127.0.0.1") as Uint8Array;
    const protocol = transport === "sctp" ? PARAM_SCTP_TRANSPORT : PARAM_TCP_TRANSPORT;
    const registrations: Uint8Array[][] = Array.from({ length: o.regAssociations }, () => []);
    const deregistrations: Uint8Array[][] = Array.from({ length: o.regAssociations }, () => []);
    for (let i = 0; i < total; i++) {
      const m = newAsapMessage(ASAP_REGISTRATION);
      m.poolHandle = handles[i % o.pools];
      const t = newTransport(protocol, 10000 + (i % 50000), TRANSPORT_USE_DATA_ONLY, [loopback]);
      m.poolElements.push(newPoolElement(i + 1, 0, 30000, t, newPolicy(POLICY_ROUND_ROBIN), null));
      registrations[i % o.regAssociations].push(encodeAsap(writer, m).slice());
      const d = newAsapMessage(ASAP_DEREGISTRATION);
      d.poolHandle = m.poolHandle;
      d.peIdentifier = i + 1;
      deregistrations[i % o.regAssociations].push(encodeAsap(writer, d).slice());
    }
    const resolutions = handles.map((h) => {
      const m = newAsapMessage(ASAP_HANDLE_RESOLUTION);
      m.poolHandle = h;
      m.items = o.items;
      return encodeAsap(writer, m).slice();
    });

    // Registrations: every PE once into a fresh registrar process (cold:
    // its code not optimised yet), then cycles of deregistering and
    // registering them all again for S seconds (new registrations, warm),
    // then re-registrations (updates) for S seconds.
    const regLinks = await g.open(o.regAssociations);
    const registerAll = async (): Promise<RunResult> => {
      const r = await pipeline(regLinks, (l, n) => registrations[l][n], ASAP_REGISTRATION_RESPONSE, o.window, total, 0, 0, null);
      if (r.count !== total || r.rejected > 0) throw new Error(`registrations: ${r.count} answers, ${r.rejected} rejected`);
      return r;
    };
    const first = await registerAll();
    const pid = registrar.process.pid ?? 0;
    let cycles = 0;
    let registrationMsTotal = 0;
    let deregistrationMsTotal = 0;
    const cycleCpu0 = cpuMs(pid);
    while (cycles === 0 || registrationMsTotal + deregistrationMsTotal < o.seconds * 1000) {
      const d = await pipeline(regLinks, (l, n) => deregistrations[l][n], ASAP_DEREGISTRATION_RESPONSE, o.window, total, 0, 0, null);
      if (d.count !== total) throw new Error(`deregistrations: ${d.count} answers`);
      deregistrationMsTotal += d.ms;
      registrationMsTotal += (await registerAll()).ms;
      cycles++;
    }
    const cycleCpu1 = cpuMs(pid);
    const cycleCpuUs = cycleCpu0 === null || cycleCpu1 === null ? null : ((cycleCpu1 - cycleCpu0) * 1000) / (2 * cycles * total);
    const { result: again, cpuUsPerResponse: reregistrationCpuUs } = await withCpu(pid, () =>
      pipeline(regLinks, (l, n) => registrations[l][n % registrations[l].length], ASAP_REGISTRATION_RESPONSE, o.window, 0, o.seconds, 250, null),
    );
    if (again.rejected > 0) throw new Error(`re-registrations: ${again.rejected} rejected`);

    // Resolutions.
    const puLinks = await g.open(o.associations);
    const items = o.items ?? 3;
    let checked = 0;
    const check = (bytes: Uint8Array) => {
      checked++;
      return g.resolutionPes(bytes) === Math.min(items, o.perPool);
    };
    const datagrams0 = g.datagrams();
    const { result: res, cpuUsPerResponse: resolutionCpuUs } = await withCpu(pid, () =>
      pipeline(puLinks, (l, n) => resolutions[(l + n) % resolutions.length], ASAP_HANDLE_RESOLUTION_RESPONSE, o.window, 0, o.seconds, 500, check),
    );
    const resolutionDatagrams = g.datagrams() - datagrams0;
    if (res.invalid > 0) throw new Error(`resolutions: ${res.invalid} of ${checked} checked answers wrong`);
    for (const l of puLinks) l.assoc?.close();

    const samples = await measureFailovers(o, transport, asapPort, udpPort, children);
    const keepAlives = g.links.reduce((n, l) => n + l.keepAlives, 0);
    for (const l of regLinks) l.assoc?.close();
    await new Promise((r) => setTimeout(r, 100));
    g.close();
    gen = null;
    const exit = await stopChild(registrar);
    const complete = samples.map((s) => s.completeMs);
    const resolutionsPerSecond = res.count / (res.ms / 1000);
    return {
      transport,
      registrarPid: registrar.process.pid ?? 0,
      registrarOptions,
      poolElements: total,
      pools: o.pools,
      registrationAssociations: o.regAssociations,
      registrationsPerSecond: (cycles * total) / (registrationMsTotal / 1000),
      deregistrationsPerSecond: (cycles * total) / (deregistrationMsTotal / 1000),
      registrationCycles: cycles,
      registrationCpuUs: cycleCpuUs,
      coldRegistrationMs: first.ms,
      reregistrationsPerSecond: again.count / (again.ms / 1000),
      reregistrationCpuUs,
      resolutionAssociations: o.associations,
      window: o.window,
      resolutionItems: items,
      resolutionsPerSecond,
      resolutionCpuUs,
      resolutionsPerCpuSecond: resolutionCpuUs === null || resolutionCpuUs === 0 ? null : 1e6 / resolutionCpuUs,
      resolutionsChecked: checked,
      answersPerPacket: transport === "sctp" && resolutionDatagrams > 0 ? res.received / resolutionDatagrams : null,
      keepAlivesAnswered: keepAlives,
      failovers: samples,
      failoverMedianMs: median(complete),
      failoverMaxMs: complete.length > 0 ? Math.max(...complete) : null,
      detection: detectionText(transport, samples.map((s) => s.downReason)),
      registrarExit: exit.signal !== null ? exit.signal : `exit ${exit.code}`,
      meetsResolutionTarget: resolutionsPerSecond >= TARGET_RESOLUTIONS,
      meetsFailoverTarget: complete.length > 0 ? Math.max(...complete) < TARGET_FAILOVER_MS : null,
    };
  } finally {
    if (gen !== null) gen.close();
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exited));
  }
}

// ---- output -------------------------------------------------------------------------

const f = (x: number): string => Math.round(x).toLocaleString("en-US");
const ms = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(1)} ms`);
const us = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(1)} us`);

function text(r: TransportFigures, o: Options): string {
  const lines = [
    `e2e over ${r.transport} (registrar process pid ${r.registrarPid} on loopback, node ${process.version})`,
    `  registrar options  ${r.registrarOptions.join(" ")}  (lifts the default limits of 128 PEs and 100 resolutions/s per association;`,
    `                     one unreachable report removes a PE)`,
    `  registrations/s    ${f(r.registrationsPerSecond)}  (${f(r.poolElements)} new PEs in ${r.pools} pools over ${r.registrationAssociations} associations, ${o.window} outstanding each; ` +
      `${r.registrationCycles} cycles of deregistering (${f(r.deregistrationsPerSecond)}/s) and registering them all; registrar CPU ${us(r.registrationCpuUs)} per request)`,
    `  cold start         the first ${f(r.poolElements)} registrations into the fresh registrar process took ${r.coldRegistrationMs.toFixed(0)} ms`,
    `  re-registrations/s ${f(r.reregistrationsPerSecond)}  (the same PEs again for ${o.seconds} s)`,
    `  resolutions/s      ${f(r.resolutionsPerSecond)}  (${r.resolutionAssociations} associations x ${r.window} outstanding, k = ${r.resolutionItems}, ${o.seconds} s; ` +
      `target ${f(TARGET_RESOLUTIONS)}: ${r.meetsResolutionTarget ? "met" : "NOT met"}; ${r.resolutionsChecked} answers decoded and checked)`,
    `  registrar CPU      ${us(r.resolutionCpuUs)} per resolution (${r.resolutionsPerCpuSecond === null ? "n/a" : f(r.resolutionsPerCpuSecond)}/s per CPU second), ` +
      `${us(r.reregistrationCpuUs)} per re-registration (user + system time of the registrar process)` +
      (r.answersPerPacket === null ? "" : `; ${r.answersPerPacket.toFixed(1)} answers per SCTP packet`),
    `  keep-alives        ${r.keepAlivesAnswered} answered for the bench PEs`,
  ];
  if (r.failovers.length > 0) {
    lines.push(
      `  failover           median ${ms(r.failoverMedianMs)}, max ${ms(r.failoverMaxMs)} from kill -9 to failover-complete over ${r.failovers.length} kills ` +
        `(target < ${TARGET_FAILOVER_MS} ms: ${r.meetsFailoverTarget ? "met" : "NOT met"}; the PU sends every ${o.interval} ms)`,
      `                     each: ${r.failovers.map((s) => `detect ${s.detectMs.toFixed(1)} / complete ${s.completeMs.toFixed(1)} / reply ${s.restoredMs.toFixed(1)}`).join(", ")} ms`,
      `  detection          ${r.detection}`,
    );
  }
  lines.push(`  registrar          ${r.registrarExit} on SIGTERM`);
  return lines.join("\n") + "\n";
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const o = parse(args);
  if (typeof o === "string") {
    process.stderr.write(`rserpool bench e2e: ${o}\n\n${HELP}`);
    return 2;
  }
  const results: TransportFigures[] = [];
  for (const transport of o.transports) {
    try {
      const r = await benchTransport(o, transport);
      results.push(r);
      if (!o.json) process.stdout.write(text(r, o));
    } catch (e) {
      process.stderr.write(`rserpool bench e2e (${transport}): ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          bench: "e2e",
          node: process.version,
          seconds: o.seconds,
          targets: { resolutionsPerSecond: TARGET_RESOLUTIONS, failoverMs: TARGET_FAILOVER_MS },
          results,
        },
        null,
        2,
      ) + "\n",
    );
  }
  return 0;
}
