// The driver: the only core code that calls the Platform. It turns platform
// callbacks into handle* inputs, drains the machine's poll* outputs in the
// fixed order after every input and every application command, keeps one
// platform timer armed at the machine's deadline, and hands application
// events to a listener after the machine call has returned (ECMA-419 rule:
// no callback from inside a public method).
//
// Entries. Every way into the driver (a platform callback, the timer, run(),
// afterCommand(), close()) is an entry: lock(), machine input, drain,
// re-arm, unlock(). Entries do not nest: a platform callback that arrives
// while an entry is running (a platform that calls back synchronously from
// connect() or send(), or a listener's own command) is queued and fed to the
// machine by the running entry, after the current drain, in arrival order.
// A listener that issues a command through run()/afterCommand() gets its
// outputs drained before the next event is delivered.
//
// Bounds. One entry feeds at most maxRounds inputs/commands and drains at
// most maxOutputs records; past that it arms the timer at `now` and
// continues from the timer (so a chatty listener cannot starve the host).
//
// Espruino profile: no Map/Set, no closures per message; association,
// listener and socket slots are arrays indexed by their small numbers.

import type {
  Association,
  AssociationHandler,
  DatagramHandler,
  DatagramSocket,
  Listener,
  Platform,
  TransportFactory,
} from "./platform.js";
import { DOWN_CONNECT_FAILED } from "./platform.js";
import {
  ACTION_ABORT,
  ACTION_CLOSE,
  ACTION_CLOSE_SOCKET,
  ACTION_CONNECT,
  ACTION_LISTEN,
  ACTION_OPEN_SOCKET,
  ACTION_SEND_DATAGRAM,
  ACTION_STOP_LISTENING,
  LISTENER_NONE,
} from "./machine.js";
import type { Machine, MachineAction, MachineTransmit } from "./machine.js";

/** onError codes. `number` names the association, listener or socket. */
export const DRIVER_ERROR_NO_TRANSPORT = 1;
export const DRIVER_ERROR_BAD_NUMBER = 2;
export const DRIVER_ERROR_LISTEN_FAILED = 3;
export const DRIVER_ERROR_CONNECT_FAILED = 4;
export const DRIVER_ERROR_NO_DATAGRAM = 5;
export const DRIVER_ERROR_SOCKET_FAILED = 6;
export const DRIVER_ERROR_SEND_FAILED = 7;
export const DRIVER_ERROR_LISTENER_THREW = 8;
export const DRIVER_ERROR_PLATFORM_THREW = 9;

export interface DriverOptions<E> {
  /** Receives every application event, after the machine call returned. */
  onEvent?: ((target: unknown, event: E) => void) | null;
  /** Receives failures the machine is not told about (listen, socket, send, listener exceptions). */
  onError?: ((target: unknown, code: number, number: number, detail: unknown) => void) | null;
  /** Passed as first argument to onEvent / onError. */
  target?: unknown;
  /** Inputs and commands per entry before yielding to the host. Default 64. */
  maxRounds?: number;
  /** Records drained per entry before yielding to the host. Default 4096. */
  maxOutputs?: number;
}

export interface DriverCounters {
  inputs: number;
  commands: number;
  timeouts: number;
  transmits: number;
  actions: number;
  events: number;
  /** Transmits for associations that are not up (or unknown): dropped. */
  droppedTransmits: number;
  /** Entries that hit maxRounds / maxOutputs and continued from the timer. */
  yields: number;
  /** Platform callbacks queued because an entry was running. */
  queuedInputs: number;
}

export interface Driver<M> {
  readonly machine: M;
  readonly counters: DriverCounters;
  /**
   * Run an application command, then drain: `command(target)` calls methods
   * on the machine. From an event listener it runs at once and its outputs
   * are drained before the next event. False (command not run) once closed.
   */
  run(command: (target: unknown) => void, target: unknown): boolean;
  /** Drain after commands called directly on the machine. */
  afterCommand(): void;
  /** Close listeners, associations (gracefully) and sockets; stop the timer. Idempotent. */
  close(): void;
  isClosed(): boolean;
}

// Association slot states.
const SLOT_FREE = 0;
const SLOT_CONNECTING = 1;
const SLOT_UP = 2;
/** The platform reported down; the machine has not been told yet. */
const SLOT_DOWN_PENDING = 3;

