// rserpool registrar: a pool registrar (rsplib's rspregistrar) on real
// sockets: ASAP on SCTP (over UDP encapsulation) and on the TCP mapping,
// ENRP handle-table answers for hsdump, log records as text or JSON lines,
// graceful stop on SIGINT/SIGTERM.

import fs from "node:fs";
import type { RegistrarConfig } from "../../core/registrar/index.js";
import { defaultRegistrarConfig } from "../../core/registrar/index.js";
import { hex, startRegistrar } from "./api.js";
import type { Registrar, RegistrarEventInfo, RegistrarOptions } from "./api.js";
import type { LogLevel } from "./log.js";
import type { OptionSpec, OptionValues } from "./options.js";
import { ASAP_PORT, ENRP_PORT, parseEndpoint, SCTP_UDP_PORT } from "./plumbing.js";
import { allLogSpecs, onStopSignal, parseToolOptions, toolLogger, transportsFrom, TRANSPORTS_SPEC, UsageError, usageFailure } from "./tool-common.js";

const D = defaultRegistrarConfig();

/** Numeric registrar options: long name, rsplib spellings, config key, help, unit. */
const NUMERIC: Array<[string, string[], keyof RegistrarConfig, string, string]> = [
  ["announce-ttl", ["announcettl"], "announceTtl", "multicast TTL of announces (1-255)", "N"],
  ["server-announce-cycle", ["serverannouncecycle"], "serverAnnounceCycleMs", "ASAP SERVER_ANNOUNCE interval, ms, +-12.5 % jitter (100-60000)", "MS"],
  ["keep-alive-interval", ["endpointkeepalivetransmissioninterval"], "keepAliveTransmissionIntervalMs", "ENDPOINT_KEEP_ALIVE to each home PE after this long, ms (300-300000)", "MS"],
  ["keep-alive-timeout", ["endpointkeepalivetimeoutinterval"], "keepAliveTimeoutIntervalMs", "a PE not answering a keep-alive within this long is removed and its association aborted, ms (100-60000)", "MS"],
  ["max-bad-pe-reports", ["maxbadpereports"], "maxBadPeReports", "ENDPOINT_UNREACHABLE reports that remove a PE (RFC 5353 MAX-BAD-PE-REPORT)", "N"],
  ["max-hres-items", ["maxhresitems"], "maxHandleResolutionItems", "PEs per handle resolution answer when the PU does not ask for a number (1-128)", "N"],
  ["max-increment", ["maxincrement"], "maxIncrement", "PEs of an answer that advance the policy (round robin, degradation); 0 = the policy's default", "N"],
  ["distance-step", ["distancestep"], "distanceStepMs", "rounding of DPF distances, ms", "MS"],
  ["max-hr-rate", ["maxhrrate"], "maxHandleResolutionRate", "handle resolutions per second per association (RFC 5355 flooding; 0 = unlimited; rsplib: unlimited)", "N"],
  ["hr-burst", [], "handleResolutionBurst", "burst allowance of --max-hr-rate", "N"],
  ["max-eu-rate", ["maxeurate"], "maxEndpointUnreachableRate", "ENDPOINT_UNREACHABLE reports per second per association; more are ignored (0 = unlimited; rsplib: unlimited)", "N"],
  ["eu-burst", [], "endpointUnreachableBurst", "burst allowance of --max-eu-rate", "N"],
  ["identifier", ["identifier"], "identifier", "registrar identifier, decimal or 0x...; 0 = random", "ID"],
  ["max-elements-per-ht-request", ["maxelementsperhtrequest"], "maxElementsPerHandleTableRequest", "PEs per ENRP HANDLE_TABLE_RESPONSE (more are paged with the M flag)", "N"],
  ["mentor-discovery-timeout", ["mentordiscoverytimeout", "mentorhuntinterval"], "mentorDiscoveryTimeoutMs", "ENRP start-up: wait this long for a mentor peer, ms (stored; ENRP peering is not run yet)", "MS"],
  ["peer-heartbeat-cycle", ["peerheartbeatcycle"], "peerHeartbeatCycleMs", "ENRP PRESENCE interval, ms (stored; ENRP peering is not run yet)", "MS"],
  ["peer-max-time-last-heard", ["peermaxtimelastheard"], "peerMaxTimeLastHeardMs", "ENRP: ask a silent peer after this long, ms (stored; ENRP peering is not run yet)", "MS"],
  ["peer-max-time-no-response", ["peermaxtimenoresponse"], "peerMaxTimeNoResponseMs", "ENRP: a peer not answering within this long is dead, ms (stored; ENRP peering is not run yet)", "MS"],
  ["takeover-expiry-interval", ["takeoverexpiryinterval"], "takeoverExpiryIntervalMs", "ENRP takeover: wait this long for acknowledgements, ms (stored; ENRP peering is not run yet)", "MS"],
  ["csp-interval", ["cspinterval"], "cspIntervalMs", "Component Status Protocol report interval, ms (stored; no CSP reports are sent yet)", "MS"],
  ["max-associations", [], "maxAssociations", "concurrent associations; more are aborted at once", "N"],
  ["max-pes-per-association", [], "maxPoolElementsPerAssociation", "PEs registered through one association; more are refused (lack of resources)", "N"],
  ["max-pools", [], "maxPools", "pools in the handlespace", "N"],
  ["max-pool-elements", [], "maxPoolElements", "PEs in the handlespace", "N"],
  ["max-pool-elements-per-pool", [], "maxPoolElementsPerPool", "PEs in one pool", "N"],
  ["max-pool-handle-length", [], "maxPoolHandleLength", "longest pool handle, bytes (rsplib: 32)", "N"],
  ["max-addresses", [], "maxAddresses", "addresses per transport parameter (rsplib: 64)", "N"],
  ["max-message-size", [], "maxMessageSize", "largest ASAP message accepted, bytes", "N"],
  ["transmit-queue-capacity", [], "transmitQueueCapacity", "messages queued for sending", "N"],
  ["event-queue-capacity", [], "eventQueueCapacity", "events queued for the log", "N"],
];

