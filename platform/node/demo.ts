// `npm start`: a small orchestrator that runs, on loopback, one registrar,
// an echo pool of three PEs and a terminal PU sending a line per second, all
// as child processes of the same command-line tools a user would run. After
// a few seconds it kills (SIGKILL) the PE serving the terminal; the output
// shows the failover. It stops by itself after a bounded time, or on Ctrl-C.
//
// Every port is picked free at run time (the registrar's ASAP, ENRP and UDP
// encapsulation ports, each PE's session port) and announces are off, so
// two runs in a row, or a registrar already on 3863, do not collide.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import type { OptionSpec } from "./options.js";
import { parseToolOptions, transportsFrom, TRANSPORTS_SPEC, usageFailure } from "./tool-common.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
}

export const DEMO_SPECS: OptionSpec[] = [
  { name: "duration", kind: "integer", help: "stop after this long, ms (env RSERPOOL_DEMO_DURATION)", default: envInt("RSERPOOL_DEMO_DURATION", 20000), min: 1000, max: 3600000, metavar: "MS" },
  { name: "kill-after", kind: "integer", help: "kill the PE serving the terminal this long after the terminal started, ms (env RSERPOOL_DEMO_KILL_AFTER)", default: envInt("RSERPOOL_DEMO_KILL_AFTER", 6000), min: 0, max: 3600000, metavar: "MS" },
  { name: "interval", kind: "integer", help: "ms between the terminal's lines (env RSERPOOL_DEMO_INTERVAL)", default: envInt("RSERPOOL_DEMO_INTERVAL", 1000), min: 10, max: 60000, metavar: "MS" },
  { name: "pool-elements", kind: "integer", help: "PEs in the echo pool", default: 3, min: 2, max: 16, metavar: "N" },
  { ...TRANSPORTS_SPEC },
  { name: "raw", kind: "flag", help: "print the children's log records as they are (JSON lines) instead of short text" },
];

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** PE identifier (hex) once known. */
  pe: string;
}

const WIDTH = 10;
const started = Date.now();

function stamp(): string {
  return ((Date.now() - started) / 1000).toFixed(1).padStart(5, " ") + "s";
}

function out(name: string, text: string): void {
  process.stdout.write(`${stamp()} ${name.padEnd(WIDTH)}| ${text}\n`);
}

