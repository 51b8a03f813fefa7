// Shared helpers for the Node platform tests (real loopback sockets): a
// handler that records events and lets a test await a condition with a
// deadline, a seeded PRNG, and raw SCTP packet builders for the fuzzer and
// for handshakes done by hand.

import dgram from "node:dgram";
import type { Association, AssociationHandler } from "../../../core/driver/platform.js";
import { encodePacket } from "../../../platform/node/sctp-packet.js";

export interface RecordedEvent {
  kind: "up" | "message" | "down";
  association: Association;
  addresses: string[];
  port: number;
  stream: number;
  ppid: number;
  bytes: Uint8Array;
  reason: number;
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
}

/** Records every callback; `until` resolves when a predicate holds, or rejects at its deadline. */
export class Recorder implements AssociationHandler {
  readonly events: RecordedEvent[] = [];
  private waiters: Waiter[] = [];
  /** Called on every message (after recording), e.g. to echo. */
  onEachMessage: ((association: Association, stream: number, ppid: number, bytes: Uint8Array) => void) | null = null;
  onEachUp: ((association: Association) => void) | null = null;

  onUp(_target: unknown, association: Association, addresses: string[], port: number): void {
    this.push({ kind: "up", association, addresses, port, stream: 0, ppid: 0, bytes: new Uint8Array(0), reason: -1 });
    if (this.onEachUp !== null) this.onEachUp(association);
  }

  onMessage(_target: unknown, association: Association, stream: number, ppid: number, bytes: Uint8Array): void {
    // Keep a copy: a transport may reuse what it passes.
    this.push({ kind: "message", association, addresses: [], port: 0, stream, ppid, bytes: Uint8Array.from(bytes), reason: -1 });
    if (this.onEachMessage !== null) this.onEachMessage(association, stream, ppid, bytes);
  }

  onDown(_target: unknown, association: Association, reason: number): void {
    this.push({ kind: "down", association, addresses: [], port: 0, stream: 0, ppid: 0, bytes: new Uint8Array(0), reason });
  }

  private push(e: RecordedEvent): void {
    this.events.push(e);
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.check()) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  of(kind: RecordedEvent["kind"], association?: Association): RecordedEvent[] {
    return this.events.filter((e) => e.kind === kind && (association === undefined || e.association === association));
  }

  count(kind: RecordedEvent["kind"], association?: Association): number {
    let n = 0;
    for (const e of this.events) if (e.kind === kind && (association === undefined || e.association === association)) n++;
    return n;
  }

  /** Resolve once `check()` holds (checked now and after each event); reject after `ms`. */
  until(check: () => boolean, ms: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.push(w);
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolve once `check()` holds, polling every `step` ms; reject after `ms`. */
export async function poll(check: () => boolean, ms: number, what: string, step = 5): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(step);
  }
}