export const REGISTRAR_SPECS: OptionSpec[] = [
  {
    name: "asap",
    kind: "string",
    help: "ASAP endpoint: auto (every address, port 3863) or ADDR[,ADDR...][:PORT]; port 0 picks a free port; SCTP and TCP use the same port number",
    aliases: ["asap"],
    default: "auto",
    metavar: "ENDPOINT",
  },
  {
    name: "enrp",
    kind: "string",
    help: "ENRP endpoint (HANDLE_TABLE_REQUEST answers for hsdump): auto (every address, port 9901), ADDR[,ADDR...][:PORT], or off",
    aliases: ["enrp"],
    default: "auto",
    metavar: "ENDPOINT",
  },
  TRANSPORTS_SPEC,
  {
    name: "sctp-udp-port",
    kind: "integer",
    help: "UDP encapsulation port of the SCTP listeners (RFC 6951; 0 = ephemeral)",
    default: SCTP_UDP_PORT,
    min: 0,
    max: 65535,
    metavar: "PORT",
  },
  {
    name: "asap-announce",
    kind: "string",
    help: "ASAP SERVER_ANNOUNCE: auto (239.0.0.50:3863), off|none, or GROUP:PORT",
    aliases: ["asapannounce"],
    default: "auto",
    metavar: "MODE",
  },
  {
    name: "enrp-announce",
    kind: "string",
    help: "ENRP multicast PRESENCE group: auto (239.0.0.51:9901), off|none, or GROUP:PORT (stored; ENRP peering is not run yet)",
    aliases: ["enrpannounce", "enrpmulticast"],
    default: "auto",
    metavar: "MODE",
  },
  {
    name: "peer",
    kind: "list",
    help: "static ENRP peer ADDR[,ADDR...][:PORT] (port 9901), repeatable (stored; ENRP peering is not run yet)",
    aliases: ["peer"],
    metavar: "ADDR:PORT",
  },
  {
    name: "min-address-scope",
    kind: "string",
    help: "PE addresses below this scope are refused (anti-spoofing, RFC 5355); use loopback to run everything on one host",
    aliases: ["minaddressscope"],
    choices: ["loopback", "linklocal", "sitelocal", "global"],
    default: D.minAddressScope,
    metavar: "SCOPE",
  },
  {
    name: "auto-close-timeout",
    kind: "integer",
    help: "close associations idle this long, seconds (min 5; 0 = never)",
    aliases: ["autoclosetimeout"],
    default: D.autoCloseTimeoutMs / 1000,
    min: 0,
    max: 2147483,
    metavar: "S",
  },
  { name: "disable-ipv6", kind: "flag", help: "refuse IPv6 PE addresses", aliases: ["disable-ipv6"] },
  {
    name: "support-takeover-suggestion",
    kind: "flag",
    help: "mark ENRP ADD_PE updates with the takeover suggestion (stored; ENRP peering is not run yet)",
    aliases: ["supporttakeoversuggestion"],
  },
  {
    name: "csp-server",
    kind: "string",
    help: "Component Status Protocol collector ADDR:PORT (stored; no CSP reports are sent yet)",
    aliases: ["cspserver"],
    metavar: "ADDR:PORT",
  },
  ...NUMERIC.map(([name, aliases, key, help, metavar]): OptionSpec => ({
    name,
    kind: "integer",
    help,
    aliases,
    default: D[key] as number,
    min: 0,
    max: 4294967295,
    metavar,
  })),
  { name: "run-time", kind: "integer", help: "stop (gracefully) after this long, ms; 0 = run until SIGINT/SIGTERM", default: 0, min: 0, max: 2147483647, metavar: "MS" },
  { name: "pid-file", kind: "string", help: "write the process id to FILE (the process stays in the foreground)", aliases: ["daemonpidfile"], metavar: "FILE" },
  {
    name: "log-statistics",
    kind: "integer",
    help: "log a statistics record every MS (0 = only at exit)",
    default: 0,
    min: 0,
    max: 86400000,
    metavar: "MS",
  },
  ...allLogSpecs(),
];

