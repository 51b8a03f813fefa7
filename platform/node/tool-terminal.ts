// rserpool terminal: a pool user for echo, discard, daytime and chargen
// (rsplib's rspterminal): opens a session to the pool, sends every line of
// standard input as one message, prints what comes back on standard output,
// and fails over to another PE on its own, logging what happened on
// standard error (text or JSON lines).

import readline from "node:readline";
import { createPoolUser, hex } from "./api.js";
import type { DataInfo, FailoverInfo, PoolUser, RSerPoolError, Session } from "./api.js";
import type { OptionSpec, OptionValues } from "./options.js";
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
import type { ClientOptions } from "./api.js";

export const TERMINAL_SPECS: OptionSpec[] = [
  { name: "pool", kind: "string", help: "pool handle to connect to", aliases: ["poolhandle"], default: "EchoPool", metavar: "HANDLE" },
  { name: "ppid", kind: "integer", help: "PPID of the messages sent", default: 0, min: 0, max: 4294967295, metavar: "N" },
  { name: "show-pe", kind: "flag", help: "prefix every reply with the identifier of the PE that sent it" },
  { name: "linger", kind: "integer", help: "after end of input, wait until no reply came for this long, ms, then close", default: 1000, min: 0, max: 3600000, metavar: "MS" },
  { name: "connect-timeout", kind: "integer", help: "session connect timeout per PE, ms", default: 5000, min: 100, max: 3600000, metavar: "MS" },
  { name: "max-attempts", kind: "integer", help: "PEs (or empty resolutions) tried per connect or failover before giving up", default: 8, min: 1, max: 1000, metavar: "N" },
  ...CLIENT_SPECS,
  ...allLogSpecs(),
];

export interface TerminalSetup {
  pool: string;
  ppid: number;
  showPe: boolean;
  lingerMs: number;
  pu: ClientOptions;
}

export function terminalSetup(values: OptionValues): TerminalSetup {
  const pu = clientOptionsFrom(values);
  pu.client = { ...pu.client, sessionConnectTimeoutMs: values["connect-timeout"] as number, sessionMaxAttempts: values["max-attempts"] as number };
  return {
    pool: values["pool"] as string,
    ppid: values["ppid"] as number,
    showPe: values["show-pe"] === true,
    lingerMs: values["linger"] as number,
    pu,
  };
}

export async function run(args: string[]): Promise<number> {
  let setup: TerminalSetup;
  let values: OptionValues;
  try {
    const parsed = parseToolOptions(
      TERMINAL_SPECS,
      args,
      "rserpool terminal [--pool HANDLE] [--registrar ADDR:PORT] [options]",
      "A pool user (rsplib's rspterminal): sends each line of standard input as one message to a PE of the\n" +
        "pool, prints the replies on standard output, and fails over to another PE by itself when its PE\n" +
        "fails (the latest cookie goes to the new PE first). rsplib's -name=value spellings are accepted.",
      "Log records (connected, failover, failover-complete, errors) go to standard error. Exit status 0 at\n" +
        "the end of input or on SIGINT/SIGTERM, 1 when no PE can be reached, 2 on a usage error.",
    );
    if (parsed === null) return 0;
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    values = parsed.values;
    setup = terminalSetup(values);
  } catch (e) {
    return usageFailure("terminal", e);
  }
  const log = toolLogger("terminal", values, process.stderr);
  let pu: PoolUser;
  let session: Session;
  try {
    pu = await createPoolUser(setup.pu);
    pu.on("warning", (e: Error) => log.warn("warning", { error: e.message }));
    session = await pu.connect(setup.pool);
  } catch (e) {
    log.error("connect-failed", { pool: setup.pool, error: (e as Error).message, code: (e as RSerPoolError).code });
    await log.flush();
    return 1;
  }
  log.info("connected", { pool: setup.pool, pe: hex(session.identifier) });
  let lastData = Date.now();
  let sent = 0;
  let received = 0;
  let finishing = false;
  session.on("data", (data: Buffer, _info: DataInfo) => {
    lastData = Date.now();
    received++;
    if (setup.showPe) {
      const t = data.toString("utf8");
      process.stdout.write(`[${hex(session.identifier)}] ${t.endsWith("\n") ? t : t + "\n"}`);
    } else {
      process.stdout.write(data);
    }
  });
  session.on("cookie", (c: Buffer) => log.debug("cookie", { pe: hex(session.identifier), bytes: c.length }));
  session.on("failover", (f: FailoverInfo) => log.info("failover", { pool: setup.pool, lost: hex(f.identifier) }));
  session.on("failover-complete", (f: FailoverInfo) => log.info("failover-complete", { pool: setup.pool, pe: hex(f.identifier), cookieEchoed: f.cookieEchoed }));
  session.on("data-returned", (d: Buffer) => log.warn("data-returned", { bytes: d.length }));
  const code = await new Promise<number>((resolve) => {
    session.once("close", (e: RSerPoolError | null) => {
      if (finishing) return;
      if (e !== null) log.error("session-closed", { error: e.message, code: e.code });
      else log.info("session-closed", {});
      resolve(e === null ? 0 : 1);
    });
    onStopSignal(() => resolve(0));
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    rl.on("line", (line) => {
      if (session.closed) return;
      if (session.send(line + "\n", { ppid: setup.ppid })) sent++;
      else log.warn("not-sent", { reason: "session queue full" });
    });
    rl.on("close", () => {
      // End of input: wait for replies to stop arriving, then finish.
      const check = () => {
        if (session.closed) return;
        const idle = Date.now() - lastData;
        if (idle >= setup.lingerMs) resolve(0);
        else setTimeout(check, Math.max(10, setup.lingerMs - idle));
      };
      lastData = Math.max(lastData, Date.now());
      check();
    });
  });
  finishing = true;
  log.debug("finished", { sent, received });
  process.stdin.destroy();
  session.close();
  await pu.close();
  await log.flush();
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}
