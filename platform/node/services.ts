// Demo services a pool element hosts (rserpool server), in the spirit of
// rsplib's rspserver services. Each takes the PE's sessions:
//
//   echo       every message back, same PPID and stream
//   discard    nothing back
//   daytime    the current time as a text line, on connect and for every message
//   chargen    RFC 864 character lines, one every --chargen-interval ms, until the session closes
//   pingpong   text lines "PING <n> [text]" answered by "PONG <n> <reply-no> [text]"; the
//              reply counter travels in a cookie after every PONG, so a PE taking over after
//              a failover continues the count (cookie-based failover)
//   calcapp    a compute service: "JOB <id> <size>" runs <size> calculations shared with the
//              other jobs at --cap-capacity calculations/s; "ACCEPT"/"REJECT", then "PROGRESS"
//              lines and a cookie with the job's progress, then "COMPLETE". A new PE resumes a
//              job from the cookie after a failover. The PE reports its load (jobs / max jobs)
//              for load-based policies (LeastUsed & co).
//
// Replies use the request's PPID (rsplib's standard services echo whatever
// PPID arrives); services that start by themselves (daytime, chargen) use
// the service's --ppid.

import type { PoolElement, ServerSession, DataInfo } from "./api.js";
import type { Logger } from "./log.js";

export type ServiceName = "echo" | "discard" | "daytime" | "chargen" | "pingpong" | "calcapp";

export const SERVICES: ServiceName[] = ["echo", "discard", "daytime", "chargen", "pingpong", "calcapp"];

/** rsplib's default pool handles. */
export const DEFAULT_POOLS: Record<ServiceName, string> = {
  echo: "EchoPool",
  discard: "DiscardPool",
  daytime: "DaytimePool",
  chargen: "CharGenPool",
  pingpong: "PingPongPool",
  calcapp: "CalcAppPool",
};

/** rsplib's PPIDs for its protocols (PingPong 33, CalcApp 34); 0 for the plain ones. */
export const DEFAULT_PPIDS: Record<ServiceName, number> = {
  echo: 0,
  discard: 0,
  daytime: 0,
  chargen: 0,
  pingpong: 33,
  calcapp: 34,
};

export interface ServiceOptions {
  /** PPID for messages the service starts by itself. */
  ppid: number;
  chargenIntervalMs: number;
  maxSessions: number;
  /** PingPong: close a session after this many PONGs (rsplib -pppfailureafter); 0 = never. */
  pingpongFailureAfter: number;
  /** CalcApp (rsplib -capcapacity, -capmaxjobs, -capcookiemaxtime, -capcookiemaxcalculations). */
  calcappCapacity: number;
  calcappMaxJobs: number;
  calcappCookieMaxTimeMs: number;
  calcappCookieMaxCalculations: number;
}

export function defaultServiceOptions(): ServiceOptions {
  return {
    ppid: 0,
    chargenIntervalMs: 100,
    maxSessions: 1000,
    pingpongFailureAfter: 0,
    calcappCapacity: 1000000,
    calcappMaxJobs: 10,
    calcappCookieMaxTimeMs: 1000,
    calcappCookieMaxCalculations: 5000000,
  };
}

/** Counts messages of all sessions (for failure injection) and closes. */
export interface ServiceHandle {
  /** Called for every message a session receives (before the service). */
  onMessage: ((session: ServerSession) => void) | null;
  sessions(): number;
  stop(): void;
}

const text = (b: Buffer) => b.toString("utf8").replace(/\r?\n$/, "");

function chargenLine(offset: number): string {
  // RFC 864: 72 printable characters (32..126) per line, starting one further each line.
  let s = "";
  for (let i = 0; i < 72; i++) s += String.fromCharCode(32 + ((offset + i) % 95));
  return s + "\r\n";
}

interface Job {
  id: string;
  size: number;
  done: number;
  session: ServerSession;
  ppid: number;
}