// Queued input kinds.
const INPUT_UP = 1;
const INPUT_MESSAGE = 2;
const INPUT_DOWN = 3;
const INPUT_DATAGRAM = 4;

interface AssociationSlot {
  state: number;
  number: number;
  association: Association | null;
  core: DriverCore;
}

interface ListenerSlot {
  number: number;
  listener: Listener | null;
  core: DriverCore;
}

interface SocketSlot {
  number: number;
  socket: DatagramSocket | null;
  core: DriverCore;
}

interface QueuedInput {
  kind: number;
  number: number;
  listener: number;
  addresses: string[];
  port: number;
  stream: number;
  ppid: number;
  bytes: Uint8Array;
  address: string;
  reason: number;
}

interface DriverCore {
  platform: Platform;
  machine: Machine<unknown>;
  onEvent: ((target: unknown, event: unknown) => void) | null;
  onError: ((target: unknown, code: number, number: number, detail: unknown) => void) | null;
  target: unknown;
  maxRounds: number;
  maxOutputs: number;
  counters: DriverCounters;
  closed: boolean;
  /** 1 while an entry runs (entries never nest). */
  depth: number;
  /** Set by commands from listeners and by queued inputs: drain again. */
  dirty: boolean;
  /** The timer fired while an entry was running. */
  timerDue: boolean;
  yielded: boolean;
  timerArmed: boolean;
  timerId: number;
  armedDeadline: number;
  machineDeadline: number;
  /** Indexed by association number; holes for numbers never used. */
  slots: Array<AssociationSlot | undefined>;
  /** Platform association id -> number, for incoming associations. */
  incoming: { [id: number]: number };
  incomingCursor: number;
  incomingLimit: number;
  listeners: Array<ListenerSlot | undefined>;
  sockets: Array<SocketSlot | undefined>;
  pending: QueuedInput[];
  pendingHead: number;
  connectHandler: AssociationHandler;
  listenHandler: AssociationHandler;
  datagramHandler: DatagramHandler;
  /** First exception thrown by a listener in this entry, rethrown at its end. */
  thrown: unknown;
  hasThrown: boolean;
}

function reportError(core: DriverCore, code: number, number: number, detail: unknown): void {
  const platform = core.platform;
  if (platform.log !== null) platform.log(3, code, number, detail);
  if (core.onError !== null) core.onError(core.target, code, number, detail);
}

function findTransport(platform: Platform, name: string): TransportFactory | null {
  const transports = platform.transports;
  if (name === "") return transports.length > 0 ? transports[0] : null;
  for (let i = 0; i < transports.length; i++) {
    if (transports[i].name === name) return transports[i];
  }
  return null;
}

function slotAt(core: DriverCore, number: number): AssociationSlot {
  let slot = core.slots[number];
  if (slot === undefined) {
    slot = { state: SLOT_FREE, number: number, association: null, core: core };
    core.slots[number] = slot;
  }
  return slot;
}

function liveSlot(core: DriverCore, number: number): AssociationSlot | null {
  const slot = number > 0 && number < core.slots.length ? core.slots[number] : undefined;
  return slot === undefined ? null : slot;
}

// Odd numbers for incoming associations. A cursor cycles through the odd
// numbers below a window (16, doubled when all are busy) so a number just
// freed is not handed out again at once; slots exist only for used numbers.
function allocateIncoming(core: DriverCore): AssociationSlot {
  const slots = core.slots;
  const limit = core.incomingLimit;
  let n = core.incomingCursor;
  for (let i = 0; i < limit >> 1; i++) {
    if (n >= limit) n = 1;
    const slot = slots[n];
    if (slot === undefined || slot.state === SLOT_FREE) {
      core.incomingCursor = n + 2;
      return slotAt(core, n);
    }
    n += 2;
  }
  core.incomingLimit = limit * 2;
  core.incomingCursor = limit + 3;
  return slotAt(core, limit + 1);
}

function queueInput(core: DriverCore, kind: number, number: number): QueuedInput {
  const input: QueuedInput = {
    kind: kind,
    number: number,
    listener: LISTENER_NONE,
    addresses: [],
    port: 0,
    stream: 0,
    ppid: 0,
    bytes: new Uint8Array(0),
    address: "",
    reason: 0,
  };
  core.pending.push(input);
  core.counters.queuedInputs++;
  return input;
}

