// The machine interface: every sans-I/O machine (registrar, pool element,
// pool user, session) has this shape, in quinn-proto / str0m vocabulary.
// A machine never touches the world: inputs come in through handle*, and
// after every input (and after every application command) the driver drains
// the outputs in a fixed order:
//
//   pollTransmit() until null   messages on associations
//   pollAction()   until null   connect / close / listen / datagram requests
//   pollEvent()    until null   application events
//   pollTimeout()  once         next absolute deadline, -1 for none
//
// Association numbers. They are small integers so machines and the driver
// can key plain arrays by them. The two ranges are disjoint by parity:
//   - even numbers >= 2 are chosen by the machine for its own connects
//     (ACTION_CONNECT names the number the machine will use for it);
//   - odd numbers >= 1 are chosen by the driver for incoming associations
//     (announced by handleAssociationUp with listener >= 0).
//   - 0 is never an association.
// A number is in use from the connect action (or the up input) until
// handleAssociationDown for it has returned; only then may it be reused.
// Every association gets exactly one handleAssociationDown, including one
// that never came up (reason DOWN_CONNECT_FAILED).
//
// Listener and socket numbers are chosen by the machine (small ints >= 0).
//
// Lifetimes. Bytes handed to handleMessage / handleDatagram are valid only
// during the call (the platform may reuse its buffer): copy what you keep.
// A record returned by a poll* call, and the bytes it points to, are valid
// until the next call on the machine. Address arrays in records are passed
// through to the platform as they are: treat them as immutable.
//
// Timeouts. handleTimeout(now) is called when now >= the last pollTimeout()
// value; a machine must still check its own deadlines (a timer may fire
// late, never early).

import {
  DOWN_CLOSED,
  DOWN_ABORTED,
  DOWN_CONNECT_FAILED,
  DOWN_TIMEOUT,
  DOWN_PROTOCOL_ERROR,
} from "./platform.js";

export { DOWN_CLOSED, DOWN_ABORTED, DOWN_CONNECT_FAILED, DOWN_TIMEOUT, DOWN_PROTOCOL_ERROR };

/** Never an association number. */
export const ASSOCIATION_NONE = 0;
/** handleAssociationUp's listener for an association the machine connected. */
export const LISTENER_NONE = -1;

/** Action kinds (MachineAction.kind). */
export const ACTION_NONE = 0;
/** association, transport, addresses (remote), port (remote), localAddresses, localPort */
export const ACTION_CONNECT = 1;
/** association: graceful shutdown; handleAssociationDown(DOWN_CLOSED) follows */
export const ACTION_CLOSE = 2;
/** association: abort at once; handleAssociationDown(DOWN_ABORTED) follows */
export const ACTION_ABORT = 3;
/** listener, transport, addresses (local, empty = wildcard), port (local) */
export const ACTION_LISTEN = 4;
/** listener */
export const ACTION_STOP_LISTENING = 5;
/** socket, address (local, "" = wildcard), port (local), group, ttl, multicastInterface */
export const ACTION_OPEN_SOCKET = 6;
/** socket */
export const ACTION_CLOSE_SOCKET = 7;
/** socket, bytes, address (destination), port (destination) */
export const ACTION_SEND_DATAGRAM = 8;

/** One message to send on an association. */
export interface MachineTransmit {
  association: number;
  stream: number;
  ppid: number;
  /** May be a view of a machine buffer, valid until the next call on the machine. */
  bytes: Uint8Array;
}

/**
 * A request to act on the world. One fixed shape for every kind (see the
 * ACTION_* comments for the fields each uses); other fields are unspecified.
 */
export interface MachineAction {
  kind: number;
  association: number;
  listener: number;
  socket: number;
  /** Transport name ("sctp", "tcp", ...) or "" for the platform's first. */
  transport: string;
  /** Connect: remote addresses. Listen: local addresses (empty = wildcard). */
  addresses: string[];
  /** Connect: remote port. Listen, open socket: local port. Send datagram: destination port. */
  port: number;
  /** Connect: local addresses to bind (empty = any). */
  localAddresses: string[];
  /** Connect: local port (0 = any). */
  localPort: number;
  /** Open socket: local address ("" = wildcard). Send datagram: destination. */
  address: string;
  /** Open socket: multicast group to join ("" = none). */
  group: string;
  /** Open socket: multicast TTL / hop limit. */
  ttl: number;
  /** Open socket: multicast interface address ("" = default). */
  multicastInterface: string;
  /** Send datagram: payload, valid until the next call on the machine. */
  bytes: Uint8Array;
}

/**
 * The machine interface. `E` is the machine's event record type.
 * Application commands are machine-specific methods; after calling one,
 * let the driver drain (driver.run(fn, target) or driver.afterCommand()).
 */
export interface Machine<E> {
  /**
   * An association is established. `listener` is the listener number that
   * accepted it (odd association number), or LISTENER_NONE for one the
   * machine connected (even association number).
   */
  handleAssociationUp(
    now: number,
    association: number,
    remoteAddresses: string[],
    remotePort: number,
    listener: number
  ): void;
  /** The association is gone (DOWN_* reason). Final; the number is free after this returns. */
  handleAssociationDown(now: number, association: number, reason: number): void;
  handleMessage(now: number, association: number, stream: number, ppid: number, bytes: Uint8Array): void;
  handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void;
  handleTimeout(now: number): void;
  pollTransmit(): MachineTransmit | null;
  pollAction(): MachineAction | null;
  pollEvent(): E | null;
  /** Absolute deadline in ms, or -1 for none. */
  pollTimeout(): number;
}

export function createTransmit(): MachineTransmit {
  return { association: 0, stream: 0, ppid: 0, bytes: new Uint8Array(0) };
}

export function createAction(): MachineAction {
  return {
    kind: ACTION_NONE,
    association: 0,
    listener: -1,
    socket: -1,
    transport: "",
    addresses: [],
    port: 0,
    localAddresses: [],
    localPort: 0,
    address: "",
    group: "",
    ttl: 1,
    multicastInterface: "",
    bytes: new Uint8Array(0),
  };
}

/** Numbers the driver chooses for incoming associations are odd. */
export function isIncomingAssociation(association: number): boolean {
  return association > 0 && (association & 1) === 1;
}

/** Numbers a machine chooses for its connects are even and >= 2. */
export function isOutgoingAssociation(association: number): boolean {
  return association > 0 && (association & 1) === 0;
}
