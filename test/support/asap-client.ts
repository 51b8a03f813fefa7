// A tiny scripted ASAP peer for registrar tests: a sans-I/O machine that a
// driver runs on a virtual platform. It connects, sends what the test tells
// it (built messages or raw bytes, any PPID), answers ENDPOINT_KEEP_ALIVE
// when asked to (a PE), and records everything it receives, decoded, so a
// test can assert what this party saw.

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
  queueConnect,
  queueOpenSocket,
} from "../../core/driver/output-queue.js";
import type { ActionQueue, TransmitQueue } from "../../core/driver/output-queue.js";
import { createDriver } from "../../core/driver/driver.js";
import type { Driver } from "../../core/driver/driver.js";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  PPID_ASAP,
  createDecoder,
  createWriter,
  decodeAsap,
  encodeAsap,
  newAsapMessage,
} from "../../core/wire/index.js";
import type { AsapMessage } from "../../core/wire/index.js";
import type { VirtualPlatform } from "./virtual-platform.js";

export interface Received {
  time: number;
  association: number;
  stream: number;
  ppid: number;
  /** Owned copy of the bytes. */
  bytes: Uint8Array;
  /** Decoded (views into `bytes`), or null when it did not decode. */
  message: AsapMessage | null;
}

export interface Datagram {
  time: number;
  socket: number;
  bytes: Uint8Array;
  address: string;
  port: number;
  message: AsapMessage | null;
}

export class AsapClient implements Machine<never> {
  readonly received: Received[] = [];
  readonly datagrams: Datagram[] = [];
  readonly up = new Map<number, string[]>();
  readonly downs: Array<{ association: number; reason: number; time: number }> = [];
  /** Associations on which ENDPOINT_KEEP_ALIVE is answered with an ACK. */
  readonly autoAck = new Set<number>();
  keepAlivesSeen = 0;
  now = 0;
  private readonly transmits: TransmitQueue = createTransmitQueue(65536);
  private readonly actions: ActionQueue = createActionQueue(1024);
  private readonly writer = createWriter(256);
  private readonly decoder = createDecoder();
  private nextAssociation = 2;

  handleAssociationUp(now: number, association: number, remoteAddresses: string[]): void {
    this.now = now;
    this.up.set(association, remoteAddresses.slice());
  }

  handleAssociationDown(now: number, association: number, reason: number): void {
    this.now = now;
    this.up.delete(association);
    this.autoAck.delete(association);
    this.downs.push({ association, reason, time: now });
    dropTransmits(this.transmits, association);
  }

  handleMessage(now: number, association: number, stream: number, ppid: number, bytes: Uint8Array): void {
    this.now = now;
    const copy = bytes.slice();
    const message = decodeAsap(this.decoder, copy, 0, copy.length);
    this.received.push({ time: now, association, stream, ppid, bytes: copy, message });
    if (message !== null && message.type === ASAP_ENDPOINT_KEEP_ALIVE) {
      this.keepAlivesSeen++;
      if (this.autoAck.has(association)) {
        const ack = newAsapMessage(ASAP_ENDPOINT_KEEP_ALIVE_ACK);
        ack.poolHandle = message.poolHandle;
        ack.peIdentifier = message.peIdentifier;
        this.sendMessage(association, ack);
      }
    }
  }

  handleDatagram(now: number, socket: number, bytes: Uint8Array, address: string, port: number): void {
    const copy = bytes.slice();
    this.datagrams.push({ time: now, socket, bytes: copy, address, port, message: decodeAsap(this.decoder, copy, 0, copy.length) });
  }

  handleTimeout(now: number): void {
    this.now = now;
  }

  pollTransmit(): MachineTransmit | null {
    return pollTransmitQueue(this.transmits);
  }

  pollAction(): MachineAction | null {
    return pollActionQueue(this.actions);
  }

  pollEvent(): never | null {
    return null;
  }

  pollTimeout(): number {
    return -1;
  }

  // ---- commands (call through driver.run) --------------------------------

  connect(addresses: string[], port: number, localAddresses: string[] = []): number {
    const association = this.nextAssociation;
    this.nextAssociation += 2;
    queueConnect(this.actions, association, "", addresses, port, localAddresses, 0);
    return association;
  }

  sendBytes(association: number, bytes: Uint8Array, ppid = PPID_ASAP, stream = 0): void {
    if (!pushTransmit(this.transmits, association, stream, ppid, bytes)) throw new Error("client transmit queue full");
  }

  sendMessage(association: number, message: AsapMessage, stream = 0): void {
    this.sendBytes(association, encodeAsap(this.writer, message), PPID_ASAP, stream);
  }

  close(association: number): void {
    queueClose(this.actions, association);
  }

  abort(association: number): void {
    queueAbort(this.actions, association);
  }

  joinGroup(socket: number, group: string, port: number): void {
    queueOpenSocket(this.actions, socket, "", port, group, 1, "");
  }

  /** Received messages of one type (decoded), in order. */
  messages(type: number, association = 0): AsapMessage[] {
    const out: AsapMessage[] = [];
    for (const r of this.received) {
      if (r.message !== null && r.message.type === type && (association === 0 || r.association === association)) {
        out.push(r.message);
      }
    }
    return out;
  }
}

/** An AsapClient with its driver on a platform. */
export interface ClientNode {
  platform: VirtualPlatform;
  client: AsapClient;
  driver: Driver<AsapClient>;
  /** Run a command on the client and drain. */
  run(command: (client: AsapClient) => void): void;
}

export function clientNode(platform: VirtualPlatform): ClientNode {
  const client = new AsapClient();
  const driver = createDriver(platform, client, {
    onError: (_target, code, number, detail) => {
      throw new Error(`client driver error ${code} on ${number}: ${String(detail)}`);
    },
  });
  return {
    platform,
    client,
    driver,
    run(command) {
      driver.run(() => command(client), null);
    },
  };
}