function enter(core: DriverCore): void {
  core.depth = 1;
  core.hasThrown = false;
  core.thrown = null;
  core.platform.lock();
}

function leave(core: DriverCore): void {
  core.depth = 0;
  core.platform.unlock();
}

function rethrow(core: DriverCore): void {
  if (core.hasThrown) {
    const error = core.thrown;
    core.hasThrown = false;
    core.thrown = null;
    throw error;
  }
}

// ---- inputs -------------------------------------------------------------

function feedUp(core: DriverCore, number: number, addresses: string[], port: number, listener: number): void {
  core.counters.inputs++;
  core.machine.handleAssociationUp(core.platform.now(), number, addresses, port, listener);
}

function feedDown(core: DriverCore, slot: AssociationSlot, reason: number): void {
  slot.state = SLOT_FREE;
  slot.association = null;
  core.counters.inputs++;
  core.machine.handleAssociationDown(core.platform.now(), slot.number, reason);
}

function feedQueued(core: DriverCore, input: QueuedInput): void {
  const machine = core.machine;
  if (input.kind === INPUT_UP) {
    feedUp(core, input.number, input.addresses, input.port, input.listener);
  } else if (input.kind === INPUT_MESSAGE) {
    core.counters.inputs++;
    machine.handleMessage(core.platform.now(), input.number, input.stream, input.ppid, input.bytes);
  } else if (input.kind === INPUT_DOWN) {
    feedDown(core, slotAt(core, input.number), input.reason);
  } else {
    core.counters.inputs++;
    machine.handleDatagram(core.platform.now(), input.number, input.bytes, input.address, input.port);
  }
}

function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes, 0);
  return copy;
}

// One platform event for an association slot, fed now or queued.
function associationUp(core: DriverCore, slot: AssociationSlot, addresses: string[], port: number, listener: number): void {
  slot.state = SLOT_UP;
  if (core.depth > 0) {
    const input = queueInput(core, INPUT_UP, slot.number);
    input.addresses = addresses;
    input.port = port;
    input.listener = listener;
    return;
  }
  enter(core);
  try {
    feedUp(core, slot.number, addresses, port, listener);
    settle(core);
  } finally {
    leave(core);
  }
  rethrow(core);
}

function associationMessage(core: DriverCore, slot: AssociationSlot, stream: number, ppid: number, bytes: Uint8Array): void {
  if (core.depth > 0) {
    const input = queueInput(core, INPUT_MESSAGE, slot.number);
    input.stream = stream;
    input.ppid = ppid;
    input.bytes = copyBytes(bytes);
    return;
  }
  enter(core);
  try {
    core.counters.inputs++;
    core.machine.handleMessage(core.platform.now(), slot.number, stream, ppid, bytes);
    settle(core);
  } finally {
    leave(core);
  }
  rethrow(core);
}

function associationDown(core: DriverCore, slot: AssociationSlot, reason: number): void {
  if (core.depth > 0) {
    slot.state = SLOT_DOWN_PENDING;
    queueInput(core, INPUT_DOWN, slot.number).reason = reason;
    return;
  }
  enter(core);
  try {
    feedDown(core, slot, reason);
    settle(core);
  } finally {
    leave(core);
  }
  rethrow(core);
}

// Platform handlers. Targets are slots, so no closure is made per association.

function connectOnUp(target: unknown, association: Association, addresses: string[], port: number): void {
  const slot = target as AssociationSlot;
  const core = slot.core;
  if (core.closed || slot.state !== SLOT_CONNECTING) return;
  if (slot.association === null) slot.association = association;
  else if (slot.association !== association) return;
  associationUp(core, slot, addresses, port, LISTENER_NONE);
}

function connectOnMessage(target: unknown, association: Association, stream: number, ppid: number, bytes: Uint8Array): void {
  const slot = target as AssociationSlot;
  const core = slot.core;
  if (core.closed || slot.state !== SLOT_UP || slot.association !== association) return;
  associationMessage(core, slot, stream, ppid, bytes);
}

function connectOnDown(target: unknown, association: Association, reason: number): void {
  const slot = target as AssociationSlot;
  const core = slot.core;
  if (core.closed) return;
  if (slot.state !== SLOT_CONNECTING && slot.state !== SLOT_UP) return;
  if (slot.association === null) slot.association = association;
  else if (slot.association !== association) return;
  associationDown(core, slot, reason);
}