function endpoint(option: string, text: string, defaultPort: number): { addresses: string[]; port: number } {
  try {
    return parseEndpoint(text, defaultPort);
  } catch (e) {
    throw new UsageError(`--${option}: '${text}': ${(e as Error).message}`);
  }
}

function group(option: string, text: string, defaultAddress: string, defaultPort: number): { on: boolean; address: string; port: number } {
  const v = text.toLowerCase();
  if (v === "auto" || v === "on") return { on: true, address: defaultAddress, port: defaultPort };
  if (v === "off" || v === "none") return { on: false, address: defaultAddress, port: defaultPort };
  const e = endpoint(option, text, defaultPort);
  if (e.addresses.length !== 1) throw new UsageError(`--${option}: '${text}' needs one group address`);
  return { on: true, address: e.addresses[0], port: e.port };
}

export interface RegistrarSetup {
  options: RegistrarOptions;
  runTimeMs: number;
  pidFile: string;
  statisticsMs: number;
}

/** The registrar configuration from parsed options (exported for tests). */
export function registrarSetup(values: OptionValues): RegistrarSetup {
  const transports = transportsFrom(values);
  const config: Partial<RegistrarConfig> = {};
  const asap = endpoint("asap", values["asap"] as string, ASAP_PORT);
  config.asapAddresses = asap.addresses;
  config.asapPort = asap.port;
  config.asapTransports = transports.slice();
  const enrpText = (values["enrp"] as string).toLowerCase();
  if (enrpText === "off" || enrpText === "none") {
    config.enrpTransports = [];
  } else {
    const enrp = endpoint("enrp", values["enrp"] as string, ENRP_PORT);
    config.enrpAddresses = enrp.addresses;
    config.enrpPort = enrp.port;
    config.enrpTransports = transports.slice();
  }
  const announce = group("asap-announce", values["asap-announce"] as string, D.announceAddress, D.announcePort);
  config.asapAnnounce = announce.on;
  config.announceAddress = announce.address;
  config.announcePort = announce.port;
  const enrpAnnounce = group("enrp-announce", values["enrp-announce"] as string, D.enrpAnnounceAddress, D.enrpAnnouncePort);
  config.enrpAnnounce = enrpAnnounce.on;
  config.enrpAnnounceAddress = enrpAnnounce.address;
  config.enrpAnnouncePort = enrpAnnounce.port;
  config.peers = (values["peer"] as string[]).map((p) => {
    const e = endpoint("peer", p, ENRP_PORT);
    if (e.addresses.length === 0) throw new UsageError(`--peer: '${p}' has no address`);
    return e.addresses.map((a) => (a.includes(":") ? `[${a}]` : a)).join(",") + `:${e.port}`;
  });
  config.minAddressScope = values["min-address-scope"] as string;
  config.autoCloseTimeoutMs = (values["auto-close-timeout"] as number) * 1000;
  config.disableIPv6 = values["disable-ipv6"] === true;
  config.supportTakeoverSuggestion = values["support-takeover-suggestion"] === true;
  config.cspServer = (values["csp-server"] as string | undefined) ?? "";
  for (const [name, , key] of NUMERIC) (config as Record<string, unknown>)[key] = values[name];
  return {
    options: { transports, sctpUdpPort: values["sctp-udp-port"] as number, config },
    runTimeMs: values["run-time"] as number,
    pidFile: (values["pid-file"] as string | undefined) ?? "",
    statisticsMs: values["log-statistics"] as number,
  };
}

