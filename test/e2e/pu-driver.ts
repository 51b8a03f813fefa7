// A pool user process for the end-to-end tests, on the Node API: resolves a
// pool, opens a session, sends a numbered message every --interval ms (a
// "PING n" line with --pingpong), optionally resolves the pool again every
// --resolve-interval ms, and writes one JSON record per line on stdout for
// everything it sees (resolved, connected, data, cookie, failover,
// failover-complete, progress, ...). Stops after --messages replies, or on
// SIGTERM/SIGINT, closing its session and pool user; exit 0 when it stopped
// cleanly, 1 when it could not connect.
//
//   node dist/test/e2e/pu-driver.js --registrar 127.0.0.1:P --registrar-udp-port U
//        --transports sctp|tcp --pool EchoPool [--pingpong] [--interval MS]
//        [--messages N] [--resolve-interval MS] [--progress MS] [--run-time MS]

import { createPoolUser, hex } from "../../platform/node/api.js";
import type { FailoverInfo, PoolUser, RSerPoolError, Session, TransportName } from "../../platform/node/api.js";

interface Options {
  registrar: string;
  udpPort: number;
  transports: TransportName[];
  pool: string;
  pingpong: boolean;
  interval: number;
  messages: number;
  resolveInterval: number;
  progress: number;
  runTime: number;
}

function parse(args: string[]): Options {
  const o: Options = {
    registrar: "127.0.0.1:3863",
    udpPort: 9899,
    transports: ["sctp"],
    pool: "EchoPool",
    pingpong: false,
    interval: 100,
    messages: 0,
    resolveInterval: 0,
    progress: 0,
    runTime: 60000,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--registrar") o.registrar = next();
    else if (a === "--registrar-udp-port") o.udpPort = Number(next());
    else if (a === "--transports") o.transports = next().split(",") as TransportName[];
    else if (a === "--pool") o.pool = next();
    else if (a === "--pingpong") o.pingpong = true;
    else if (a === "--interval") o.interval = Number(next());
    else if (a === "--messages") o.messages = Number(next());
    else if (a === "--resolve-interval") o.resolveInterval = Number(next());
    else if (a === "--progress") o.progress = Number(next());
    else if (a === "--run-time") o.runTime = Number(next());
    else throw new Error(`unknown argument '${a}'`);
  }
  return o;
}

function record(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), at: performance.timeOrigin + performance.now(), tool: "pu-driver", event, ...fields }) + "\n");
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  const [address, port] = o.registrar.split(":");
  let pu: PoolUser;
  let session: Session;
  const counts = { sent: 0, received: 0, resolutions: 0, resolveErrors: 0, failovers: 0 };
  try {
    pu = await createPoolUser({
      registrars: [{ addresses: [address], port: Number(port), udpPort: o.udpPort }],
      transports: o.transports,
      announce: false,
      client: { registrarResponseTimeoutMs: 2000, sessionConnectTimeoutMs: 2000 },
    });
    pu.on("warning", (e: Error) => record("warning", { error: e.message }));
    const pes = await pu.resolve(o.pool, { items: 16, staleAfterMs: 0 });
    counts.resolutions++;
    record("resolved", { pool: o.pool, pes: pes.map((p) => hex(p.identifier)) });
    session = await pu.connect(o.pool);
  } catch (e) {
    record("connect-failed", { error: (e as Error).message, code: (e as RSerPoolError).code });
    return 1;
  }
  record("connected", { pool: o.pool, pe: hex(session.identifier), pid: process.pid });
  const timers: Array<ReturnType<typeof setInterval>> = [];
  const finished = new Promise<string>((resolve) => {
    session.on("data", (data: Buffer) => {
      counts.received++;
      record("data", { pe: hex(session.identifier), text: data.toString("utf8").replace(/\n$/, "") });
      if (o.messages > 0 && counts.received >= o.messages) resolve("messages");
    });
    session.on("cookie", (c: Buffer) => record("cookie", { pe: hex(session.identifier), cookie: c.toString("utf8") }));
    session.on("failover", (f: FailoverInfo) => {
      counts.failovers++;
      record("failover", { lost: hex(f.identifier) });
    });
    session.on("failover-complete", (f: FailoverInfo) => record("failover-complete", { pe: hex(f.identifier), cookieEchoed: f.cookieEchoed }));
    session.on("data-returned", (d: Buffer) => record("data-returned", { text: d.toString("utf8").replace(/\n$/, "") }));
    session.once("close", (e: RSerPoolError | null) => {
      record("session-closed", { error: e === null ? null : e.message });
      resolve("session-closed");
    });
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    setTimeout(() => resolve("run-time"), o.runTime).unref();
    const send = () => {
      if (session.closed || (o.messages > 0 && counts.sent >= o.messages)) return;
      const n = counts.sent + 1;
      const text = o.pingpong ? `PING ${n} e2e\n` : `message ${n}\n`;
      if (session.send(text, { ppid: o.pingpong ? 33 : 0 })) counts.sent = n;
    };
    send();
    timers.push(setInterval(send, o.interval));
    if (o.resolveInterval > 0) {
      timers.push(
        setInterval(() => {
          pu.resolve(o.pool, { items: 3, staleAfterMs: 0 }).then(
            () => counts.resolutions++,
            (e: Error) => {
              counts.resolveErrors++;
              record("resolve-failed", { error: e.message });
            },
          );
        }, o.resolveInterval),
      );
    }
    if (o.progress > 0) timers.push(setInterval(() => record("progress", { ...counts }), o.progress));
  });
  const why = await finished;
  for (const t of timers) clearInterval(t);
  record("stopping", { reason: why, ...counts });
  session.close();
  await pu.close();
  record("stopped", { ...counts });
  return why === "session-closed" ? 1 : 0;
}

main().then(
  (code) => {
    // No forced exit: a handle left open would keep the process alive, and
    // the tests check that it exits by itself.
    process.exitCode = code;
  },
  (e) => {
    record("crashed", { error: String(e && e.stack ? e.stack : e) });
    process.exit(2);
  },
);