function incomingSlot(core: DriverCore, association: Association): AssociationSlot | null {
  const number = core.incoming[association.id];
  if (number === undefined) return null;
  const slot = liveSlot(core, number);
  return slot !== null && slot.association === association ? slot : null;
}

function listenOnUp(target: unknown, association: Association, addresses: string[], port: number): void {
  const listenerSlot = target as ListenerSlot;
  const core = listenerSlot.core;
  if (core.closed) return;
  if (core.listeners[listenerSlot.number] !== listenerSlot) {
    // Accepted after the machine stopped listening: nobody wants it.
    try {
      association.abort();
    } catch (e) {
      reportError(core, DRIVER_ERROR_PLATFORM_THREW, listenerSlot.number, e);
    }
    return;
  }
  const slot = allocateIncoming(core);
  slot.association = association;
  core.incoming[association.id] = slot.number;
  associationUp(core, slot, addresses, port, listenerSlot.number);
}

function listenOnMessage(target: unknown, association: Association, stream: number, ppid: number, bytes: Uint8Array): void {
  const core = (target as ListenerSlot).core;
  if (core.closed) return;
  const slot = incomingSlot(core, association);
  if (slot === null || slot.state !== SLOT_UP) return;
  associationMessage(core, slot, stream, ppid, bytes);
}

function listenOnDown(target: unknown, association: Association, reason: number): void {
  const core = (target as ListenerSlot).core;
  if (core.closed) return;
  const slot = incomingSlot(core, association);
  if (slot === null || slot.state !== SLOT_UP) return;
  delete core.incoming[association.id];
  associationDown(core, slot, reason);
}

function datagramOnMessage(target: unknown, socket: DatagramSocket, bytes: Uint8Array, address: string, port: number): void {
  const socketSlot = target as SocketSlot;
  const core = socketSlot.core;
  if (core.closed || core.sockets[socketSlot.number] !== socketSlot) return;
  if (socketSlot.socket !== null && socketSlot.socket !== socket) return;
  if (core.depth > 0) {
    const input = queueInput(core, INPUT_DATAGRAM, socketSlot.number);
    input.bytes = copyBytes(bytes);
    input.address = address;
    input.port = port;
    return;
  }
  enter(core);
  try {
    core.counters.inputs++;
    core.machine.handleDatagram(core.platform.now(), socketSlot.number, bytes, address, port);
    settle(core);
  } finally {
    leave(core);
  }
  rethrow(core);
}

function onTimer(target: unknown): void {
  const core = target as DriverCore;
  core.timerArmed = false;
  core.armedDeadline = -1;
  if (core.closed) return;
  if (core.depth > 0) {
    core.timerDue = true;
    return;
  }
  enter(core);
  try {
    fireTimeout(core);
    settle(core);
  } finally {
    leave(core);
  }
  rethrow(core);
}

function fireTimeout(core: DriverCore): void {
  const deadline = core.machineDeadline;
  const now = core.platform.now();
  if (deadline >= 0 && deadline <= now) {
    core.counters.timeouts++;
    core.machine.handleTimeout(now);
  }
}

// ---- outputs ------------------------------------------------------------

function transmit(core: DriverCore, record: MachineTransmit): void {
  const number = record.association;
  const slot = liveSlot(core, number);
  if (slot === null || slot.state !== SLOT_UP || slot.association === null) {
    core.counters.droppedTransmits++;
    return;
  }
  core.counters.transmits++;
  try {
    slot.association.send(record.stream, record.ppid, record.bytes);
  } catch (e) {
    reportError(core, DRIVER_ERROR_SEND_FAILED, number, e);
  }
}

