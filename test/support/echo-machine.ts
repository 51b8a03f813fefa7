// A toy sans-I/O machine for driver and network tests: it listens, connects,
// echoes messages and datagrams when asked to, sends on command, and keeps
// a list of deadlines. Every call on it is recorded in `calls` (with the
// lock depth its platform reports, when a probe is given) so tests can check
// the driver's drain order and locking.

import type { Machine, MachineAction, MachineTransmit } from "../../core/driver/machine.js";
import {
  createActionQueue,
  createTransmitQueue,
  dropTransmits,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueAbort,
  queueClose,
  queueCloseSocket,
  queueConnect,
  queueListen,
  queueOpenSocket,
  queueSendDatagram,
  queueStopListening,
} from "../../core/driver/output-queue.js";
import type { ActionQueue, TransmitQueue } from "../../core/driver/output-queue.js";

export const EVENT_UP = "up";
export const EVENT_DOWN = "down";
export const EVENT_MESSAGE = "message";
export const EVENT_DATAGRAM = "datagram";
export const EVENT_TIMER = "timer";
export const EVENT_NOTE = "note";

export interface EchoEvent {
  kind: string;
  now: number;
  association: number;
  listener: number;
  reason: number;
  stream: number;
  ppid: number;
  /** A copy, owned by the event. */
  bytes: Uint8Array;
  addresses: string[];
  address: string;
  port: number;
  socket: number;
  /** EVENT_TIMER: the deadline that fired. */
  deadline: number;
}

export interface EchoOptions {
  /** Echo messages and datagrams back to their sender. */
  echo: boolean;
  /** Recorded in every `calls` entry (e.g. () => platform.lockDepth). */
  probe?: () => number;
}

export class EchoMachine implements Machine<EchoEvent> {
  readonly calls: string[] = [];
  /** Lock depth (from probe) seen at every call. */
  readonly depths: number[] = [];
  readonly up = new Set<number>();
  echo: boolean;
  private readonly transmits: TransmitQueue = createTransmitQueue(256);
  private readonly actions: ActionQueue = createActionQueue(64);
  private readonly events: EchoEvent[] = [];
  private deadlines: number[] = [];
  private nextOutgoing = 2;
  private readonly probe: (() => number) | undefined;
  /** True while a handle* / command method runs (to catch re-entry). */
  private inside = false;
  reentered = 0;

  constructor(options: EchoOptions) {
    this.echo = options.echo;
    this.probe = options.probe;
  }

  private enter(name: string): void {
    if (this.inside) this.reentered++;
    this.inside = true;
    this.calls.push(name);
    if (this.probe !== undefined) this.depths.push(this.probe());
  }

  private leave(): void {
    this.inside = false;
  }

  private event(kind: string, now: number): EchoEvent {
    const e: EchoEvent = {
      kind,
      now,
      association: 0,
      listener: -1,
      reason: 0,
      stream: 0,
      ppid: 0,
      bytes: new Uint8Array(0),
      addresses: [],
      address: "",
      port: 0,
      socket: -1,
      deadline: -1,
    };
    this.events.push(e);
    return e;
  }

  // ---- commands -----------------------------------------------------------

  listen(listener: number, port: number, addresses: string[] = [], transport = ""): void {
    this.enter("listen");
    queueListen(this.actions, listener, transport, addresses, port);
    this.leave();
  }

  stopListening(listener: number): void {
    this.enter("stopListening");
    queueStopListening(this.actions, listener);
    this.leave();
  }

  /** Returns the (even) association number used for the connect. */
  connect(addresses: string[], port: number, transport = "", localAddresses: string[] = []): number {
    this.enter("connect");
    const n = this.nextOutgoing;
    this.nextOutgoing += 2;
    queueConnect(this.actions, n, transport, addresses, port, localAddresses, 0);
    this.leave();
    return n;
  }

  /** Ask for a connect with a number of the caller's choice (to test the driver's checks). */
  connectAs(association: number, addresses: string[], port: number, transport = ""): void {
    this.enter("connectAs");
    queueConnect(this.actions, association, transport, addresses, port, [], 0);
    this.leave();
  }

