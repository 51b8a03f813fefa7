// A Platform for deterministic tests (ARCHITECTURE.md "Tests"): the clock is
// a number, timers sit in the VirtualClock's heap, random() is a seeded
// PRNG, lock/unlock only count, and transports / datagrams come from a
// VirtualNetwork (virtual-network.ts) when the platform is created by one.
//
// Several platforms may share one clock (a VirtualNetwork gives all of its
// platforms its clock), so one advance() moves every host together.

import type {
  DatagramFactory,
  Platform,
  TransportFactory,
} from "../../core/driver/platform.js";
import { SeededRandom, VirtualClock } from "./virtual-clock.js";

export { SeededRandom, StepLimitError, VirtualClock } from "./virtual-clock.js";
export type { TimerCallback } from "./virtual-clock.js";

export interface LogEntry {
  time: number;
  level: number;
  code: number;
  a: unknown;
  b: unknown;
}

export interface VirtualPlatformOptions {
  /** Start time of a new clock (ignored when `clock` is given). Default 0. */
  startMs?: number;
  /** Share an existing clock (several hosts on one timeline). */
  clock?: VirtualClock;
  /** Seed of random(). Default 1. */
  seed?: number;
  transports?: TransportFactory[];
  datagram?: DatagramFactory | null;
  /** Record log() calls in `logs`. Default true. */
  recordLog?: boolean;
  /** Name for diagnostics. */
  name?: string;
}

export class VirtualPlatform implements Platform {
  readonly clock: VirtualClock;
  readonly name: string;
  readonly rng: SeededRandom;
  transports: TransportFactory[];
  datagram: DatagramFactory | null;
  log: ((level: number, code: number, a: unknown, b: unknown) => void) | null;
  readonly logs: LogEntry[] = [];

  /** False once killed: timers never fire again, callbacks stop. */
  alive = true;

  // Call counters for tests.
  lockCalls = 0;
  unlockCalls = 0;
  lockDepth = 0;
  maxLockDepth = 0;
  setTimerCalls = 0;
  clearTimerCalls = 0;
  timersFired = 0;

  private timers = new Map<number, number>(); // id -> deadline

  constructor(options: VirtualPlatformOptions = {}) {
    this.clock = options.clock ?? new VirtualClock(options.startMs ?? 0);
    this.name = options.name ?? "platform";
    this.rng = new SeededRandom(options.seed ?? 1);
    this.transports = options.transports ?? [];
    this.datagram = options.datagram ?? null;
    this.log =
      options.recordLog === false
        ? null
        : (level, code, a, b) => {
            this.logs.push({ time: this.clock.now, level, code, a, b });
          };
  }

  now(): number {
    return this.clock.now;
  }

  setTimer(deadline: number, fire: (target: unknown) => void, target: unknown): number {
    this.setTimerCalls++;
    if (!this.alive) return 0;
    let id = 0;
    id = this.clock.schedule(
      deadline,
      () => {
        this.timers.delete(id);
        if (!this.alive) return;
        this.timersFired++;
        fire(target);
      },
      null,
    );
    this.timers.set(id, deadline);
    return id;
  }

  clearTimer(id: number): void {
    this.clearTimerCalls++;
    if (this.timers.delete(id)) this.clock.cancel(id);
  }

  random(into: Uint8Array): void {
    this.rng.fill(into);
  }

  lock(): void {
    this.lockCalls++;
    this.lockDepth++;
    if (this.lockDepth > this.maxLockDepth) this.maxLockDepth = this.lockDepth;
  }

  unlock(): void {
    this.unlockCalls++;
    this.lockDepth--;
    if (this.lockDepth < 0) throw new Error("unlock() without lock()");
  }

  /** Timers armed through this platform and not yet fired or cleared. */
  activeTimers(): number {
    return this.timers.size;
  }

  /** Deadlines of this platform's armed timers, ascending. */
  timerDeadlines(): number[] {
    return Array.from(this.timers.values()).sort((a, b) => a - b);
  }

  /** Stop this platform like kill -9: its timers never fire, its sockets go silent. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const id of this.timers.keys()) this.clock.cancel(id);
    this.timers.clear();
  }

  // Clock shortcuts (they move the shared clock when the clock is shared).
  advance(ms: number, maxSteps?: number): number {
    return this.clock.advance(ms, maxSteps);
  }

  advanceTo(time: number, maxSteps?: number): number {
    return this.clock.advanceTo(time, maxSteps);
  }

  runUntilIdle(maxSteps: number): number {
    return this.clock.runUntilIdle(maxSteps);
  }

  runUntil(done: () => boolean, maxSteps: number): number {
    return this.clock.runUntil(done, maxSteps);
  }
}

export {
  VirtualNetwork,
  VirtualHost,
  isMulticastAddress,
} from "./virtual-network.js";
export type {
  LinkOptions,
  NetworkStats,
  VirtualNetworkOptions,
  VirtualPlatformOnNetworkOptions,
} from "./virtual-network.js";
