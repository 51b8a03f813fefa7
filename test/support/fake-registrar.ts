// A scripted registrar for client tests: a Machine that speaks just enough
// ASAP (RFC 5352) to exercise the PE/PU library, and lets a test script what
// the real registrar may not do (yet): keep silent, take over a PE with an
// H keep-alive by connecting to its ASAP transport, answer with errors.
//
// Behaviour: listens on asapPort; REGISTRATION stores (handle, PE) and
// answers; DEREGISTRATION removes and answers OK; HANDLE_RESOLUTION answers
// up to `items` (default maxItems) PEs in round-robin order or cause 0x9;
// ENDPOINT_UNREACHABLE counts, removing the PE at maxBadReports; losing an
// association removes the PEs registered over it (rsplib). Optionally sends
// ENDPOINT_KEEP_ALIVE to every PE each keepAliveIntervalMs, and
// SERVER_ANNOUNCE from its ASAP port to the announce group.

import type { Machine, MachineAction, MachineTransmit } from "../../core/driver/machine.js";
import {
  createActionQueue,
  createTransmitQueue,
  dropTransmits,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueConnect,
  queueListen,
  queueOpenSocket,
  queueSendDatagram,
} from "../../core/driver/output-queue.js";
import {
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_FLAG_HOME,
  ASAP_FLAG_REJECT,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  CAUSE_UNKNOWN_POOL_HANDLE,
  PPID_ASAP,
} from "../../core/wire/constants.js";
import { createDecoder, createWriter, decodeAsap, encodeAsap, newAsapMessage, newErrorCause, newOperationError } from "../../core/wire/index.js";
import type { AsapMessage, PoolElement } from "../../core/wire/types.js";
import { copyPoolElement } from "../../core/client/state.js";

export interface FakeRegistrarOptions {
  identifier: number;
  asapPort: number;
  /** Default HANDLE_RESOLUTION items (rsplib -maxhresitems 3). */
  maxItems?: number;
  maxBadReports?: number;
  keepAliveIntervalMs?: number;
  announce?: boolean;
  announceIntervalMs?: number;
  announceAddress?: string;
  announcePort?: number;
}