export function startService(pe: PoolElement, name: ServiceName, o: ServiceOptions, log: Logger): ServiceHandle {
  const open = new Set<ServerSession>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const jobs = new Map<ServerSession, Job[]>();
  let calcTimer: ReturnType<typeof setInterval> | null = null;
  const handle: ServiceHandle = {
    onMessage: null,
    sessions: () => open.size,
    stop() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      if (calcTimer !== null) clearInterval(calcTimer);
      calcTimer = null;
    },
  };

  function allJobs(): Job[] {
    const out: Job[] = [];
    for (const list of jobs.values()) out.push(...list);
    return out;
  }

  function reportLoad(): void {
    const n = allJobs().length;
    pe.setLoad(o.calcappMaxJobs > 0 ? n / o.calcappMaxJobs : 0);
  }

  const TICK = 100;
  const lastCookie = new Map<ServerSession, { at: number; done: number }>();

  /** One cookie per session with every job of it: the PU keeps only the latest cookie (RFC 5352 s3.9). */
  function sendCookie(s: ServerSession, list: Job[]): void {
    s.sendCookie("calcapp " + list.map((j) => `${j.id} ${j.size} ${Math.floor(j.done)}`).join(" "));
  }

  function calcTick(): void {
    const total = allJobs().length;
    if (total === 0) return;
    // The capacity is shared evenly among the running jobs.
    const share = (o.calcappCapacity * TICK) / 1000 / total;
    const now = Date.now();
    for (const [s, list] of jobs) {
      let progressed = 0;
      for (const job of list.slice()) {
        job.done = Math.min(job.size, job.done + share);
        progressed += share;
        if (job.done >= job.size) {
          s.send(`COMPLETE ${job.id} ${job.size}\n`, { ppid: job.ppid });
          list.splice(list.indexOf(job), 1);
          log.info("job-complete", { job: job.id, size: job.size });
          reportLoad();
        }
      }
      let last = lastCookie.get(s);
      if (last === undefined) lastCookie.set(s, (last = { at: now, done: 0 }));
      last.done += progressed;
      if (list.length > 0 && (now - last.at >= o.calcappCookieMaxTimeMs || last.done >= o.calcappCookieMaxCalculations)) {
        last.at = now;
        last.done = 0;
        for (const job of list) s.send(`PROGRESS ${job.id} ${Math.floor(job.done)}/${job.size}\n`, { ppid: job.ppid });
        sendCookie(s, list);
      }
    }
  }

  function startJob(s: ServerSession, id: string, size: number, done: number, ppid: number): void {
    if (allJobs().length >= o.calcappMaxJobs) {
      s.send(`REJECT ${id} busy\n`, { ppid });
      log.info("job-rejected", { job: id, jobs: allJobs().length });
      return;
    }
    let list = jobs.get(s);
    if (list === undefined) jobs.set(s, (list = []));
    list.push({ id, size, done, session: s, ppid });
    s.send(`ACCEPT ${id}${done > 0 ? ` resumed ${done}/${size}` : ""}\n`, { ppid });
    log.info(done > 0 ? "job-resumed" : "job-accepted", { job: id, size, done });
    if (calcTimer === null) calcTimer = setInterval(calcTick, TICK);
    reportLoad();
  }

  pe.on("session", (s: ServerSession) => {
    if (open.size >= o.maxSessions) {
      log.warn("session-refused", { sessions: open.size });
      s.close();
      return;
    }
    open.add(s);
    log.debug("session", { session: s.id, sessions: open.size });
    let replies = 0;
    let replyNo = 0;
    s.on("close", () => {
      open.delete(s);
      lastCookie.delete(s);
      if (jobs.delete(s)) reportLoad();
      log.debug("session-closed", { session: s.id, sessions: open.size });
    });
    s.on("cookie-echo", (cookie: Buffer) => {
      const t = cookie.toString("utf8").split(" ");
      log.info("cookie-echo", { session: s.id, cookie: cookie.toString("utf8") });
      if (name === "pingpong" && t[0] === "pingpong" && /^\d+$/.test(t[1] ?? "")) replyNo = Number(t[1]);
      if (name === "calcapp" && t[0] === "calcapp") {
        // "calcapp <id> <size> <done> [<id> <size> <done> ...]": resume every job.
        for (let i = 1; i + 2 < t.length; i += 3) {
          const size = Number(t[i + 1]);
          const done = Number(t[i + 2]);
          if (size > 0 && done >= 0 && done <= size) startJob(s, t[i], size, done, o.ppid);
        }
      }
    });
    if (name === "daytime") s.send(`${new Date().toString()}\r\n`, { ppid: o.ppid });
    if (name === "chargen") {
      let line = 0;
      const timer = setInterval(() => {
        if (s.closed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        s.send(chargenLine(line++), { ppid: o.ppid });
      }, o.chargenIntervalMs);
      timers.add(timer);
    }
    s.on("data", (data: Buffer, info: DataInfo) => {
      if (handle.onMessage !== null) handle.onMessage(s);
      if (s.closed) return;
      const reply = { ppid: info.ppid, stream: info.stream };
      switch (name) {
        case "echo":
          s.send(data, reply);
          break;
        case "discard":
          break;
        case "daytime":
          s.send(`${new Date().toString()}\r\n`, reply);
          break;
        case "chargen":
          break;
        case "pingpong": {
          const m = /^PING\s+(\S+)\s?(.*)$/.exec(text(data));
          replyNo++;
          s.send(m !== null ? `PONG ${m[1]} ${replyNo}${m[2] !== "" ? " " + m[2] : ""}\n` : `PONG ? ${replyNo} ${text(data)}\n`, reply);
          s.sendCookie(`pingpong ${replyNo}`);
          replies++;
          if (o.pingpongFailureAfter > 0 && replies >= o.pingpongFailureAfter) {
            log.info("pingpong-failure", { session: s.id, after: replies });
            s.close();
          }
          break;
        }
        case "calcapp": {
          const m = /^JOB\s+(\S+)\s+(\d+)\s*$/i.exec(text(data));
          if (m === null) s.send(`ERROR expected 'JOB <id> <size>'\n`, reply);
          else startJob(s, m[1], Number(m[2]), 0, info.ppid);
          break;
        }
      }
    });
  });
  return handle;
}
