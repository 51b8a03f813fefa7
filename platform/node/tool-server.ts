// rserpool server: a pool element hosting one demo service (rsplib's
// rspserver): registers with a registrar, re-registers, answers keep-alives,
// serves sessions; deregisters on SIGINT/SIGTERM. Failure injection:
// --fail-after N messages, then exit without a goodbye or abort everything.

import { createPoolElement, hex } from "./api.js";
import type { PoolElement, PoolElementOptions, RSerPoolError } from "./api.js";
import type { OptionSpec, OptionValues } from "./options.js";
import { parseEndpoint } from "./plumbing.js";
import { formatPolicy, isAdaptivePolicy, parsePolicy } from "./policy.js";
import { DEFAULT_POOLS, DEFAULT_PPIDS, defaultServiceOptions, SERVICES, startService } from "./services.js";
import type { ServiceName, ServiceOptions } from "./services.js";
import {
  allLogSpecs,
  CLIENT_SPECS,
  clientOptionsFrom,
  onStopSignal,
  parseToolOptions,
  toolLogger,
  UsageError,
  usageFailure,
} from "./tool-common.js";

const S = defaultServiceOptions();

export const SERVER_SPECS: OptionSpec[] = [
  {
    name: "service",
    kind: "string",
    help: "the service to host (or one of the rsplib flags -echo, -discard, -daytime, -chargen, -pingpong, -calcapp)",
    choices: SERVICES,
    default: "echo",
    metavar: "NAME",
  },
  { name: "echo", kind: "flag", help: "same as --service echo (pool EchoPool)", aliases: ["echo"] },
  { name: "discard", kind: "flag", help: "same as --service discard (pool DiscardPool)", aliases: ["discard"] },
  { name: "daytime", kind: "flag", help: "same as --service daytime (pool DaytimePool)", aliases: ["daytime"] },
  { name: "chargen", kind: "flag", help: "same as --service chargen (pool CharGenPool)", aliases: ["chargen"] },
  { name: "pingpong", kind: "flag", help: "same as --service pingpong (pool PingPongPool): PING/PONG lines, reply counter in cookies", aliases: ["pingpong"] },
  { name: "calcapp", kind: "flag", help: "same as --service calcapp (pool CalcAppPool): compute jobs, progress in cookies, load reports", aliases: ["calcapp"] },
  { name: "pool", kind: "string", help: "pool handle (default: the service's rsplib pool, e.g. EchoPool)", aliases: ["poolhandle"], metavar: "HANDLE" },
  { name: "identifier", kind: "integer", help: "PE identifier, decimal or 0x...; 0 = random", aliases: ["identifier"], default: 0, min: 0, max: 4294967295, metavar: "ID" },
  {
    name: "policy",
    kind: "string",
    help:
      "pool member selection policy NAME[:ARGS], rsplib spellings or short forms, case-insensitive: RoundRobin|rr, " +
      "WeightedRoundRobin|wrr:W, Random, WeightedRandom:W, Priority:P, LeastUsed|lu, LeastUsedDegradation:D, " +
      "PriorityLeastUsed:D, RandomizedLeastUsed, ... (fractions as 0.05 or 5%)",
    aliases: ["policy"],
    default: "RoundRobin",
    metavar: "POLICY",
  },
  { name: "reregister-interval", kind: "integer", help: "re-registration interval, ms; the registration life is 3 times it", aliases: ["rereginterval"], default: 30000, min: 100, max: 3600000, metavar: "MS" },
  { name: "port", kind: "integer", help: "session port (SCTP port on UDP port PORT, and TCP port); 0 = a free port", default: 0, min: 0, max: 65535, metavar: "PORT" },
  { name: "local", kind: "list", help: "local addresses to listen on (default: every address)", aliases: ["local"], metavar: "ADDR" },
  { name: "address", kind: "list", help: "addresses to register (default: the local address towards the first registrar)", metavar: "ADDR" },
  { name: "ppid", kind: "integer", help: "PPID of messages the service starts by itself (default: 33 pingpong, 34 calcapp, else 0)", min: 0, max: 4294967295, metavar: "N" },
  { name: "max-sessions", kind: "integer", help: "sessions served at once (rsplib -chargenmaxthreads, -pppmaxthreads)", aliases: ["chargenmaxthreads", "pppmaxthreads"], default: S.maxSessions, min: 1, max: 65536, metavar: "N" },
  { name: "chargen-interval", kind: "integer", help: "chargen: ms between lines", default: S.chargenIntervalMs, min: 1, max: 60000, metavar: "MS" },
  { name: "ppp-failure-after", kind: "integer", help: "pingpong: close a session after N PONGs (the PU fails over with its cookie); 0 = never", aliases: ["pppfailureafter"], default: 0, min: 0, max: 2147483647, metavar: "N" },
  { name: "cap-capacity", kind: "integer", help: "calcapp: calculations per second, shared by the running jobs", aliases: ["capcapacity"], default: S.calcappCapacity, min: 1, max: 2147483647, metavar: "N" },
  { name: "cap-max-jobs", kind: "integer", help: "calcapp: jobs at once; load = jobs / this", aliases: ["capmaxjobs"], default: S.calcappMaxJobs, min: 1, max: 65536, metavar: "N" },
  { name: "cap-cookie-max-time", kind: "integer", help: "calcapp: a progress cookie at least this often, ms", aliases: ["capcookiemaxtime"], default: S.calcappCookieMaxTimeMs, min: 100, max: 3600000, metavar: "MS" },
  { name: "cap-cookie-max-calculations", kind: "integer", help: "calcapp: a progress cookie at least every N calculations", aliases: ["capcookiemaxcalculations"], default: S.calcappCookieMaxCalculations, min: 1, max: 2147483647, metavar: "N" },
  { name: "fail-after", kind: "integer", help: "failure injection: after N received messages (all sessions), do --fail-action; 0 = never", default: 0, min: 0, max: 2147483647, metavar: "N" },
  {
    name: "fail-action",
    kind: "string",
    help: "exit: exit at once with status 3, no deregistration, nothing sent (peers must notice); abort: abort every association (SCTP ABORT / TCP RST), then exit 3",
    choices: ["exit", "abort"],
    default: "exit",
    metavar: "ACTION",
  },
  { name: "run-time", kind: "integer", help: "deregister and stop after this long, ms; 0 = run until SIGINT/SIGTERM", aliases: ["runtime"], default: 0, min: 0, max: 2147483647, metavar: "MS" },
  { name: "daemon", kind: "flag", help: "keep running when no registrar can be reached at start (keep trying)", default: false },
  ...CLIENT_SPECS,
  ...allLogSpecs(),
];

