// What the command-line tools share: option specs for the pool-element and
// pool-user library (rsplib's rsp_initarg options), turning parsed values
// into API options, signals, and a clean exit.

import { LOG_OPTION_SPECS, loggerFromOptions } from "./log.js";
import type { Logger } from "./log.js";
import { formatHelp, parseOptions, UsageError } from "./options.js";
import type { OptionSpec, OptionValues } from "./options.js";
import type { ClientOptions, RegistrarSpec, TransportName } from "./api.js";
import { parseEndpoint, SCTP_UDP_PORT } from "./plumbing.js";

export { UsageError };

export const TRANSPORTS_SPEC: OptionSpec = {
  name: "transports",
  kind: "list",
  help:
    "transports in order of preference: sctp (SCTP over UDP encapsulation, RFC 6951), tcp (the TCP mapping); " +
    "with both, connects try SCTP first and fall back to TCP",
  default: ["sctp", "tcp"],
  metavar: "LIST",
};

export const LOG_COLOR_SPEC: OptionSpec = {
  name: "log-color",
  kind: "flag",
  help: "accepted for rsplib compatibility (-logcolor=on|off); records are never coloured",
  aliases: ["logcolor"],
};

/** rsplib library options (rsp_initarg), for tools that are PEs or PUs. */
export const CLIENT_SPECS: OptionSpec[] = [
  {
    name: "registrar",
    kind: "list",
    help: "static registrar ADDR[,ADDR...][:PORT] (port 3863 when omitted; IPv6 in brackets); repeatable",
    aliases: ["registrar"],
    metavar: "ADDR:PORT",
  },
  {
    name: "registrar-udp-port",
    kind: "integer",
    help: "UDP encapsulation port of the static registrars' SCTP endpoint",
    default: SCTP_UDP_PORT,
    min: 1,
    max: 65535,
    metavar: "PORT",
  },
  {
    name: "asap-announce",
    kind: "string",
    help:
      "listen for registrar announces: auto (on 239.0.0.50:3863 when no --registrar is given, else off), on, off|none, or GROUP:PORT",
    aliases: ["asapannounce"],
    default: "auto",
    metavar: "MODE",
  },
  { name: "registrar-announce-timeout", kind: "integer", help: "forget a registrar heard in announces after this long without one, ms", aliases: ["registrarannouncetimeout"], default: 5000, min: 100, max: 3600000, metavar: "MS" },
  { name: "registrar-connect-timeout", kind: "integer", help: "registrar hunt: time per round of connects, ms", aliases: ["registrarconnecttimeout"], default: 7500, min: 100, max: 3600000, metavar: "MS" },
  { name: "registrar-connect-max-trials", kind: "integer", help: "registrar hunt: rounds before giving up", aliases: ["registrarconnectmaxtrials"], default: 1, min: 1, max: 1000, metavar: "N" },
  { name: "registrar-request-timeout", kind: "integer", help: "a request waits this long for a registrar association, ms", aliases: ["registrarrequesttimeout"], default: 3000, min: 100, max: 3600000, metavar: "MS" },
  { name: "registrar-response-timeout", kind: "integer", help: "a sent request waits this long for its response, ms", aliases: ["registrarresponsetimeout"], default: 3000, min: 100, max: 3600000, metavar: "MS" },
  { name: "registrar-request-max-trials", kind: "integer", help: "transmissions of a request before it fails", aliases: ["registrarrequestmaxtrials"], default: 1, min: 1, max: 1000, metavar: "N" },
  TRANSPORTS_SPEC,
  { name: "csp-server", kind: "string", help: "accepted for rsplib compatibility (-cspserver); no Component Status Protocol reports are sent", aliases: ["cspserver"], metavar: "ADDR:PORT" },
  { name: "csp-interval", kind: "integer", help: "accepted for rsplib compatibility (-cspinterval); no reports are sent", aliases: ["cspinterval"], min: 0, max: 3600000, metavar: "MS" },
  { name: "csp-identifier", kind: "string", help: "accepted for rsplib compatibility (-cspidentifier); no reports are sent", aliases: ["cspidentifier"], metavar: "ID" },
];

