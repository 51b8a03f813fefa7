// The QuickJS platform: the Platform object (core/driver/platform.ts) on
// bellard's QuickJS 2021-03-27 and later (and quickjs-ng), built from what
// the host injects, never from imports: `os` (timers, fd readiness), `net`
// (the native TCP binding, net.d.ts), optionally `random` and `now`.
//
//   import * as os from "os";            // "qjs:os" on quickjs-ng
//   import * as net from "./rsp_net.so";  // native module (not written yet)
//   const platform = RSP.createQuickJSPlatform({ os, net, now: Date.now });
//
// Clock. `now` (option) wins; else os.now (2025-09-13, quickjs-ng, monotonic);
// QuickJS 2021-03-27 has no os.now, so pass `now: Date.now` there: a wall
// clock, made monotonic here (a step back holds the clock until it catches
// up). Timers: one os.setTimeout at the earliest deadline; its handle
// (object in 2021-03-27, integer later) stays opaque, callers get our ids.
// Random: `random` (option), else xorshift seeded from the clock, which is
// NOT for security (platform/embedded/random.ts).

import type { Platform, TransportFactory } from "../../core/driver/platform.js";
import { MappingTransport } from "../embedded/tcp-mapping.js";
import type { MappingOptions } from "../embedded/tcp-mapping.js";
import { clockSeed, createFallbackRandom } from "../embedded/random.js";
import { activeTimers, addTimer, closeTimers, createMonotonicClock, createTimerList, removeTimer, runTimers } from "../embedded/timers.js";
import type { QuickJSNet, QuickJSOs } from "./net.js";
import { createQuickJSSockets } from "./sockets.js";

export interface QuickJSPlatformOptions {
  /** QuickJS's os module (or an object with the same functions). Required. */
  os: QuickJSOs;
  /** The native TCP binding; null = no transport (timers only). */
  net: QuickJSNet | null;
  /** Fills its argument with random bytes; default: xorshift from the clock (not for security). */
  random?: ((into: Uint8Array) => void) | null;
  /** Milliseconds; default os.now. Required on QuickJS 2021-03-27: pass Date.now. */
  now?: (() => number) | null;
  /** TCP mapping options (heartbeats, limits). */
  tcp?: MappingOptions | null;
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
}

export interface QuickJSPlatform extends Platform {
  /** The TCP mapping transport, or null without `net`. */
  readonly tcp: MappingTransport | null;
  /** Platform timers still armed (diagnostics, tests). */
  timers(): number;
  /** Stops timers, resets associations, closes listeners. Idempotent. */
  close(): void;
}

export function createQuickJSPlatform(options: QuickJSPlatformOptions): QuickJSPlatform {
  if (options === null || typeof options !== "object") throw new TypeError("options");
  const os = options.os;
  if (os === null || typeof os !== "object" || typeof os.setTimeout !== "function" || typeof os.clearTimeout !== "function") {
    throw new TypeError("os: need QuickJS's os module");
  }
  let read: () => number;
  if (typeof options.now === "function") read = options.now;
  else if (typeof os.now === "function") read = os.now;
  else throw new TypeError("now: this QuickJS has no os.now (2021-03-27); pass now: Date.now");
  const now = createMonotonicClock(read);
  const log = options.log === undefined || options.log === null ? null : options.log;

  // The one host timer (platform/embedded/timers.ts).
  const host = { handle: null as unknown, armed: false };
  function wake(): void {
    host.armed = false;
    host.handle = null;
    runTimers(list);
  }
  const list = createTimerList(now, {
    arm(delayMs: number): void {
      if (host.armed) os.clearTimeout(host.handle);
      host.handle = os.setTimeout(wake, delayMs);
      host.armed = true;
    },
    disarm(): void {
      if (!host.armed) return;
      host.armed = false;
      os.clearTimeout(host.handle);
      host.handle = null;
    },
  });

  let random = options.random;
  if (random === undefined || random === null) random = createFallbackRandom(clockSeed(now()));
  else if (typeof random !== "function") throw new TypeError("random must be a function");

  const platform = {
    now: now,
    setTimer(deadline: number, fire: (target: unknown) => void, target: unknown): number {
      return addTimer(list, deadline, fire, target);
    },
    clearTimer(id: number): void {
      removeTimer(list, id);
    },
    random: random,
    lock(): void {},
    unlock(): void {},
    transports: [] as TransportFactory[],
    datagram: null,
    log: log,
    tcp: null as MappingTransport | null,
    timers(): number {
      return activeTimers(list);
    },
    close(): void {
      if (platform.tcp !== null) platform.tcp.close();
      closeTimers(list);
    },
  };
  const net = options.net;
  if (net !== null && net !== undefined) {
    if (typeof os.setReadHandler !== "function" || typeof os.setWriteHandler !== "function") {
      throw new TypeError("os: need setReadHandler and setWriteHandler");
    }
    const tcpOptions: MappingOptions = {};
    const given = options.tcp;
    if (given !== null && given !== undefined) {
      const keys = Object.keys(given);
      for (let i = 0; i < keys.length; i++) (tcpOptions as { [k: string]: unknown })[keys[i]] = (given as { [k: string]: unknown })[keys[i]];
    }
    if (tcpOptions.log === undefined) tcpOptions.log = log;
    platform.tcp = new MappingTransport(platform, createQuickJSSockets(os, net), tcpOptions);
    platform.transports.push(platform.tcp);
  }
  return platform;
}