const EVENT_LEVELS: Record<string, LogLevel> = {
  registered: "info",
  reregistered: "debug",
  "registration-rejected": "warn",
  deregistered: "info",
  removed: "info",
  "association-up": "debug",
  "association-down": "debug",
  "association-ended": "debug",
  "protocol-error": "warn",
  "rate-limited": "warn",
  started: "debug",
  stopped: "debug",
};

export async function run(args: string[]): Promise<number> {
  let setup: RegistrarSetup;
  let values: OptionValues;
  try {
    const parsed = parseToolOptions(
      REGISTRAR_SPECS,
      args,
      "rserpool registrar [options]",
      "A pool registrar (RFC 5352 ASAP server; rsplib's rspregistrar). Listens for ASAP on SCTP over UDP\n" +
        "encapsulation and on the TCP mapping, and answers ENRP handle-table requests (rserpool hsdump).\n" +
        "rsplib's -name=value spellings are accepted as aliases. Stops gracefully on SIGINT/SIGTERM.",
      "Log records go to standard output. The first info record after start is 'ready' with the bound ports\n" +
        "(--log-format json makes it one JSON object per line). Exit status 0 after a graceful stop, 1 when it\n" +
        "cannot start, 2 on a usage error.",
    );
    if (parsed === null) return 0;
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    values = parsed.values;
    setup = registrarSetup(values);
  } catch (e) {
    return usageFailure("registrar", e);
  }
  const log = toolLogger("registrar", values);
  let registrar: Registrar;
  try {
    registrar = await startRegistrar(setup.options);
  } catch (e) {
    log.error("start-failed", { error: (e as Error).message, code: (e as { code?: string }).code });
    await log.flush();
    return 1;
  }
  registrar.on("event", (e: RegistrarEventInfo) => {
    const level = EVENT_LEVELS[e.event] ?? "info";
    if (!log.enabled(level)) return;
    log.log(level, e.event, {
      pool: e.poolHandle ?? undefined,
      pe: e.poolHandle !== null ? hex(e.identifier) : undefined,
      association: e.association !== 0 ? e.association : undefined,
      reason: e.reason !== "" ? e.reason : undefined,
    });
  });
  registrar.on("warning", (e: Error) => log.warn("warning", { error: e.message }));
  if (setup.pidFile !== "") fs.writeFileSync(setup.pidFile, `${process.pid}\n`);
  const c = registrar.machine.config;
  log.info("ready", {
    identifier: hex(registrar.identifier),
    pid: process.pid,
    transports: registrar.ports.transports.join(","),
    asap: `${c.asapAddresses.length > 0 ? c.asapAddresses.join(",") : "*"}:${registrar.ports.asap}`,
    asapPort: registrar.ports.asap,
    enrpPort: registrar.ports.enrp,
    sctpUdpPort: registrar.ports.sctpUdp,
    announce: c.asapAnnounce ? `${c.announceAddress}:${c.announcePort}` : "off",
  });
  const statistics = () => ({ pools: registrar.machine.handlespace.poolCount, pes: registrar.machine.handlespace.count, ...registrar.statistics });
  const timer = setup.statisticsMs > 0 ? setInterval(() => log.info("statistics", statistics()), setup.statisticsMs) : null;
  const stopped = new Promise<string>((resolve) => {
    const remove = onStopSignal((signal) => resolve(signal));
    if (setup.runTimeMs > 0) setTimeout(() => resolve("run-time"), setup.runTimeMs).unref();
    void remove;
  });
  const why = await stopped;
  if (timer !== null) clearInterval(timer);
  log.info("stopping", { reason: why, associations: registrar.associationCount });
  await registrar.close(2000);
  log.info("stopped", statistics());
  if (setup.pidFile !== "") fs.rmSync(setup.pidFile, { force: true });
  await log.flush();
  // Everything is closed; should a handle linger anyway, do not hang.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
