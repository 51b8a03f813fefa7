// The Espruino platform: the Platform object (core/driver/platform.ts) from
// Espruino's own APIs, all injected (the shim imports nothing of the host):
//
//   var platform = RSP.createEspruinoPlatform({
//     net: require("net"), setTimeout: setTimeout, clearTimeout: clearTimeout,
//     getTime: getTime, E: E });
//
// Clock: getTime() (seconds, float) x 1000, kept monotonic (setTime may step
// it back). Timers: one setTimeout at the earliest deadline, delays computed
// from the absolute deadlines. Random: `random`, else xorshift seeded from
// getTime and Math.random: NOT for security (platform/embedded/random.ts).
// Transport: the TCP mapping over require("net") (Espruino has no SCTP).
// No datagrams yet (announces need require("dgram") + addMembership).
//
// Polyfills: none. The bundle is built under the client profile of the
// Espruino gate (build/build.mjs), which refuses Map, Set, Symbol,
// Object.freeze, Array.from, Number.isInteger, Math.imul, RangeError ...;
// test/platform/espruino runs it in a context without them.

import type { Platform, TransportFactory } from "../../core/driver/platform.js";
import { MappingTransport } from "../embedded/tcp-mapping.js";
import type { MappingOptions } from "../embedded/tcp-mapping.js";
import { clockSeed, createFallbackRandom } from "../embedded/random.js";
import { activeTimers, addTimer, closeTimers, createMonotonicClock, createTimerList, removeTimer, runTimers } from "../embedded/timers.js";
import { createEspruinoSockets } from "./sockets.js";
import type { EspruinoE, EspruinoNet } from "./sockets.js";

export interface EspruinoPlatformOptions {
  /** require("net"); null = no transport (timers only). */
  net: EspruinoNet | null;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** Seconds as a float (Espruino's getTime). */
  getTime: () => number;
  /** Fills its argument with random bytes; default: xorshift from the clock (not for security). */
  random?: ((into: Uint8Array) => void) | null;
  /** Espruino's E (E.toString / E.toUint8Array for socket data); default: pure-JS latin1 conversion. */
  E?: EspruinoE | null;
  /** TCP mapping options (heartbeats, limits). */
  tcp?: MappingOptions | null;
  log?: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
}

export interface EspruinoPlatform extends Platform {
  /** The TCP mapping transport, or null without `net`. */
  readonly tcp: MappingTransport | null;
  /** Platform timers still armed (diagnostics, tests). */
  timers(): number;
  /** Stops timers, closes associations and listeners. Idempotent. */
  close(): void;
}

export function createEspruinoPlatform(options: EspruinoPlatformOptions): EspruinoPlatform {
  if (options === null || typeof options !== "object") throw new TypeError("options");
  const setTimer = options.setTimeout;
  const clearTimer = options.clearTimeout;
  const getTime = options.getTime;
  if (typeof setTimer !== "function" || typeof clearTimer !== "function") throw new TypeError("need setTimeout and clearTimeout");
  if (typeof getTime !== "function") throw new TypeError("need getTime");
  const now = createMonotonicClock(function (): number {
    return getTime() * 1000;
  });
  const log = options.log === undefined || options.log === null ? null : options.log;
  const E = options.E === undefined || options.E === null ? null : options.E;
  if (E !== null && (typeof E.toString !== "function" || typeof E.toUint8Array !== "function")) {
    throw new TypeError("E: need E.toString and E.toUint8Array");
  }

  // The one host timer (platform/embedded/timers.ts).
  const host = { handle: null as unknown, armed: false };
  function wake(): void {
    host.armed = false;
    host.handle = null;
    runTimers(list);
  }
  const list = createTimerList(now, {
    arm(delayMs: number): void {
      if (host.armed) clearTimer(host.handle);
      host.handle = setTimer(wake, delayMs);
      host.armed = true;
    },
    disarm(): void {
      if (!host.armed) return;
      host.armed = false;
      clearTimer(host.handle);
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
    if (typeof net.connect !== "function" || typeof net.createServer !== "function") throw new TypeError("net: need require(\"net\")");
    const tcpOptions: MappingOptions = {};
    const given = options.tcp;
    if (given !== null && given !== undefined) {
      const keys = Object.keys(given);
      for (let i = 0; i < keys.length; i++) (tcpOptions as { [k: string]: unknown })[keys[i]] = (given as { [k: string]: unknown })[keys[i]];
    }
    if (tcpOptions.log === undefined) tcpOptions.log = log;
    platform.tcp = new MappingTransport(platform, createEspruinoSockets(net, E), tcpOptions);
    platform.transports.push(platform.tcp);
  }
  return platform;
}
