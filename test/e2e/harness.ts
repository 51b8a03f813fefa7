// Process harness for the end-to-end tests: runs the rserpool tools and the
// PU driver as child processes on loopback, parses their JSON log lines
// (stdout and stderr), lets a test await a record with a deadline, stops
// them with a signal, and at teardown kills whatever is left and checks
// that every child is gone (no orphans).

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
export const DRIVER = fileURLToPath(new URL("./pu-driver.js", import.meta.url));

/** One parsed log line, with the time it arrived here (performance.now()). */
export interface LogRecord {
  event: string;
  arrived: number;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Waiter {
  check: (r: LogRecord) => boolean;
  resolve: (r: LogRecord) => void;
}

export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly records: LogRecord[] = [];
  /** Lines that are not JSON (a terminal's replies, stack traces). */
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private waiters: Waiter[] = [];
  private lineWaiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream }).on("line", (text) => this.line(text));
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.exit === null;
  }

  private line(text: string): void {
    let r: LogRecord | null = null;
    if (text.startsWith("{")) {
      try {
        r = JSON.parse(text) as LogRecord;
      } catch {
        r = null;
      }
    }
    if (r === null || typeof r.event !== "string") {
      this.lines.push(text);
      this.lineWaiters = this.lineWaiters.filter((w) => {
        if (!w.re.test(text)) return true;
        w.resolve(text);
        return false;
      });
      return;
    }
    r.arrived = performance.now();
    this.records.push(r);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check(r as LogRecord)) return true;
      w.resolve(r as LogRecord);
      return false;
    });
  }

  find(event: string, where: (r: LogRecord) => boolean = () => true): LogRecord | undefined {
    return this.records.find((r) => r.event === event && where(r));
  }

  all(event: string, where: (r: LogRecord) => boolean = () => true): LogRecord[] {
    return this.records.filter((r) => r.event === event && where(r));
  }

  /** The first record (already seen or coming) with `event` for which `where` holds; rejects after `ms` or when the process exits. */
  waitFor(event: string, ms: number, where: (r: LogRecord) => boolean = () => true): Promise<LogRecord> {
    const seen = this.find(event, where);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters = this.waiters.filter((x) => x !== w);
        clearTimeout(timer);
        reject(new Error(`${this.name}: no '${event}' record ${why}; last records: ${this.tail()}`));
      };
      const w: Waiter = {
        check: (r) => r.event === event && where(r),
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => fail(`within ${ms} ms`), ms);
      this.waiters.push(w);
      void this.exited.then((e) => {
        // Let lines already read be parsed first.
        setTimeout(() => {
          if (this.waiters.includes(w)) fail(`before it exited (code ${e.code}, signal ${e.signal})`);
        }, 50);
      });
    });
  }

  /** A non-JSON output line matching `re`. */
  waitForLine(re: RegExp, ms: number): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        re,
        resolve: (l: string) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      const timer = setTimeout(() => {
        this.lineWaiters = this.lineWaiters.filter((x) => x !== w);
        reject(new Error(`${this.name}: no line matching ${re} within ${ms} ms; lines: ${this.lines.slice(-5).join(" | ")}`));
      }, ms);
      this.lineWaiters.push(w);
    });
  }

  tail(n = 6): string {
    return this.records
      .slice(-n)
      .map((r) => JSON.stringify(r))
      .concat(this.lines.slice(-3))
      .join(" | ");
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal`; resolves with the exit, or SIGKILLs after `ms` and resolves with `null`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 5000): Promise<Exit | null> {
    if (!this.running) return this.exit;
    this.child.kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exit = await Promise.race([this.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
    clearTimeout(timer);
    if (exit === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
    return exit;
  }
}

export function alive(pid: number): boolean {
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes of one test. */
export class Cluster {
  readonly procs: Proc[] = [];

  /** `node bin/rserpool.js <args>`. */
  tool(name: string, args: string[], stdin: "pipe" | "ignore" = "ignore"): Proc {
    return this.spawn(name, [BIN, ...args], stdin);
  }

  /** The PU driver (pu-driver.ts). */
  driver(name: string, args: string[]): Proc {
    return this.spawn(name, [DRIVER, ...args], "ignore");
  }

  private spawn(name: string, argv: string[], stdin: "pipe" | "ignore"): Proc {
    const child = spawn(process.execPath, argv, { stdio: [stdin, "pipe", "pipe"] });
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  /** SIGKILL whatever still runs, wait for every exit; returns the pids still alive afterwards (should be none). */
  async teardown(): Promise<number[]> {
    for (const p of this.procs) p.signal("SIGKILL");
    await Promise.all(this.procs.map((p) => p.exited));
    return this.procs.map((p) => p.pid).filter(alive);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A registrar process on loopback with free ports; resolves with its ready record. */
export async function startRegistrar(
  cluster: Cluster,
  transport: string,
  extra: string[] = [],
): Promise<{ proc: Proc; ready: LogRecord; clientArgs: string[]; asapPort: number; udpPort: number }> {
  const proc = cluster.tool("registrar", [
    "registrar", "--asap", "127.0.0.1:0", "--enrp", "127.0.0.1:0", "--sctp-udp-port", "0",
    "--asap-announce", "off", "--min-address-scope", "loopback", "--transports", transport,
    "--log-format", "json", "--run-time", "120000", ...extra,
  ]);
  const ready = await proc.waitFor("ready", 15000);
  const asapPort = Number(ready.asapPort);
  const udpPort = Number(ready.sctpUdpPort) || 9899;
  return {
    proc,
    ready,
    asapPort,
    udpPort,
    clientArgs: ["--registrar", `127.0.0.1:${asapPort}`, "--registrar-udp-port", String(udpPort), "--transports", transport],
  };
}