  send(association: number, stream: number, ppid: number, bytes: Uint8Array): boolean {
    this.enter("send");
    const ok = pushTransmit(this.transmits, association, stream, ppid, bytes);
    this.leave();
    return ok;
  }

  close(association: number): void {
    this.enter("close");
    queueClose(this.actions, association);
    this.leave();
  }

  abort(association: number): void {
    this.enter("abort");
    queueAbort(this.actions, association);
    this.leave();
  }

  openSocket(socket: number, port: number, group = "", address = ""): void {
    this.enter("openSocket");
    queueOpenSocket(this.actions, socket, address, port, group, 1, "");
    this.leave();
  }

  closeSocket(socket: number): void {
    this.enter("closeSocket");
    queueCloseSocket(this.actions, socket);
    this.leave();
  }

  sendDatagram(socket: number, bytes: Uint8Array, address: string, port: number): void {
    this.enter("sendDatagram");
    queueSendDatagram(this.actions, socket, bytes, address, port);
    this.leave();
  }

  /** Queue an application event straight away (re-entrancy tests). */
  note(value: number): void {
    this.enter("note");
    this.event(EVENT_NOTE, -1).stream = value;
    this.leave();
  }

  /** True while one of the machine's methods runs. */
  isInside(): boolean {
    return this.inside;
  }

  addDeadline(deadline: number): void {
    this.enter("addDeadline");
    this.deadlines.push(deadline);
    this.leave();
  }

  removeDeadline(deadline: number): void {
    this.enter("removeDeadline");
    this.deadlines = this.deadlines.filter((d) => d !== deadline);
    this.leave();
  }

  // ---- inputs -------------------------------------------------------------

  handleAssociationUp(now: number, association: number, remoteAddresses: string[], remotePort: number, listener: number): void {
    this.enter("handleAssociationUp");
    this.up.add(association);
    const e = this.event(EVENT_UP, now);
    e.association = association;
    e.addresses = remoteAddresses.slice();
    e.port = remotePort;
    e.listener = listener;
    this.leave();
  }

  handleAssociationDown(now: number, association: number, reason: number): void {
    this.enter("handleAssociationDown");
    this.up.delete(association);
    dropTransmits(this.transmits, association);
    const e = this.event(EVENT_DOWN, now);
    e.association = association;
    e.reason = reason;
    this.leave();
  }

  handleMessage(now: number, association: number, stream: number, ppid: number, bytes: Uint8Array): void {
    this.enter("handleMessage");
    if (this.echo) pushTransmit(this.transmits, association, stream, ppid, bytes);
    const e = this.event(EVENT_MESSAGE, now);
    e.association = association;
    e.stream = stream;
    e.ppid = ppid;
    e.bytes = bytes.slice();
    this.leave();
  }

  handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void {
    this.enter("handleDatagram");
    if (this.echo) queueSendDatagram(this.actions, socket, bytes, address, port);
    const e = this.event(EVENT_DATAGRAM, now);
    e.socket = socket;
    e.bytes = bytes.slice();
    e.address = address;
    e.port = port;
    this.leave();
  }

  handleTimeout(now: number): void {
    this.enter("handleTimeout");
    const due = this.deadlines.filter((d) => d <= now).sort((a, b) => a - b);
    this.deadlines = this.deadlines.filter((d) => d > now);
    for (const d of due) this.event(EVENT_TIMER, now).deadline = d;
    this.leave();
  }

  // ---- outputs ------------------------------------------------------------

  pollTransmit(): MachineTransmit | null {
    this.enter("pollTransmit");
    const t = pollTransmitQueue(this.transmits);
    this.leave();
    return t;
  }

  pollAction(): MachineAction | null {
    this.enter("pollAction");
    const a = pollActionQueue(this.actions);
    this.leave();
    return a;
  }

  pollEvent(): EchoEvent | null {
    this.enter("pollEvent");
    const e = this.events.length > 0 ? (this.events.shift() as EchoEvent) : null;
    this.leave();
    return e;
  }

  pollTimeout(): number {
    this.enter("pollTimeout");
    let min = -1;
    for (const d of this.deadlines) if (min < 0 || d < min) min = d;
    this.leave();
    return min;
  }
}