/** mulberry32: small seeded PRNG for reproducible fuzzing. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  u32(): number {
    return (this.next() * 4294967296) >>> 0;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** A free UDP port on 127.0.0.1 (bound then released; good enough on loopback). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// ---- raw SCTP (RFC 4960 s3) ---------------------------------------------------

export function chunk(type: number, flags: number, body: Uint8Array, lengthOverride = -1): Buffer {
  const len = 4 + body.length;
  const c = Buffer.alloc((len + 3) & ~3);
  c[0] = type;
  c[1] = flags;
  c.writeUInt16BE(lengthOverride >= 0 ? lengthOverride : len, 2);
  c.set(body, 4);
  return c;
}

export function param(type: number, value: Uint8Array, lengthOverride = -1): Buffer {
  const len = 4 + value.length;
  const p = Buffer.alloc((len + 3) & ~3);
  p.writeUInt16BE(type, 0);
  p.writeUInt16BE(lengthOverride >= 0 ? lengthOverride : len, 2);
  p.set(value, 4);
  return p;
}

export function initChunk(tag: number, tsn: number, params: Buffer[] = [], type = 1): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32BE(tag >>> 0, 0);
  fixed.writeUInt32BE(65536, 4); // a_rwnd
  fixed.writeUInt16BE(8, 8); // outbound streams
  fixed.writeUInt16BE(8, 10); // inbound streams
  fixed.writeUInt32BE(tsn >>> 0, 12);
  return chunk(type, 0, Buffer.concat([fixed, ...params]));
}

export function dataChunk(tsn: number, stream: number, ssn: number, ppid: number, payload: Uint8Array, flags = 3): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32BE(tsn >>> 0, 0);
  h.writeUInt16BE(stream, 4);
  h.writeUInt16BE(ssn, 6);
  h.writeUInt32BE(ppid >>> 0, 8);
  return chunk(0, flags, Buffer.concat([h, payload]));
}

export function sackChunk(cumulative: number, rwnd: number, gaps: Array<[number, number]>, dups: number[] = []): Buffer {
  const b = Buffer.alloc(12 + 4 * gaps.length + 4 * dups.length);
  b.writeUInt32BE(cumulative >>> 0, 0);
  b.writeUInt32BE(rwnd >>> 0, 4);
  b.writeUInt16BE(gaps.length, 8);
  b.writeUInt16BE(dups.length, 10);
  gaps.forEach(([s, e], i) => {
    b.writeUInt16BE(s, 12 + 4 * i);
    b.writeUInt16BE(e, 14 + 4 * i);
  });
  dups.forEach((d, i) => b.writeUInt32BE(d >>> 0, 12 + 4 * gaps.length + 4 * i));
  return chunk(3, 0, b);
}

export function packet(src: number, dst: number, vtag: number, chunks: Buffer[]): Buffer {
  return encodePacket(src, dst, vtag, chunks);
}

/** The fields of an INIT ACK a hand-made client needs. */
export interface InitAck {
  tag: number;
  tsn: number;
  cookie: Buffer;
}

export function parseInitAck(b: Buffer): InitAck | null {
  if (b.length < 32 || b[12] !== 2) return null;
  const clen = b.readUInt16BE(14);
  const tag = b.readUInt32BE(16);
  const tsn = b.readUInt32BE(28);
  let off = 32;
  const end = 12 + clen;
  while (off + 4 <= end) {
    const t = b.readUInt16BE(off);
    const l = b.readUInt16BE(off + 2);
    if (l < 4) return null;
    if (t === 7) return { tag, tsn, cookie: Buffer.from(b.subarray(off + 4, off + l)) };
    off += (l + 3) & ~3;
  }
  return null;
}

/**
 * A hand-driven SCTP peer on its own UDP socket: performs a handshake with
 * raw packets, then sends whatever the test builds (valid tag, valid CRC).
 */
export class RawPeer {
  readonly socket: dgram.Socket;
  readonly received: Buffer[] = [];
  localPort = 0;
  myTag = 0;
  peerTag = 0;
  nextTsn = 0;
  peerTsn = 0;
  private ready: Promise<void>;

  constructor() {
    this.socket = dgram.createSocket("udp4");
    this.socket.on("message", (b) => {
      if (this.received.length < 10000) this.received.push(b);
    });
    this.ready = new Promise((resolve) => this.socket.bind(0, "127.0.0.1", () => resolve()));
  }

  async send(bytes: Buffer, port: number): Promise<void> {
    await this.ready;
    await new Promise<void>((resolve) => this.socket.send(bytes, port, "127.0.0.1", () => resolve()));
  }

  /** INIT / INIT ACK / COOKIE ECHO / COOKIE ACK against a server; false if it did not complete within `ms`. */
  async handshake(udpPort: number, sctpPort: number, localPort: number, tag: number, ms = 2000): Promise<boolean> {
    this.localPort = localPort;
    this.myTag = tag >>> 0;
    this.nextTsn = tag >>> 0;
    this.received.length = 0;
    await this.send(packet(localPort, sctpPort, 0, [initChunk(this.myTag, this.nextTsn)]), udpPort);
    const end = performance.now() + ms;
    let ack: InitAck | null = null;
    while (ack === null && performance.now() < end) {
      await sleep(2);
      for (const b of this.received) ack = ack ?? parseInitAck(b);
    }
    if (ack === null) return false;
    this.peerTag = ack.tag;
    this.peerTsn = ack.tsn;
    this.received.length = 0;
    await this.send(packet(localPort, sctpPort, this.peerTag, [chunk(10, 0, ack.cookie)]), udpPort);
    while (performance.now() < end) {
      await sleep(2);
      if (this.received.some((b) => b.length >= 16 && b[12] === 11)) return true;
    }
    return false;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // closed
    }
  }
}