export interface ServerSetup {
  service: ServiceName;
  pe: PoolElementOptions;
  serviceOptions: ServiceOptions;
  failAfter: number;
  failAction: "exit" | "abort";
  runTimeMs: number;
}

/** The PE configuration from parsed options (exported for tests). */
export function serverSetup(values: OptionValues): ServerSetup {
  const flagged = SERVICES.filter((s) => values[s] === true);
  if (flagged.length > 1) throw new UsageError(`choose one service, not ${flagged.map((s) => "-" + s).join(" and ")}`);
  const service = (flagged[0] ?? (values["service"] as string).toLowerCase()) as ServiceName;
  let policy;
  try {
    policy = parsePolicy(values["policy"] as string);
  } catch (e) {
    throw new UsageError(`--policy: ${(e as Error).message}`);
  }
  const addresses = (values["address"] as string[]).map((a) => {
    const e = parseEndpoint(a, 0);
    if (e.addresses.length !== 1) throw new UsageError(`--address: '${a}' is not one address`);
    return e.addresses[0];
  });
  const local = (values["local"] as string[]).flatMap((a) => parseEndpoint(a, 0).addresses);
  const o: ServiceOptions = {
    ppid: (values["ppid"] as number | undefined) ?? DEFAULT_PPIDS[service],
    chargenIntervalMs: values["chargen-interval"] as number,
    maxSessions: values["max-sessions"] as number,
    pingpongFailureAfter: values["ppp-failure-after"] as number,
    calcappCapacity: values["cap-capacity"] as number,
    calcappMaxJobs: values["cap-max-jobs"] as number,
    calcappCookieMaxTimeMs: values["cap-cookie-max-time"] as number,
    calcappCookieMaxCalculations: values["cap-cookie-max-calculations"] as number,
  };
  return {
    service,
    pe: {
      ...clientOptionsFrom(values),
      poolHandle: (values["pool"] as string | undefined) ?? DEFAULT_POOLS[service],
      identifier: values["identifier"] as number,
      policy,
      port: values["port"] as number,
      listenAddresses: local,
      addresses: addresses.length > 0 ? addresses : local.length > 0 ? local : undefined,
      reregistrationInterval: values["reregister-interval"] as number,
      daemon: values["daemon"] === true,
    },
    serviceOptions: o,
    failAfter: values["fail-after"] as number,
    failAction: values["fail-action"] as "exit" | "abort",
    runTimeMs: values["run-time"] as number,
  };
}