function performConnect(core: DriverCore, action: MachineAction): void {
  const number = action.association;
  if (!(number > 0) || (number & 1) !== 0 || number !== Math.floor(number)) {
    reportError(core, DRIVER_ERROR_BAD_NUMBER, number, null);
    return;
  }
  const slot = slotAt(core, number);
  if (slot.state !== SLOT_FREE) {
    reportError(core, DRIVER_ERROR_BAD_NUMBER, number, null);
    return;
  }
  slot.state = SLOT_CONNECTING;
  slot.association = null;
  const transport = findTransport(core.platform, action.transport);
  if (transport === null) {
    reportError(core, DRIVER_ERROR_NO_TRANSPORT, number, action.transport);
    slot.state = SLOT_DOWN_PENDING;
    queueInput(core, INPUT_DOWN, number).reason = DOWN_CONNECT_FAILED;
    return;
  }
  let association: Association;
  try {
    association = transport.connect(
      action.addresses,
      action.port,
      { localAddresses: action.localAddresses, localPort: action.localPort },
      core.connectHandler,
      slot
    );
  } catch (e) {
    reportError(core, DRIVER_ERROR_CONNECT_FAILED, number, e);
    if (slot.state === SLOT_CONNECTING) {
      slot.state = SLOT_DOWN_PENDING;
      queueInput(core, INPUT_DOWN, number).reason = DOWN_CONNECT_FAILED;
    }
    return;
  }
  // A platform may have called back (up or down) from inside connect().
  if (slot.association === null && slot.state === SLOT_CONNECTING) slot.association = association;
}

function endAssociation(core: DriverCore, number: number, abort: boolean): void {
  const slot = liveSlot(core, number);
  if (slot === null || slot.association === null) return;
  if (slot.state !== SLOT_CONNECTING && slot.state !== SLOT_UP) return;
  try {
    if (abort) slot.association.abort();
    else slot.association.close();
  } catch (e) {
    reportError(core, DRIVER_ERROR_PLATFORM_THREW, number, e);
  }
}

function performListen(core: DriverCore, action: MachineAction): void {
  const number = action.listener;
  if (!(number >= 0) || number !== Math.floor(number) || (number < core.listeners.length && core.listeners[number] !== undefined)) {
    reportError(core, DRIVER_ERROR_BAD_NUMBER, number, null);
    return;
  }
  const transport = findTransport(core.platform, action.transport);
  if (transport === null) {
    reportError(core, DRIVER_ERROR_NO_TRANSPORT, number, action.transport);
    return;
  }
  const slot: ListenerSlot = { number: number, listener: null, core: core };
  core.listeners[number] = slot;
  try {
    slot.listener = transport.listen({ addresses: action.addresses, port: action.port }, core.listenHandler, slot);
  } catch (e) {
    core.listeners[number] = undefined;
    reportError(core, DRIVER_ERROR_LISTEN_FAILED, number, e);
  }
}

function performStopListening(core: DriverCore, number: number): void {
  const slot = number >= 0 && number < core.listeners.length ? core.listeners[number] : undefined;
  if (slot === undefined) return;
  core.listeners[number] = undefined;
  if (slot.listener !== null) {
    try {
      slot.listener.close();
    } catch (e) {
      reportError(core, DRIVER_ERROR_PLATFORM_THREW, number, e);
    }
  }
}

function performOpenSocket(core: DriverCore, action: MachineAction): void {
  const number = action.socket;
  if (!(number >= 0) || number !== Math.floor(number) || (number < core.sockets.length && core.sockets[number] !== undefined)) {
    reportError(core, DRIVER_ERROR_BAD_NUMBER, number, null);
    return;
  }
  const factory = core.platform.datagram;
  if (factory === null || factory === undefined) {
    reportError(core, DRIVER_ERROR_NO_DATAGRAM, number, null);
    return;
  }
  const slot: SocketSlot = { number: number, socket: null, core: core };
  core.sockets[number] = slot;
  try {
    slot.socket = factory.open(
      {
        address: action.address,
        port: action.port,
        group: action.group,
        ttl: action.ttl,
        multicastInterface: action.multicastInterface,
      },
      core.datagramHandler,
      slot
    );
  } catch (e) {
    core.sockets[number] = undefined;
    reportError(core, DRIVER_ERROR_SOCKET_FAILED, number, e);
  }
}

function performCloseSocket(core: DriverCore, number: number): void {
  const slot = number >= 0 && number < core.sockets.length ? core.sockets[number] : undefined;
  if (slot === undefined) return;
  core.sockets[number] = undefined;
  if (slot.socket !== null) {
    try {
      slot.socket.close();
    } catch (e) {
      reportError(core, DRIVER_ERROR_PLATFORM_THREW, number, e);
    }
  }
}

