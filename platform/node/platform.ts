// The Node platform: the one object the core's driver talks to
// (core/driver/platform.ts). Plain Node: performance.now() for the clock,
// setTimeout for timers, crypto for randomness, the SCTP (UDP-encapsulated)
// and TCP-mapping transports, dgram for announces.

import { randomFillSync } from "node:crypto";
import type { DatagramFactory, Platform, TransportFactory } from "../../core/driver/platform.js";
import { createDatagramFactory } from "./datagram.js";
import type { NodeDatagramFactory } from "./datagram.js";
import { SctpTransport } from "./sctp-transport.js";
import type { SctpTransportOptions } from "./sctp-transport.js";
import { TcpTransport } from "./tcp-transport.js";
import type { TcpTransportOptions } from "./tcp-transport.js";

export type LogFunction = (level: number, code: number, a: unknown, b: unknown) => void;

export interface NodePlatformOptions {
  /** Transports in order of preference (the first is the default). Default ["sctp", "tcp"]. */
  transports?: Array<"sctp" | "tcp">;
  sctp?: SctpTransportOptions;
  tcp?: TcpTransportOptions;
  /** false = no datagram factory (no announces). Default true. */
  datagram?: boolean;
  /** Receives the core's and the transports' log calls. Default none. */
  log?: LogFunction | null;
}

export interface NodePlatform extends Platform {
  readonly sctp: SctpTransport | null;
  readonly tcp: TcpTransport | null;
  /** Cancel timers, abort associations, close listeners and sockets. Idempotent. */
  close(): void;
}

// Node's setTimeout takes at most 2^31-1 ms; longer deadlines re-arm.
const MAX_DELAY = 0x7fffffff;

export function createNodePlatform(options: NodePlatformOptions = {}): NodePlatform {
  const log = options.log ?? null;
  const names = options.transports ?? ["sctp", "tcp"];
  let sctp: SctpTransport | null = null;
  let tcp: TcpTransport | null = null;
  const transports: TransportFactory[] = [];
  for (const name of names) {
    if (name === "sctp" && sctp === null) {
      sctp = new SctpTransport({ log, ...options.sctp });
      transports.push(sctp);
    } else if (name === "tcp" && tcp === null) {
      tcp = new TcpTransport({ log, ...options.tcp });
      transports.push(tcp);
    } else if (name !== "sctp" && name !== "tcp") {
      throw new TypeError(`unknown transport '${String(name)}'`);
    }
  }
  const datagram: NodeDatagramFactory | null = options.datagram === false ? null : createDatagramFactory({ log });

  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextTimer = 1;
  let closed = false;

  function arm(id: number, deadline: number, fire: (target: unknown) => void, target: unknown): void {
    const delay = deadline - performance.now();
    const handle = setTimeout(
      () => {
        if (!timers.has(id)) return;
        // Fire at or after the deadline, never before: libuv's millisecond
        // clock may wake us a fraction early; long deadlines are split.
        if (performance.now() < deadline) {
          arm(id, deadline, fire, target);
          return;
        }
        timers.delete(id);
        fire(target);
      },
      delay <= 0 ? 0 : Math.min(Math.ceil(delay), MAX_DELAY),
    );
    timers.set(id, handle);
  }

  const platform: NodePlatform = {
    sctp,
    tcp,
    now(): number {
      return performance.now();
    },
    setTimer(deadline: number, fire: (target: unknown) => void, target: unknown): number {
      const id = nextTimer++;
      if (!closed) arm(id, deadline, fire, target);
      return id;
    },
    clearTimer(id: number): void {
      const handle = timers.get(id);
      if (handle !== undefined) {
        clearTimeout(handle);
        timers.delete(id);
      }
    },
    random(into: Uint8Array): void {
      randomFillSync(into);
    },
    lock(): void {},
    unlock(): void {},
    transports,
    datagram: datagram as DatagramFactory | null,
    log,
    close(): void {
      if (closed) return;
      closed = true;
      for (const handle of timers.values()) clearTimeout(handle);
      timers.clear();
      if (sctp !== null) sctp.close();
      if (tcp !== null) tcp.close();
      if (datagram !== null) datagram.closeAll();
    },
  };
  return platform;
}