export async function run(args: string[]): Promise<number> {
  let setup: ServerSetup;
  let values: OptionValues;
  try {
    const parsed = parseToolOptions(
      SERVER_SPECS,
      args,
      "rserpool server [--service NAME | -echo | -discard | ...] [options]",
      "A pool element hosting a demo service (rsplib's rspserver): echo, discard, daytime, chargen, pingpong\n" +
        "(cookie-based failover) or calcapp (compute jobs, progress in cookies, load-based policies).\n" +
        "It registers with a registrar (--registrar, or one heard in announces), re-registers, answers\n" +
        "keep-alives, and deregisters on SIGINT/SIGTERM. rsplib's -name=value spellings are accepted.",
      "Log records go to standard output; the first info record is 'ready' (PE identifier, pool, port)\n" +
        "once registered. Exit status 0 after a graceful stop, 1 when it cannot start, 2 on a usage error,\n" +
        "3 after an injected failure.",
    );
    if (parsed === null) return 0;
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    values = parsed.values;
    setup = serverSetup(values);
  } catch (e) {
    return usageFailure("server", e);
  }
  const log = toolLogger("server", values);
  let pe: PoolElement;
  try {
    pe = await createPoolElement(setup.pe);
  } catch (e) {
    log.error("start-failed", { error: (e as Error).message, code: (e as RSerPoolError).code });
    await log.flush();
    return 1;
  }
  pe.on("registered", () => log.debug("registered", { pe: hex(pe.identifier) }));
  pe.on("registration-failed", (e: RSerPoolError) => log.warn("registration-failed", { error: e.message, code: e.code }));
  const id = (x: { registrar: number }) => (x.registrar !== 0 ? hex(x.registrar) : undefined);
  pe.on("registrar-up", (x: { registrar: number }) => log.debug("registrar-up", { registrar: id(x) }));
  pe.on("registrar-down", (x: { registrar: number }) => log.info("registrar-down", { registrar: id(x) }));
  pe.on("home-changed", (x: { registrar: number }) => log.info("home-changed", { registrar: hex(x.registrar) }));
  pe.on("warning", (e: Error) => log.warn("warning", { error: e.message }));
  const service = startService(pe, setup.service, setup.serviceOptions, log);
  let received = 0;
  service.onMessage = () => {
    received++;
    if (setup.failAfter > 0 && received === setup.failAfter) {
      log.info("failure-injected", { after: received, action: setup.failAction });
      void log.flush().then(() => {
        if (setup.failAction === "abort") pe.stack.stack.close();
        process.exit(3);
      });
    }
  };
  log.info("ready", {
    pe: hex(pe.identifier),
    pool: pe.poolHandle,
    service: setup.service,
    policy: formatPolicy(pe.policy),
    port: pe.port,
    addresses: pe.addresses.join(","),
    registered: pe.registered,
    pid: process.pid,
  });
  if (isAdaptivePolicy(pe.policy.type) && setup.service !== "calcapp") {
    // Load = open sessions / max sessions (rsplib's TCPLikeServer rule).
    const update = () => pe.setLoad(service.sessions() / setup.serviceOptions.maxSessions);
    pe.on("session", (s) => {
      setImmediate(update);
      s.on("close", () => setImmediate(update));
    });
  }
  const why = await new Promise<string>((resolve) => {
    onStopSignal((signal) => resolve(signal));
    if (setup.runTimeMs > 0) setTimeout(() => resolve("run-time"), setup.runTimeMs).unref();
  });
  log.info("stopping", { reason: why, sessions: service.sessions() });
  service.stop();
  await pe.close(2000);
  log.info("stopped", { pe: hex(pe.identifier), messages: received });
  await log.flush();
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