function performSendDatagram(core: DriverCore, action: MachineAction): void {
  const number = action.socket;
  const slot = number >= 0 && number < core.sockets.length ? core.sockets[number] : undefined;
  if (slot === undefined || slot.socket === null) {
    reportError(core, DRIVER_ERROR_BAD_NUMBER, number, null);
    return;
  }
  try {
    slot.socket.send(action.bytes, action.address, action.port);
  } catch (e) {
    reportError(core, DRIVER_ERROR_SEND_FAILED, number, e);
  }
}

function perform(core: DriverCore, action: MachineAction): void {
  core.counters.actions++;
  const kind = action.kind;
  if (kind === ACTION_CONNECT) performConnect(core, action);
  else if (kind === ACTION_CLOSE) endAssociation(core, action.association, false);
  else if (kind === ACTION_ABORT) endAssociation(core, action.association, true);
  else if (kind === ACTION_LISTEN) performListen(core, action);
  else if (kind === ACTION_STOP_LISTENING) performStopListening(core, action.listener);
  else if (kind === ACTION_OPEN_SOCKET) performOpenSocket(core, action);
  else if (kind === ACTION_CLOSE_SOCKET) performCloseSocket(core, action.socket);
  else if (kind === ACTION_SEND_DATAGRAM) performSendDatagram(core, action);
  else reportError(core, DRIVER_ERROR_BAD_NUMBER, kind, action);
}

function deliver(core: DriverCore, event: unknown): void {
  core.counters.events++;
  const onEvent = core.onEvent;
  if (onEvent === null) return;
  try {
    onEvent(core.target, event);
  } catch (e) {
    if (core.onError !== null) {
      core.onError(core.target, DRIVER_ERROR_LISTENER_THREW, 0, e);
    } else if (!core.hasThrown) {
      core.hasThrown = true;
      core.thrown = e;
    }
  }
}

// Drain in the fixed order until the machine is quiet and nothing is queued,
// then arm the timer. Runs inside an entry.
function settle(core: DriverCore): void {
  const machine = core.machine;
  const max = core.maxOutputs;
  let outputs = 0;
  let rounds = 0;
  core.yielded = false;
  while (!core.closed) {
    core.dirty = false;
    let transmitRecord: MachineTransmit | null = null;
    while (outputs < max && (transmitRecord = machine.pollTransmit()) !== null) {
      outputs++;
      transmit(core, transmitRecord);
    }
    let action: MachineAction | null = null;
    while (outputs < max && !core.closed && (action = machine.pollAction()) !== null) {
      outputs++;
      perform(core, action);
    }
    let event: unknown = null;
    while (outputs < max && !core.dirty && !core.closed && (event = machine.pollEvent()) !== null) {
      outputs++;
      deliver(core, event);
    }
    if (core.closed) return;
    if (outputs >= max) {
      core.yielded = true;
      break;
    }
    if (!core.dirty) {
      if (core.pendingHead < core.pending.length) {
        const input = core.pending[core.pendingHead];
        core.pendingHead++;
        if (core.pendingHead === core.pending.length) {
          core.pending.length = 0;
          core.pendingHead = 0;
        }
        feedQueued(core, input);
        core.dirty = true;
      } else if (core.timerDue) {
        core.timerDue = false;
        fireTimeout(core);
        core.dirty = true;
      } else {
        break;
      }
    }
    rounds++;
    if (rounds >= core.maxRounds) {
      core.yielded = true;
      break;
    }
  }
  if (core.yielded) core.counters.yields++;
  arm(core);
}

// Keep exactly one platform timer, at the earliest deadline; touch the
// platform only when that deadline changes.
function arm(core: DriverCore): void {
  const platform = core.platform;
  let deadline = core.machine.pollTimeout();
  core.machineDeadline = deadline;
  if (core.yielded || core.timerDue || core.pendingHead < core.pending.length) {
    const now = platform.now();
    if (deadline < 0 || now < deadline) deadline = now;
  }
  if (core.timerArmed && deadline === core.armedDeadline) return;
  if (core.timerArmed) {
    core.timerArmed = false;
    platform.clearTimer(core.timerId);
  }
  core.armedDeadline = deadline;
  if (deadline >= 0) {
    core.timerId = platform.setTimer(deadline, onTimer, core);
    core.timerArmed = true;
  }
}