export function transportsFrom(values: OptionValues): TransportName[] {
  const list = (values["transports"] as string[]).map((s) => s.toLowerCase());
  if (list.length === 0 || list.length > 2 || list.some((n) => n !== "sctp" && n !== "tcp") || new Set(list).size !== list.length) {
    throw new UsageError(`--transports: '${list.join(",")}' is not sctp, tcp, sctp,tcp or tcp,sctp`);
  }
  return list as TransportName[];
}

function announceGroup(text: string): { on: boolean | null; address?: string; port?: number } {
  const v = text.toLowerCase();
  if (v === "auto") return { on: null };
  if (v === "on") return { on: true };
  if (v === "off" || v === "none") return { on: false };
  try {
    const e = parseEndpoint(text, 3863);
    if (e.addresses.length !== 1) throw new TypeError("one group address");
    return { on: true, address: e.addresses[0], port: e.port };
  } catch (e) {
    throw new UsageError(`--asap-announce: '${text}': ${(e as Error).message}`);
  }
}

/** ClientOptions (registrars, announces, timeouts, transports) from parsed values. */
export function clientOptionsFrom(values: OptionValues): ClientOptions {
  const udpPort = values["registrar-udp-port"] as number;
  const registrars: RegistrarSpec[] = [];
  for (const text of values["registrar"] as string[]) {
    try {
      const e = parseEndpoint(text, 3863);
      if (e.addresses.length === 0) throw new TypeError("no address");
      registrars.push({ addresses: e.addresses, port: e.port, udpPort });
    } catch (e) {
      throw new UsageError(`--registrar: '${text}': ${(e as Error).message}`);
    }
  }
  const a = announceGroup(values["asap-announce"] as string);
  const client: NonNullable<ClientOptions["client"]> = {
    registrarAnnounceTimeoutMs: values["registrar-announce-timeout"] as number,
    registrarConnectTimeoutMs: values["registrar-connect-timeout"] as number,
    registrarConnectMaxTrials: values["registrar-connect-max-trials"] as number,
    registrarRequestTimeoutMs: values["registrar-request-timeout"] as number,
    registrarResponseTimeoutMs: values["registrar-response-timeout"] as number,
    registrarRequestMaxTrials: values["registrar-request-max-trials"] as number,
  };
  if (a.address !== undefined) client.announceAddress = a.address;
  if (a.port !== undefined) client.announcePort = a.port;
  return {
    registrars,
    announce: a.on === null ? registrars.length === 0 : a.on,
    transports: transportsFrom(values),
    client,
  };
}

/** Parses args; prints --help and returns null when asked. Throws UsageError. */
export function parseToolOptions(specs: OptionSpec[], args: string[], usage: string, summary: string, epilogue?: string): { values: OptionValues; positionals: string[] } | null {
  const parsed = parseOptions(specs, args);
  if (parsed.values.help === true) {
    process.stdout.write(formatHelp(usage, summary, specs, epilogue));
    return null;
  }
  return parsed;
}

export function allLogSpecs(): OptionSpec[] {
  return [...LOG_OPTION_SPECS, LOG_COLOR_SPEC];
}

export function toolLogger(tool: string, values: OptionValues, stream?: NodeJS.WritableStream): Logger {
  return loggerFromOptions(tool, values, stream);
}

/** Runs `stop` on the first SIGINT/SIGTERM; a second one exits at once (130). */
export function onStopSignal(stop: (signal: string) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.removeListener("SIGINT", handler);
    process.removeListener("SIGTERM", handler);
  };
}

/** Reports a UsageError the way every tool does; returns the exit status. */
export function usageFailure(tool: string, e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`rserpool ${tool}: ${e.message}\nTry 'rserpool ${tool} --help'.\n`);
    return 2;
  }
  throw e;
}