/** A log record in a short form: "event k=v ...", without time, tool and level info. */
function shortRecord(r: Record<string, unknown>): string {
  const parts: string[] = [];
  if (r.level !== "info") parts.push(String(r.level).toUpperCase());
  parts.push(String(r.event));
  for (const [k, v] of Object.entries(r)) {
    if (k === "time" || k === "tool" || k === "level" || k === "event") continue;
    parts.push(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return parts.join(" ");
}

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    const parsed = parseToolOptions(
      DEMO_SPECS,
      args,
      "rserpool demo [options]   (npm start)",
      "Starts, on loopback, a registrar, an echo pool of PEs and a terminal PU that sends a line per\n" +
        "interval, each a child process running the rserpool tools; kills the PE serving the terminal\n" +
        "after --kill-after ms and shows the failover; stops after --duration ms or on Ctrl-C.",
    );
    if (parsed === null) return 0;
    values = parsed.values;
    transportsFrom(values);
  } catch (e) {
    return usageFailure("demo", e);
  }
  const duration = values["duration"] as number;
  const killAfter = values["kill-after"] as number;
  const interval = values["interval"] as number;
  const count = values["pool-elements"] as number;
  const transports = (values["transports"] as string[]).join(",");
  const raw = values["raw"] === true;
  // Children stop by themselves a little after the demo even if this process dies.
  const childRunTime = String(duration + 15000);

  const children: Child[] = [];
  const onRecord = new Map<string, (r: Record<string, unknown>) => void>();

  function start(name: string, argv: string[], stdin: "pipe" | "ignore"): Child {
    const p = spawn(process.execPath, [BIN, ...argv], { stdio: [stdin, "pipe", "pipe"], detached: true });
    const child: Child = {
      name,
      process: p,
      exited: new Promise((resolve) => p.once("exit", (code, signal) => resolve(signal !== null ? null : code))),
      pe: "",
    };
    const line = (text: string) => {
      let record: Record<string, unknown> | null = null;
      if (text.startsWith("{")) {
        try {
          record = JSON.parse(text) as Record<string, unknown>;
        } catch {
          record = null;
        }
      }
      if (record !== null) {
        const f = onRecord.get(name);
        if (f !== undefined) f(record);
        out(name, raw ? text : shortRecord(record));
      } else if (text !== "") {
        out(name, text);
      }
    };
    readline.createInterface({ input: p.stdout as NodeJS.ReadableStream }).on("line", line);
    readline.createInterface({ input: p.stderr as NodeJS.ReadableStream }).on("line", line);
    children.push(child);
    return child;
  }

  function waitFor(name: string, event: string, ms: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not report '${event}' within ${ms} ms`)), ms);
      timer.unref();
      const previous = onRecord.get(name);
      onRecord.set(name, (r) => {
        if (previous !== undefined) previous(r);
        if (r.event === event) {
          clearTimeout(timer);
          resolve(r);
        }
      });
    });
  }

  let stopping = false;
  let resolveStop: (why: string) => void = () => undefined;
  const stop = new Promise<string>((resolve) => (resolveStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      for (const c of children) c.process.kill("SIGKILL");
      process.exit(130);
    }
    resolveStop(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Never leave children behind.
  process.on("exit", () => {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
  });

  out("demo", `registrar, ${count} echo PEs and a terminal on loopback (transports ${transports}); ` +
    `a PE is killed after ${killAfter / 1000} s, the demo stops after ${duration / 1000} s (Ctrl-C stops it earlier)`);
  let status = 0;
  let sent = 0;
  let replies = 0;
  let failoverAt = 0;
  let failoverMs = -1;
  let killed: Child | null = null;
  let sender: ReturnType<typeof setInterval> | null = null;
  try {
    const registrar = start("registrar", [
      "registrar", "--asap", "127.0.0.1:0", "--enrp", "127.0.0.1:0", "--sctp-udp-port", "0",
      "--asap-announce", "off", "--min-address-scope", "loopback", "--transports", transports,
      "--keep-alive-interval", "1000", "--keep-alive-timeout", "1000", "--log-format", "json", "--run-time", childRunTime,
    ], "ignore");
    const ready = await Promise.race([waitFor("registrar", "ready", 10000), registrar.exited.then(() => Promise.reject(new Error("the registrar exited")))]);
    const registrarArgs = ["--registrar", `127.0.0.1:${ready.asapPort}`, "--registrar-udp-port", String(ready.sctpUdpPort || 9899), "--transports", transports, "--log-format", "json"];

    const pes: Child[] = [];
    const peReady: Array<Promise<Record<string, unknown>>> = [];
    for (let i = 1; i <= count; i++) {
      const name = `pe-${i}`;
      peReady.push(waitFor(name, "ready", 10000));
      pes.push(start(name, ["server", "--service", "echo", "--reregister-interval", "5000", "--run-time", childRunTime, ...registrarArgs], "ignore"));
    }
    const peRecords = await Promise.all(peReady);
    peRecords.forEach((r, i) => (pes[i].pe = String(r.pe)));

    const terminal = start("terminal", ["terminal", "--pool", "EchoPool", "--show-pe", "--linger", "500", ...registrarArgs], "pipe");
    const serving = { pe: "" };
    const previous = onRecord.get("terminal");
    onRecord.set("terminal", (r) => {
      if (previous !== undefined) previous(r);
      if (r.event === "connected" || r.event === "failover-complete") serving.pe = String(r.pe);
      // From the terminal's own record times (ms resolution).
      if (r.event === "failover" && failoverAt === 0) failoverAt = Date.parse(String(r.time));
      if (r.event === "failover-complete" && failoverAt > 0 && failoverMs < 0) failoverMs = Date.parse(String(r.time)) - failoverAt;
    });
    readline.createInterface({ input: terminal.process.stdout as NodeJS.ReadableStream }).on("line", (l) => {
      if (l.startsWith("[0x")) replies++;
    });
    const stdin = terminal.process.stdin as NodeJS.WritableStream;
    stdin.on("error", () => undefined);
    const send = () => {
      sent++;
      stdin.write(`hello ${sent}\n`);
    };
    send();
    sender = setInterval(send, interval);

    const killTimer = setTimeout(() => {
      const victim = pes.find((p) => p.pe === serving.pe) ?? pes[0];
      killed = victim;
      out("demo", `killing ${victim.name} (PE ${victim.pe}${victim.pe === serving.pe ? ", serving the terminal" : ""}) with SIGKILL`);
      victim.process.kill("SIGKILL");
    }, killAfter);
    const endTimer = setTimeout(() => resolveStop("duration"), Math.max(0, duration - (Date.now() - started)));
    terminal.exited.then(() => resolveStop("terminal exited"));

    const why = await stop;
    stopping = true;
    clearTimeout(killTimer);
    clearTimeout(endTimer);
    out("demo", `stopping (${why})`);
  } catch (e) {
    out("demo", `error: ${(e as Error).message}`);
    status = 1;
  }
  stopping = true;
  if (sender !== null) clearInterval(sender);
  // The terminal first (end of input), then the PEs, then the registrar.
  const order = [...children.filter((c) => c.name === "terminal"), ...children.filter((c) => c.name.startsWith("pe-")), ...children.filter((c) => c.name === "registrar")];
  for (const c of order) {
    if (c.process.exitCode !== null || c.process.signalCode !== null) continue;
    if (c.name === "terminal") (c.process.stdin as NodeJS.WritableStream).end();
    else c.process.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([c.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 4000)))]);
    clearTimeout(timer);
    if (!done) {
      out("demo", `${c.name} did not stop; killing it`);
      c.process.kill("SIGKILL");
      await c.exited;
    }
  }
  const k = killed as Child | null;
  const summary = [`${sent} lines sent, ${replies} replies`];
  if (k !== null) summary.push(`${k.name} killed`);
  if (failoverMs >= 0) summary.push(`failover completed in ${failoverMs} ms`);
  else if (k !== null) summary.push("no failover seen");
  out("demo", `done: ${summary.join(", ")}`);
  return status;
}
