// Bounded FIFO queues of output records for machines: a ring of reusable
// fixed-shape records, created on first use and reused after that, so a
// machine in steady state allocates nothing per transmit or action.
// Bytes are copied into a buffer owned by the record (grown on demand);
// the polled record and its bytes stay valid until the next push into the
// queue or the next poll, which is the machine contract (machine.ts).

import {
  ACTION_ABORT,
  ACTION_CLOSE,
  ACTION_CLOSE_SOCKET,
  ACTION_CONNECT,
  ACTION_LISTEN,
  ACTION_NONE,
  ACTION_OPEN_SOCKET,
  ACTION_SEND_DATAGRAM,
  ACTION_STOP_LISTENING,
  createAction,
} from "./machine.js";
import type { MachineAction, MachineTransmit } from "./machine.js";

export interface QueuedTransmit extends MachineTransmit {
  /** Owned storage; `bytes` is a view of its first bytes. */
  buffer_: Uint8Array;
}

export interface QueuedAction extends MachineAction {
  buffer_: Uint8Array;
}

export interface TransmitQueue {
  records_: QueuedTransmit[];
  head_: number;
  count_: number;
  capacity_: number;
}

export interface ActionQueue {
  records_: QueuedAction[];
  head_: number;
  count_: number;
  capacity_: number;
}

// Plain Error: Espruino has no RangeError (runtimes.md).
export function createTransmitQueue(capacity: number): TransmitQueue {
  if (!(capacity >= 1)) throw new Error("queue capacity must be >= 1");
  return { records_: [], head_: 0, count_: 0, capacity_: capacity };
}

export function createActionQueue(capacity: number): ActionQueue {
  if (!(capacity >= 1)) throw new Error("queue capacity must be >= 1");
  return { records_: [], head_: 0, count_: 0, capacity_: capacity };
}

// Copy into the record's buffer; reuse the current view when the length
// matches so steady traffic of one size allocates nothing.
function copyInto(record: QueuedTransmit | QueuedAction, bytes: Uint8Array): void {
  const length = bytes.length;
  let buffer = record.buffer_;
  if (buffer.length < length) {
    let size = buffer.length * 2;
    if (size < length) size = length;
    if (size < 64) size = 64;
    buffer = new Uint8Array(size);
    record.buffer_ = buffer;
  }
  buffer.set(bytes, 0);
  const view = record.bytes;
  if (view.buffer !== buffer.buffer || view.byteOffset !== buffer.byteOffset || view.length !== length) {
    record.bytes = buffer.subarray(0, length);
  }
}

/** Queue a copy of `bytes`. False when the queue is full (nothing queued). */
export function pushTransmit(
  queue: TransmitQueue,
  association: number,
  stream: number,
  ppid: number,
  bytes: Uint8Array
): boolean {
  if (queue.count_ >= queue.capacity_) return false;
  const index = (queue.head_ + queue.count_) % queue.capacity_;
  let record = queue.records_[index];
  if (record === undefined) {
    const empty = new Uint8Array(0);
    record = { association: 0, stream: 0, ppid: 0, bytes: empty, buffer_: empty };
    queue.records_[index] = record;
  }
  record.association = association;
  record.stream = stream;
  record.ppid = ppid;
  copyInto(record, bytes);
  queue.count_++;
  return true;
}

/** Next transmit or null. Records of a dropped association are skipped. */
export function pollTransmitQueue(queue: TransmitQueue): MachineTransmit | null {
  while (queue.count_ > 0) {
    const record = queue.records_[queue.head_];
    queue.head_ = (queue.head_ + 1) % queue.capacity_;
    queue.count_--;
    if (record.association !== 0) return record;
  }
  return null;
}

/** Forget queued transmits of an association (it went down). */
export function dropTransmits(queue: TransmitQueue, association: number): void {
  for (let i = 0; i < queue.count_; i++) {
    const record = queue.records_[(queue.head_ + i) % queue.capacity_];
    if (record.association === association) record.association = 0;
  }
}

export function transmitQueueLength(queue: TransmitQueue): number {
  return queue.count_;
}

function nextAction(queue: ActionQueue, kind: number): QueuedAction | null {
  if (queue.count_ >= queue.capacity_) return null;
  const index = (queue.head_ + queue.count_) % queue.capacity_;
  let record = queue.records_[index];
  if (record === undefined) {
    const base = createAction() as QueuedAction;
    base.buffer_ = base.bytes;
    record = base;
    queue.records_[index] = record;
  }
  record.kind = kind;
  queue.count_++;
  return record;
}

/** Ask for a connect; `association` must be an even number the machine owns. */
export function queueConnect(
  queue: ActionQueue,
  association: number,
  transport: string,
  addresses: string[],
  port: number,
  localAddresses: string[],
  localPort: number
): boolean {
  const a = nextAction(queue, ACTION_CONNECT);
  if (a === null) return false;
  a.association = association;
  a.transport = transport;
  a.addresses = addresses;
  a.port = port;
  a.localAddresses = localAddresses;
  a.localPort = localPort;
  return true;
}

export function queueClose(queue: ActionQueue, association: number): boolean {
  const a = nextAction(queue, ACTION_CLOSE);
  if (a === null) return false;
  a.association = association;
  return true;
}

export function queueAbort(queue: ActionQueue, association: number): boolean {
  const a = nextAction(queue, ACTION_ABORT);
  if (a === null) return false;
  a.association = association;
  return true;
}

export function queueListen(
  queue: ActionQueue,
  listener: number,
  transport: string,
  addresses: string[],
  port: number
): boolean {
  const a = nextAction(queue, ACTION_LISTEN);
  if (a === null) return false;
  a.listener = listener;
  a.transport = transport;
  a.addresses = addresses;
  a.port = port;
  return true;
}

export function queueStopListening(queue: ActionQueue, listener: number): boolean {
  const a = nextAction(queue, ACTION_STOP_LISTENING);
  if (a === null) return false;
  a.listener = listener;
  return true;
}

export function queueOpenSocket(
  queue: ActionQueue,
  socket: number,
  address: string,
  port: number,
  group: string,
  ttl: number,
  multicastInterface: string
): boolean {
  const a = nextAction(queue, ACTION_OPEN_SOCKET);
  if (a === null) return false;
  a.socket = socket;
  a.address = address;
  a.port = port;
  a.group = group;
  a.ttl = ttl;
  a.multicastInterface = multicastInterface;
  return true;
}

export function queueCloseSocket(queue: ActionQueue, socket: number): boolean {
  const a = nextAction(queue, ACTION_CLOSE_SOCKET);
  if (a === null) return false;
  a.socket = socket;
  return true;
}

/** Queue a copy of `bytes` to send from `socket` to address:port. */
export function queueSendDatagram(
  queue: ActionQueue,
  socket: number,
  bytes: Uint8Array,
  address: string,
  port: number
): boolean {
  const a = nextAction(queue, ACTION_SEND_DATAGRAM);
  if (a === null) return false;
  a.socket = socket;
  copyInto(a, bytes);
  a.address = address;
  a.port = port;
  return true;
}

export function pollActionQueue(queue: ActionQueue): MachineAction | null {
  while (queue.count_ > 0) {
    const record = queue.records_[queue.head_];
    queue.head_ = (queue.head_ + 1) % queue.capacity_;
    queue.count_--;
    if (record.kind !== ACTION_NONE) return record;
  }
  return null;
}

export function actionQueueLength(queue: ActionQueue): number {
  return queue.count_;
}
