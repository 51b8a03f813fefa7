// Driver cost per message, not a test:
//   node --expose-gc dist/test/driver/driver-bench.js run [messages]
// (tap runs every file under dist/test; without `run` this prints a TAP skip.)
// `run(args)` is exported for a CLI bench command.
// A minimal echo machine (one reusable transmit record, no events) behind
// the driver, on a platform whose association loops every send straight
// back into the driver on the next turn of a tiny hand-rolled loop. Prints
// messages per second and heap growth per message without a GC in between.

import { createDriver } from "../../core/driver/driver.js";
import type { Machine, MachineAction, MachineTransmit } from "../../core/driver/machine.js";
import { createTransmitQueue, pollTransmitQueue, pushTransmit, queueConnect, createActionQueue, pollActionQueue } from "../../core/driver/output-queue.js";
import type { Association, AssociationHandler, Platform } from "../../core/driver/platform.js";

class Echo implements Machine<null> {
  private transmits = createTransmitQueue(16);
  private actions = createActionQueue(4);
  received = 0;
  start(): void {
    queueConnect(this.actions, 2, "", ["loop"], 1, [], 0);
  }
  handleAssociationUp(): void {
    pushTransmit(this.transmits, 2, 0, 11, new Uint8Array(64));
  }
  handleAssociationDown(): void {}
  handleMessage(_now: number, association: number, stream: number, ppid: number, bytes: Uint8Array): void {
    this.received++;
    pushTransmit(this.transmits, association, stream, ppid, bytes);
  }
  handleDatagram(): void {}
  handleTimeout(): void {}
  pollTransmit(): MachineTransmit | null {
    return pollTransmitQueue(this.transmits);
  }
  pollAction(): MachineAction | null {
    return pollActionQueue(this.actions);
  }
  pollEvent(): null {
    return null;
  }
  pollTimeout(): number {
    return -1;
  }
}

export async function run(args: string[]): Promise<number> {
  const total = Number(args[0] ?? 1_000_000);
  let now = 0;
  let pendingBytes: Uint8Array | null = null;
  let handler: AssociationHandler | null = null;
  let target: unknown = null;
  const buffer = new Uint8Array(2048);
  const association: Association = {
    id: 1,
    send: (_stream, _ppid, bytes) => {
      buffer.set(bytes);
      if (pendingBytes === null) pendingBytes = buffer.subarray(0, bytes.length);
    },
    close: () => {},
    abort: () => {},
  };
  const platform: Platform = {
    now: () => now,
    setTimer: () => 1,
    clearTimer: () => {},
    random: () => {},
    lock: () => {},
    unlock: () => {},
    transports: [
      {
        name: "loop",
        listen: () => {
          throw new Error("no");
        },
        connect: (_a, port, _o, h, t) => {
          handler = h;
          target = t;
          h.onUp(t, association, ["loop"], port);
          return association;
        },
      },
    ],
    datagram: null,
    log: null,
  };

  const machine = new Echo();
  const driver = createDriver(platform, machine, {});
  driver.run(() => machine.start(), null);
  const gc = (globalThis as { gc?: () => void }).gc;
  const view = pendingBytes as unknown as Uint8Array;
  const loop = (count: number) => {
    for (let i = 0; i < count; i++) {
      now++;
      (handler as AssociationHandler).onMessage(target, association, 0, 11, view);
    }
  };
  loop(10_000); // warm up
  if (gc !== undefined) gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  loop(total);
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(`messages: ${total}`);
  console.log(`rate: ${Math.round(total / (elapsedNs / 1e9))} messages/s through handleMessage + drain + send`);
  console.log(`heap growth: ${((heapAfter - heapBefore) / total).toFixed(3)} bytes/message${gc === undefined ? " (run with --expose-gc)" : ""}`);
  console.log(`transmits: ${driver.counters.transmits}, received: ${machine.received}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  if (process.argv[2] === "run") {
    void run(process.argv.slice(3));
  } else {
    console.log("1..0 # SKIP benchmark: node --expose-gc dist/test/driver/driver-bench.js run [messages]");
  }
}