function closeAll(core: DriverCore): void {
  const platform = core.platform;
  if (core.timerArmed) {
    core.timerArmed = false;
    platform.clearTimer(core.timerId);
  }
  core.pending.length = 0;
  core.pendingHead = 0;
  const listeners = core.listeners;
  for (let l = 0; l < listeners.length; l++) {
    if (listeners[l] !== undefined) performStopListening(core, l);
  }
  const slots = core.slots;
  for (let n = 1; n < slots.length; n++) {
    const slot = slots[n];
    if (slot === undefined) continue;
    const association = slot.association;
    slot.state = SLOT_FREE;
    slot.association = null;
    if (association !== null) {
      try {
        association.close();
      } catch (e) {
        reportError(core, DRIVER_ERROR_PLATFORM_THREW, n, e);
      }
    }
  }
  const sockets = core.sockets;
  for (let s = 0; s < sockets.length; s++) {
    if (sockets[s] !== undefined) performCloseSocket(core, s);
  }
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && value >= 1 ? Math.floor(value) : fallback;
}

/**
 * Drive `machine` on `platform`. Nothing happens until a command or a
 * platform event: call driver.run(...) with the machine's start command.
 */
export function createDriver<M extends Machine<E>, E>(platform: Platform, machine: M, options: DriverOptions<E>): Driver<M> {
  if (platform === null || typeof platform !== "object") throw new TypeError("platform");
  if (machine === null || typeof machine !== "object") throw new TypeError("machine");
  const opts = options === null || options === undefined ? ({} as DriverOptions<E>) : options;
  const onEvent = opts.onEvent === undefined ? null : opts.onEvent;
  const onError = opts.onError === undefined ? null : opts.onError;
  if (onEvent !== null && typeof onEvent !== "function") throw new TypeError("onEvent");
  if (onError !== null && typeof onError !== "function") throw new TypeError("onError");
  const counters: DriverCounters = {
    inputs: 0,
    commands: 0,
    timeouts: 0,
    transmits: 0,
    actions: 0,
    events: 0,
    droppedTransmits: 0,
    yields: 0,
    queuedInputs: 0,
  };
  const core: DriverCore = {
    platform: platform,
    machine: machine as Machine<unknown>,
    onEvent: onEvent as ((target: unknown, event: unknown) => void) | null,
    onError: onError,
    target: opts.target,
    maxRounds: positive(opts.maxRounds, 64),
    maxOutputs: positive(opts.maxOutputs, 4096),
    counters: counters,
    closed: false,
    depth: 0,
    dirty: false,
    timerDue: false,
    yielded: false,
    timerArmed: false,
    timerId: 0,
    armedDeadline: -1,
    machineDeadline: -1,
    slots: [],
    incoming: {},
    incomingCursor: 1,
    incomingLimit: 16,
    listeners: [],
    sockets: [],
    pending: [],
    pendingHead: 0,
    connectHandler: { onUp: connectOnUp, onMessage: connectOnMessage, onDown: connectOnDown },
    listenHandler: { onUp: listenOnUp, onMessage: listenOnMessage, onDown: listenOnDown },
    datagramHandler: { onMessage: datagramOnMessage },
    thrown: null,
    hasThrown: false,
  };

  function run(command: (target: unknown) => void, target: unknown): boolean {
    if (core.closed) return false;
    counters.commands++;
    if (core.depth > 0) {
      // From a listener (or a command): the running entry drains it.
      command(target);
      core.dirty = true;
      return true;
    }
    enter(core);
    let failed = false;
    let failure: unknown = null;
    try {
      try {
        command(target);
      } catch (e) {
        failed = true;
        failure = e;
      }
      settle(core);
    } finally {
      leave(core);
    }
    if (failed) throw failure;
    rethrow(core);
    return true;
  }

  function afterCommand(): void {
    if (core.closed) return;
    if (core.depth > 0) {
      core.dirty = true;
      return;
    }
    enter(core);
    try {
      settle(core);
    } finally {
      leave(core);
    }
    rethrow(core);
  }

  function close(): void {
    if (core.closed) return;
    core.closed = true;
    if (core.depth > 0) {
      closeAll(core);
      return;
    }
    enter(core);
    try {
      closeAll(core);
    } finally {
      leave(core);
    }
  }

  function isClosed(): boolean {
    return core.closed;
  }

  return { machine: machine, counters: counters, run: run, afterCommand: afterCommand, close: close, isClosed: isClosed };
}