export interface StoredPoolElement {
  handle: string;
  element: PoolElement;
  association: number;
  registrations: number;
  /** Times of every registration of this PE. */
  times: number[];
  reports: number;
  acks: number;
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export class FakeRegistrar implements Machine<string> {
  readonly identifier: number;
  readonly options: FakeRegistrarOptions;
  /** "handle/identifier" -> PE. */
  readonly store = new Map<string, StoredPoolElement>();
  /** Every ASAP message received, as "TYPE handle id" lines. */
  readonly log: string[] = [];
  readonly up = new Set<number>();
  /** Stop answering anything (a registrar that hangs). */
  silent = false;
  /** Answer registrations with this cause (reject), 0 = accept. */
  rejectCause = 0;
  counts = { registrations: 0, deregistrations: 0, resolutions: 0, unreachable: 0, keepAlives: 0, acks: 0 };
  private transmits = createTransmitQueue(100000);
  private actions = createActionQueue(1024);
  private writer = createWriter(256);
  private decoder = createDecoder();
  private nextAssociation = 2;
  private keepAliveDue = -1;
  private announceDue = -1;
  private rotation = 0;
  /** Takeover connects: association -> PEs to send H keep-alives for. */
  private takeovers = new Map<number, { handle: string; identifier: number }[]>();

  constructor(options: FakeRegistrarOptions) {
    this.identifier = options.identifier;
    this.options = options;
  }

  start(now: number): void {
    queueListen(this.actions, 0, "", [], this.options.asapPort);
    if (this.options.keepAliveIntervalMs) this.keepAliveDue = now + this.options.keepAliveIntervalMs;
    if (this.options.announce) {
      // rsplib binds the announce socket to the ASAP port: receivers use the UDP source port.
      queueOpenSocket(this.actions, 0, "", this.options.asapPort, "", 30, "");
      this.announceDue = now;
    }
  }

  poolElements(handle: string): StoredPoolElement[] {
    return [...this.store.values()].filter((p) => p.handle === handle);
  }

  find(handle: string, identifier: number): StoredPoolElement | undefined {
    return this.store.get(handle + "/" + identifier);
  }

  /** Connect to a PE's ASAP transport and claim to be its new home (H keep-alive). */
  takeOver(addresses: string[], port: number, pes: { handle: string; identifier: number }[]): number {
    const n = this.nextAssociation;
    this.nextAssociation += 2;
    this.takeovers.set(n, pes);
    queueConnect(this.actions, n, "", addresses, port, [], 0);
    return n;
  }

  /** Send a keep-alive now (flags, optional PE id) on the association a PE registered over. */
  keepAlive(handle: string, identifier: number | null, flags: number, association?: number): void {
    let n = association;
    if (n === undefined) {
      const pe = identifier !== null ? this.find(handle, identifier) : this.poolElements(handle)[0];
      if (pe === undefined) throw new Error("no such PE");
      n = pe.association;
    }
    const m = newAsapMessage(ASAP_ENDPOINT_KEEP_ALIVE);
    m.flags = flags;
    m.serverIdentifier = this.identifier;
    m.poolHandle = bytes(handle);
    m.peIdentifier = identifier;
    this.counts.keepAlives++;
    this.send(n, m);
  }

  private send(n: number, m: AsapMessage): void {
    pushTransmit(this.transmits, n, 0, PPID_ASAP, encodeAsap(this.writer, m));
  }

  handleAssociationUp(now: number, n: number): void {
    this.up.add(n);
    const pes = this.takeovers.get(n);
    if (pes !== undefined) {
      for (const p of pes) {
        const stored = this.find(p.handle, p.identifier);
        if (stored !== undefined) stored.association = n;
        this.keepAlive(p.handle, p.identifier, ASAP_FLAG_HOME, n);
      }
    }
  }

  handleAssociationDown(now: number, n: number): void {
    this.up.delete(n);
    this.takeovers.delete(n);
    dropTransmits(this.transmits, n);
    for (const [key, pe] of this.store) if (pe.association === n) this.store.delete(key);
  }

  handleMessage(now: number, n: number, stream: number, ppid: number, data: Uint8Array): void {
    if (this.silent || ppid !== PPID_ASAP) return;
    const m = decodeAsap(this.decoder, data, 0, data.length);
    if (m === null) {
      this.log.push("UNDECODABLE");
      return;
    }
    const handle = m.poolHandle === null ? "" : text(m.poolHandle);
    this.log.push(`${m.type} ${handle} ${m.peIdentifier ?? (m.poolElements[0]?.identifier ?? "")}`);
    const reply = newAsapMessage(0);
    reply.poolHandle = m.poolHandle;
    switch (m.type) {
      case ASAP_REGISTRATION: {
        this.counts.registrations++;
        const pe = m.poolElements[0];
        reply.type = ASAP_REGISTRATION_RESPONSE;
        reply.peIdentifier = pe.identifier;
        if (this.rejectCause !== 0) {
          reply.flags = ASAP_FLAG_REJECT;
          reply.error = newOperationError([newErrorCause(this.rejectCause, new Uint8Array(0))]);
        } else {
          const key = handle + "/" + pe.identifier;
          const old = this.store.get(key);
          const element = copyPoolElement(pe);
          element.homeRegistrarIdentifier = this.identifier;
          this.store.set(key, {
            handle, element, association: n, registrations: (old?.registrations ?? 0) + 1,
            times: [...(old?.times ?? []), now], reports: 0, acks: old?.acks ?? 0,
          });
        }
        this.send(n, reply);
        break;
      }
      case ASAP_DEREGISTRATION:
        this.counts.deregistrations++;
        this.store.delete(handle + "/" + m.peIdentifier);
        reply.type = ASAP_DEREGISTRATION_RESPONSE;
        reply.peIdentifier = m.peIdentifier;
        this.send(n, reply);
        break;
      case ASAP_HANDLE_RESOLUTION: {
        this.counts.resolutions++;
        reply.type = ASAP_HANDLE_RESOLUTION_RESPONSE;
        const all = this.poolElements(handle);
        if (all.length === 0) {
          reply.error = newOperationError([newErrorCause(CAUSE_UNKNOWN_POOL_HANDLE, m.poolHandle as Uint8Array)]);
        } else {
          const items = Math.min(m.items ?? this.options.maxItems ?? 3, all.length);
          const start = this.rotation++ % all.length;
          reply.policy = all[0].element.policy;
          for (let i = 0; i < items; i++) reply.poolElements.push(all[(start + i) % all.length].element);
        }
        this.send(n, reply);
        break;
      }
      case ASAP_ENDPOINT_UNREACHABLE: {
        this.counts.unreachable++;
        const pe = this.find(handle, m.peIdentifier as number);
        if (pe !== undefined && ++pe.reports >= (this.options.maxBadReports ?? 3)) {
          this.store.delete(handle + "/" + m.peIdentifier);
        }
        break;
      }
      case ASAP_ENDPOINT_KEEP_ALIVE_ACK: {
        this.counts.acks++;
        const pe = this.find(handle, m.peIdentifier as number);
        if (pe !== undefined) pe.acks++;
        break;
      }
    }
  }

  handleDatagram(): void {}

  handleTimeout(now: number): void {
    if (this.keepAliveDue >= 0 && now >= this.keepAliveDue) {
      this.keepAliveDue = now + (this.options.keepAliveIntervalMs as number);
      if (!this.silent) {
        for (const pe of this.store.values()) this.keepAlive(pe.handle, pe.element.identifier, 0, pe.association);
      }
    }
    if (this.announceDue >= 0 && now >= this.announceDue) {
      this.announceDue = now + (this.options.announceIntervalMs ?? 1000);
      if (!this.silent) {
        const m = newAsapMessage(ASAP_SERVER_ANNOUNCE);
        m.serverIdentifier = this.identifier;
        queueSendDatagram(this.actions, 0, encodeAsap(this.writer, m), this.options.announceAddress ?? "239.0.0.50",
          this.options.announcePort ?? 3863);
      }
    }
  }

  pollTransmit(): MachineTransmit | null {
    return pollTransmitQueue(this.transmits);
  }

  pollAction(): MachineAction | null {
    return pollActionQueue(this.actions);
  }

  pollEvent(): string | null {
    return null;
  }

  pollTimeout(): number {
    let d = -1;
    for (const x of [this.keepAliveDue, this.announceDue]) if (x >= 0 && (d < 0 || x < d)) d = x;
    return d;
  }
}
