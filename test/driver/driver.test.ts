import t from "tap";
import {
  createDriver,
  DRIVER_ERROR_BAD_NUMBER,
  DRIVER_ERROR_LISTEN_FAILED,
  DRIVER_ERROR_LISTENER_THREW,
  DRIVER_ERROR_NO_DATAGRAM,
  DRIVER_ERROR_NO_TRANSPORT,
} from "../../core/driver/driver.js";
import type { Driver, DriverOptions } from "../../core/driver/driver.js";
import { DOWN_CLOSED, DOWN_CONNECT_FAILED, LISTENER_NONE } from "../../core/driver/machine.js";
import {
  EchoMachine,
  EVENT_DATAGRAM,
  EVENT_DOWN,
  EVENT_MESSAGE,
  EVENT_NOTE,
  EVENT_TIMER,
  EVENT_UP,
} from "../support/echo-machine.js";
import type { EchoEvent } from "../support/echo-machine.js";
import { VirtualNetwork, VirtualPlatform } from "../support/virtual-platform.js";

const OFFSETS = [0, 2 ** 32, 2 ** 52];
const PORT = 3863;

interface Node {
  platform: VirtualPlatform;
  machine: EchoMachine;
  driver: Driver<EchoMachine>;
  events: EchoEvent[];
  errors: number[];
}

function node(
  platform: VirtualPlatform,
  echo: boolean,
  extra: Partial<DriverOptions<EchoEvent>> = {},
): Node {
  const machine = new EchoMachine({ echo, probe: () => platform.lockDepth });
  const events: EchoEvent[] = [];
  const errors: number[] = [];
  const driver = createDriver(platform, machine, {
    onEvent: (_target, event: EchoEvent) => events.push(event),
    onError: (_target, code) => errors.push(code),
    ...extra,
  });
  return { platform, machine, driver, events, errors };
}

function pair(offset = 0, seed = 1) {
  const network = new VirtualNetwork({ startMs: offset, seed, latencyMs: 5 });
  network.addHost("server", ["10.0.0.1", "fd00::1"]);
  network.addHost("client", ["10.0.0.2"]);
  const server = node(network.createPlatform("server"), true);
  const client = node(network.createPlatform("client"), false);
  return { network, server, client };
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Split a machine's call log into entries: [inputs or commands..., polls...]. */
function segments(calls: string[]): string[][] {
  const result: string[][] = [];
  let polling = true;
  for (const call of calls) {
    const isPoll = call.startsWith("poll");
    if (!isPoll && polling) result.push([]);
    polling = isPoll;
    result[result.length - 1].push(call);
  }
  return result;
}

t.test("echo over the virtual network: numbering, listener, order", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => server.machine.listen(0, PORT), null);
  let association = 0;
  client.driver.run(() => (association = client.machine.connect(["10.0.0.1"], PORT)), null);
  t.equal(association % 2, 0, "the machine numbers its connects with even numbers");
  network.runUntilIdle(100);
  const serverUp = server.events.find((e) => e.kind === EVENT_UP) as EchoEvent;
  const clientUp = client.events.find((e) => e.kind === EVENT_UP) as EchoEvent;
  t.equal(serverUp.association % 2, 1, "the driver numbers incoming associations with odd numbers");
  t.equal(serverUp.listener, 0, "the up names the accepting listener");
  t.same(serverUp.addresses, ["10.0.0.2"]);
  t.equal(clientUp.association, association);
  t.equal(clientUp.listener, LISTENER_NONE);
  t.same(clientUp.addresses, ["10.0.0.1", "fd00::1"]);
  t.equal(clientUp.port, PORT);
  for (let i = 0; i < 10; i++) {
    client.driver.run(() => client.machine.send(association, i % 3, 11, bytes(i, i + 1)), null);
  }
  network.runUntilIdle(1000);
  const echoes = client.events.filter((e) => e.kind === EVENT_MESSAGE);
  t.same(
    echoes.map((e) => [e.stream, e.ppid, Array.from(e.bytes)]),
    Array.from({ length: 10 }, (_, i) => [i % 3, 11, [i, i + 1]]),
  );
  client.driver.run(() => client.machine.close(association), null);
  network.runUntilIdle(100);
  t.same(
    client.events.filter((e) => e.kind === EVENT_DOWN).map((e) => [e.association, e.reason]),
    [[association, DOWN_CLOSED]],
  );
  t.same(
    server.events.filter((e) => e.kind === EVENT_DOWN).map((e) => [e.association, e.reason]),
    [[serverUp.association, DOWN_CLOSED]],
  );
  t.equal(network.liveEndpoints(), 0);
});

t.test("outputs are drained in the fixed order after every input and command", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => server.machine.listen(0, PORT), null);
  let association = 0;
  client.driver.run(() => (association = client.machine.connect(["10.0.0.1"], PORT)), null);
  network.runUntilIdle(100);
  client.driver.run(() => {
    client.machine.send(association, 0, 11, bytes(1));
    client.machine.send(association, 0, 11, bytes(2));
    client.machine.addDeadline(network.now + 50);
  }, null);
  network.runUntilIdle(100);
  for (const n of [server, client]) {
    const segs = segments(n.machine.calls);
    t.ok(segs.length >= 4, `${segs.length} entries`);
    for (const seg of segs) {
      const polls = seg.filter((c) => c.startsWith("poll")).join(",");
      // One or more rounds of transmit* action* event*, then one pollTimeout.
      t.match(
        polls,
        /^((pollTransmit,)+(pollAction,)+(pollEvent,)+)+pollTimeout$/,
        `after ${seg[0]}`,
      );
    }
  }
  // A message input with an echo: one transmit, one event, in that order.
  const seg = segments(server.machine.calls).find((s) => s[0] === "handleMessage") as string[];
  t.same(seg, [
    "handleMessage",
    "pollTransmit",
    "pollTransmit",
    "pollAction",
    "pollEvent",
    "pollEvent",
    "pollTimeout",
  ]);
});

for (const offset of OFFSETS) {
  t.test(`one platform timer, armed at the earliest deadline (offset ${offset})`, async (t) => {
    const platform = new VirtualPlatform({ startMs: offset });
    const n = node(platform, false);
    const { machine, driver } = n;
    const check = (deadline: number, what: string) => {
      t.equal(platform.activeTimers(), deadline < 0 ? 0 : 1, `${what}: timers armed`);
      if (deadline >= 0) t.same(platform.timerDeadlines(), [deadline], `${what}: at the earliest deadline`);
    };
    driver.run(() => machine.addDeadline(offset + 100), null);
    check(offset + 100, "first deadline");
    t.equal(platform.setTimerCalls, 1);
    t.equal(platform.clearTimerCalls, 0);

    driver.run(() => machine.addDeadline(offset + 300), null);
    check(offset + 100, "a later deadline");
    t.equal(platform.setTimerCalls, 1, "a later deadline does not touch the timer");

    driver.run(() => machine.addDeadline(offset + 100), null);
    t.equal(platform.setTimerCalls, 1, "the same deadline does not re-arm");

    driver.run(() => machine.addDeadline(offset + 50), null);
    check(offset + 50, "an earlier deadline");
    t.equal(platform.setTimerCalls, 2);
    t.equal(platform.clearTimerCalls, 1);

    driver.afterCommand();
    t.equal(platform.setTimerCalls, 2, "a drain without change does not re-arm");

    platform.advance(49);
    t.equal(n.events.length, 0, "nothing fires early");
    platform.advance(1);
    t.same(
      n.events.map((e) => [e.kind, e.now - offset, e.deadline - offset]),
      [[EVENT_TIMER, 50, 50]],
      "the timeout sees now equal to its deadline",
    );
    check(offset + 100, "after the first fire");
    t.equal(platform.setTimerCalls, 3);
    t.equal(platform.clearTimerCalls, 1, "a fired timer is not cleared");

    platform.advance(1000);
    t.same(
      n.events.map((e) => e.deadline - offset),
      [50, 100, 100, 300],
    );
    t.same(
      n.events.map((e) => e.now - offset),
      [50, 100, 100, 300],
    );
    check(-1, "no deadline left");

    // A deadline already in the past fires at once, with the current time.
    driver.run(() => machine.addDeadline(offset + 10), null);
    platform.advance(0);
    const last = n.events[n.events.length - 1];
    t.equal(last.deadline, offset + 10);
    t.equal(last.now, offset + 1050);

    // Removing the only deadline clears the timer.
    driver.run(() => machine.addDeadline(offset + 5000), null);
    const clears = platform.clearTimerCalls;
    driver.run(() => machine.removeDeadline(offset + 5000), null);
    t.equal(platform.clearTimerCalls, clears + 1);
    check(-1, "deadline removed");
    t.equal(driver.counters.timeouts, 4);
  });

  t.test(`many deadlines fire in order with exact times (offset ${offset})`, async (t) => {
    const platform = new VirtualPlatform({ startMs: offset, seed: 9 });
    const n = node(platform, false);
    const deadlines: number[] = [];
    for (let i = 0; i < 200; i++) deadlines.push(offset + 1 + platform.rng.nextInt(10_000));
    n.driver.run(() => {
      for (const d of deadlines) n.machine.addDeadline(d);
    }, null);
    let maxArmed = 0;
    for (let step = 0; step < 2000 && platform.activeTimers() > 0; step++) {
      maxArmed = Math.max(maxArmed, platform.activeTimers());
      platform.clock.step();
    }
    t.equal(maxArmed, 1);
    const sorted = deadlines.slice().sort((a, b) => a - b);
    t.same(n.events.map((e) => e.deadline), sorted);
    t.ok(n.events.every((e) => e.now === e.deadline), "each fires at its own deadline");
    const distinct = new Set(deadlines).size;
    t.equal(platform.setTimerCalls, distinct, "one setTimer per distinct deadline");
    t.equal(platform.clearTimerCalls, 0, "deadlines added together never clear");
  });
}

t.test("lock/unlock balanced around every entry; machine calls only inside", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => server.machine.listen(0, PORT), null);
  let association = 0;
  client.driver.run(() => (association = client.machine.connect(["10.0.0.1"], PORT)), null);
  network.runUntilIdle(100);
  for (let i = 0; i < 20; i++) {
    client.driver.run(() => client.machine.send(association, 0, 11, bytes(i)), null);
    if (i % 5 === 0) client.driver.run(() => client.machine.addDeadline(network.now + i), null);
  }
  network.runUntilIdle(1000);
  client.driver.close();
  server.driver.close();
  for (const n of [server, client]) {
    t.ok(n.platform.lockCalls > 20);
    t.equal(n.platform.lockCalls, n.platform.unlockCalls);
    t.equal(n.platform.maxLockDepth, 1, "entries never nest");
    t.equal(n.platform.lockDepth, 0);
    t.ok(n.machine.depths.length > 0);
    t.ok(
      n.machine.depths.every((d) => d === 1),
      "every machine call happens with the lock held",
    );
    t.equal(n.machine.reentered, 0);
  }
});

t.test("events are delivered after the machine call returned", async (t) => {
  const platform = new VirtualPlatform();
  const machine = new EchoMachine({ echo: false });
  const seen: string[] = [];
  const driver = createDriver(platform, machine, {
    onEvent: (_target, event: EchoEvent) => {
      seen.push(`${event.kind}:${machine.isInside()}:${machine.calls[machine.calls.length - 1]}`);
    },
  });
  driver.run(() => {
    machine.note(1);
    machine.note(2);
    t.equal(seen.length, 0, "no event inside the command");
  }, null);
  t.same(seen, ["note:false:pollEvent", "note:false:pollEvent"]);
});

t.test("a listener's command is drained before the next event", async (t) => {
  const platform = new VirtualPlatform();
  const machine = new EchoMachine({ echo: false, probe: () => platform.lockDepth });
  const order: string[] = [];
  let driver: Driver<EchoMachine> | null = null;
  driver = createDriver(platform, machine, {
    onEvent: (_target, event: EchoEvent) => {
      order.push(`event ${event.stream}`);
      if (event.stream === 1) {
        (driver as Driver<EchoMachine>).run(() => {
          machine.note(10);
          machine.addDeadline(500);
        }, null);
        order.push("command returned");
      }
    },
  });
  driver.run(() => {
    machine.note(1);
    machine.note(2);
  }, null);
  t.same(order, ["event 1", "command returned", "event 2", "event 10"]);
  t.same(platform.timerDeadlines(), [500]);
  t.equal(platform.maxLockDepth, 1);
  t.equal(platform.lockCalls, 1, "the listener's command ran inside the running entry");
  t.equal(platform.unlockCalls, 1);
  // After the listener's command the driver went back to pollTransmit first.
  const calls = machine.calls.join(",");
  t.match(calls, /note,addDeadline,pollTransmit,pollAction,pollEvent/);
});

t.test("a listener that keeps issuing commands is bounded and continues from the timer", async (t) => {
  const platform = new VirtualPlatform({ startMs: 2 ** 52 });
  const machine = new EchoMachine({ echo: false });
  let handled = 0;
  let driver: Driver<EchoMachine> | null = null;
  driver = createDriver(platform, machine, {
    maxRounds: 16,
    onEvent: (_target, event: EchoEvent) => {
      handled++;
      if (event.stream < 1000) (driver as Driver<EchoMachine>).run(() => machine.note(event.stream + 1), null);
    },
  });
  driver.run(() => machine.note(1), null);
  t.ok(handled < 1000, "one entry does not run the whole chain");
  t.equal(platform.activeTimers(), 1, "continuation armed");
  t.same(platform.timerDeadlines(), [2 ** 52], "at the current time");
  const steps = platform.runUntilIdle(1000);
  t.equal(handled, 1000);
  t.ok(steps >= 1000 / 17 - 1 && steps < 100, `steps ${steps}`);
  t.equal(platform.now(), 2 ** 52, "no virtual time passed");
  t.ok(driver.counters.yields >= 50);
  t.equal(platform.lockCalls, platform.unlockCalls);
  t.equal(platform.maxLockDepth, 1);
  t.equal(platform.activeTimers(), 0);
});

t.test("maxOutputs bounds one drain; the rest follows from the timer", async (t) => {
  const platform = new VirtualPlatform();
  const machine = new EchoMachine({ echo: false });
  const events: EchoEvent[] = [];
  const driver = createDriver(platform, machine, { maxOutputs: 10, onEvent: (_t, e: EchoEvent) => events.push(e) });
  driver.run(() => {
    for (let i = 0; i < 35; i++) machine.note(i);
  }, null);
  t.equal(events.length, 10, "ten records in the first entry");
  t.equal(driver.counters.yields, 1);
  platform.runUntilIdle(100);
  t.same(events.map((e) => e.stream), Array.from({ length: 35 }, (_, i) => i));
});

t.test("a listener exception does not unbalance the lock or lose the timer", async (t) => {
  const platform = new VirtualPlatform();
  const machine = new EchoMachine({ echo: false });
  let calls = 0;
  const driver = createDriver(platform, machine, {
    onEvent: () => {
      calls++;
      throw new Error("listener bug");
    },
  });
  t.throws(
    () =>
      driver.run(() => {
        machine.note(1);
        machine.note(2);
        machine.addDeadline(40);
      }, null),
    /listener bug/,
  );
  t.equal(calls, 2, "the second event was still delivered");
  t.equal(platform.lockCalls, platform.unlockCalls);
  t.same(platform.timerDeadlines(), [40]);
  // With onError the exception is reported instead.
  const errors: number[] = [];
  const platform2 = new VirtualPlatform();
  const machine2 = new EchoMachine({ echo: false });
  const driver2 = createDriver(platform2, machine2, {
    onEvent: () => {
      throw new Error("x");
    },
    onError: (_t, code) => errors.push(code),
  });
  driver2.run(() => machine2.note(1), null);
  t.same(errors, [DRIVER_ERROR_LISTENER_THREW]);
  // A command that throws: the exception propagates, the lock is released.
  t.throws(() => driver2.run(() => {
    throw new Error("bad command");
  }, null), /bad command/);
  t.equal(platform2.lockCalls, platform2.unlockCalls);
});

t.test("driver refuses bad numbers and reports missing transports", async (t) => {
  const { network, server, client } = pair();
  client.driver.run(() => client.machine.connectAs(3, ["10.0.0.1"], PORT), null);
  t.same(client.errors, [DRIVER_ERROR_BAD_NUMBER], "odd numbers belong to the driver");
  client.driver.run(() => client.machine.connectAs(4, ["10.0.0.1"], PORT, "no-such"), null);
  t.same(client.errors, [DRIVER_ERROR_BAD_NUMBER, DRIVER_ERROR_NO_TRANSPORT]);
  const down = client.events.find((e) => e.kind === EVENT_DOWN) as EchoEvent;
  t.same([down.association, down.reason], [4, DOWN_CONNECT_FAILED], "an unknown transport still ends in a down");
  client.driver.run(() => client.machine.connectAs(6, ["10.0.0.1"], PORT), null);
  client.driver.run(() => client.machine.connectAs(6, ["10.0.0.1"], PORT), null);
  t.equal(client.errors[client.errors.length - 1], DRIVER_ERROR_BAD_NUMBER, "a number in use is refused");
  network.runUntilIdle(100);
  t.same(
    client.events.filter((e) => e.kind === EVENT_DOWN).map((e) => [e.association, e.reason]),
    [[4, DOWN_CONNECT_FAILED], [6, DOWN_CONNECT_FAILED]],
    "connect to a closed port fails",
  );
  // Listening twice on one port, and on one listener number.
  server.driver.run(() => server.machine.listen(0, PORT), null);
  server.driver.run(() => server.machine.listen(0, PORT + 1), null);
  server.driver.run(() => server.machine.listen(1, PORT), null);
  t.same(server.errors, [DRIVER_ERROR_BAD_NUMBER, DRIVER_ERROR_LISTEN_FAILED]);
  // A transmit on an association that is not up is dropped and counted.
  client.driver.run(() => client.machine.send(8, 0, 11, bytes(1)), null);
  t.equal(client.driver.counters.droppedTransmits, 1);
  // No datagram factory on this platform.
  const bare = node(new VirtualPlatform(), false);
  bare.driver.run(() => bare.machine.openSocket(0, 3863), null);
  t.same(bare.errors, [DRIVER_ERROR_NO_DATAGRAM]);
});

t.test("datagrams through the driver: open, echo, close", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => server.machine.openSocket(0, 3863), null);
  client.driver.run(() => client.machine.openSocket(5, 0), null);
  client.driver.run(() => client.machine.sendDatagram(5, bytes(7, 8, 9), "10.0.0.1", 3863), null);
  network.runUntilIdle(100);
  const got = server.events.find((e) => e.kind === EVENT_DATAGRAM) as EchoEvent;
  t.same([got.socket, Array.from(got.bytes), got.address], [0, [7, 8, 9], "10.0.0.2"]);
  const echoed = client.events.find((e) => e.kind === EVENT_DATAGRAM) as EchoEvent;
  t.same([echoed.socket, Array.from(echoed.bytes), echoed.address, echoed.port], [5, [7, 8, 9], "10.0.0.1", 3863]);
  server.driver.run(() => server.machine.closeSocket(0), null);
  client.driver.run(() => client.machine.sendDatagram(5, bytes(1), "10.0.0.1", 3863), null);
  network.runUntilIdle(100);
  t.equal(server.events.filter((e) => e.kind === EVENT_DATAGRAM).length, 1, "a closed socket receives nothing");
});

t.test("close() is idempotent and releases everything", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => {
    server.machine.listen(0, PORT);
    server.machine.openSocket(0, 9000);
    server.machine.addDeadline(network.now + 1000);
  }, null);
  let association = 0;
  client.driver.run(() => (association = client.machine.connect(["10.0.0.1"], PORT)), null);
  network.advance(100);
  t.equal(server.platform.activeTimers(), 1);
  server.driver.close();
  server.driver.close();
  t.equal(server.driver.isClosed(), true);
  t.equal(server.platform.activeTimers(), 0, "timer cleared");
  t.equal(server.driver.run(() => server.machine.note(1), null), false, "commands after close are refused");
  network.runUntilIdle(100);
  t.same(
    client.events.filter((e) => e.kind === EVENT_DOWN).map((e) => [e.association, e.reason]),
    [[association, DOWN_CLOSED]],
    "the peer sees a graceful close",
  );
  t.equal(server.events.filter((e) => e.kind === EVENT_DOWN).length, 0, "a closed driver delivers nothing");
  // The port and the socket are free again.
  const again = node(network.createPlatform("server"), true);
  again.driver.run(() => {
    again.machine.listen(0, PORT);
    again.machine.openSocket(0, 9000);
  }, null);
  t.same(again.errors, []);
  t.equal(server.platform.lockCalls, server.platform.unlockCalls);
});

t.test("platform callbacks that arrive during a drain are queued, not nested", async (t) => {
  // A platform whose transport calls back synchronously: connect() fails at
  // once, and send() loops the message straight back.
  const platform = new VirtualPlatform();
  const sent: number[] = [];
  platform.transports = [
    {
      name: "sync",
      listen: () => {
        throw new Error("no listen");
      },
      connect: (addresses, port, options, handler, target) => {
        const association = {
          id: 1,
          send: (stream: number, ppid: number, data: Uint8Array) => {
            sent.push(data[0]);
            handler.onMessage(target, association, stream, ppid, data);
            data.fill(0); // the platform reuses its buffer
          },
          close: () => handler.onDown(target, association, DOWN_CLOSED),
          abort: () => {},
        };
        if (addresses[0] === "fail") handler.onDown(target, association, DOWN_CONNECT_FAILED);
        else handler.onUp(target, association, ["loop"], port);
        return association;
      },
    },
  ];
  const n = node(platform, false);
  const { machine, driver } = n;
  let a = 0;
  driver.run(() => (a = machine.connect(["fail"], 1)), null);
  t.same(
    n.events.map((e) => [e.kind, e.association, e.reason]),
    [[EVENT_DOWN, a, DOWN_CONNECT_FAILED]],
  );
  let b = 0;
  driver.run(() => (b = machine.connect(["ok"], 1)), null);
  t.same(n.events[1].kind, EVENT_UP);
  driver.run(() => {
    machine.send(b, 0, 11, bytes(42));
    machine.send(b, 0, 11, bytes(43));
  }, null);
  const messages = n.events.filter((e) => e.kind === EVENT_MESSAGE);
  t.same(messages.map((e) => e.bytes[0]), [42, 43], "queued messages were copied");
  t.same(sent, [42, 43]);
  driver.run(() => machine.close(b), null);
  t.same(n.events[n.events.length - 1].kind, EVENT_DOWN);
  t.equal(machine.reentered, 0, "no machine call nested in another");
  t.equal(platform.maxLockDepth, 1);
  t.equal(platform.lockCalls, platform.unlockCalls);
  t.ok(driver.counters.queuedInputs >= 4);
});

// Two complete stacks, each on its own platform and network, in one process:
// running them interleaved gives each exactly the transcript it has alone.
function transcriptOf(n: Node): string[] {
  return n.events.map((e) => `${e.now}:${e.kind}:${e.association}:${e.reason}:${Array.from(e.bytes).join(".")}`);
}

function scenario(seed: number, offset: number) {
  const network = new VirtualNetwork({ startMs: offset, seed, latencyMs: 3, jitterMs: 4, lossRate: 0.1, retransmitMs: 20 });
  network.addHost("s", ["192.168.0.1"]);
  network.addHost("c", ["192.168.0.2"]);
  const server = node(network.createPlatform("s"), true);
  const client = node(network.createPlatform("c"), false);
  let association = 0;
  let sent = 0;
  server.driver.run(() => server.machine.listen(0, PORT), null);
  client.driver.run(() => {
    association = client.machine.connect(["192.168.0.1"], PORT);
    client.machine.addDeadline(offset + 50);
  }, null);
  // Send one message per timer tick, 30 in all.
  let seen = 0;
  const step = () => {
    while (seen < client.events.length) {
      const e = client.events[seen++];
      if (e.kind !== EVENT_TIMER || sent >= 30) continue;
      const value = sent++;
      client.driver.run(() => {
        client.machine.send(association, 0, 11, bytes(value, seed & 0xff));
        client.machine.addDeadline(network.now + 7);
      }, null);
    }
  };
  return { network, server, client, step, done: () => client.events.filter((e) => e.kind === EVENT_MESSAGE).length === 30 };
}

t.test("two stacks on two virtual platforms do not interfere", async (t) => {
  const aloneA = scenario(11, 0);
  for (let i = 0; i < 5000 && !aloneA.done(); i++) {
    aloneA.network.clock.step();
    aloneA.step();
  }
  const aloneB = scenario(22, 2 ** 32);
  for (let i = 0; i < 5000 && !aloneB.done(); i++) {
    aloneB.network.clock.step();
    aloneB.step();
  }
  t.ok(aloneA.done() && aloneB.done());
  const a = scenario(11, 0);
  const b = scenario(22, 2 ** 32);
  for (let i = 0; i < 10000 && !(a.done() && b.done()); i++) {
    if (!a.done()) {
      a.network.clock.step();
      a.step();
    }
    if (!b.done()) {
      b.network.clock.step();
      b.step();
    }
  }
  t.same(transcriptOf(a.client), transcriptOf(aloneA.client));
  t.same(transcriptOf(a.server), transcriptOf(aloneA.server));
  t.same(transcriptOf(b.client), transcriptOf(aloneB.client));
  t.same(transcriptOf(b.server), transcriptOf(aloneB.server));
  t.notSame(transcriptOf(a.client), transcriptOf(b.client));
  t.ok(a.network.stats.retransmissions > 0, "loss made retransmissions");
  const echoes = a.client.events.filter((e) => e.kind === EVENT_MESSAGE).map((e) => e.bytes[0]);
  t.same(echoes, Array.from({ length: 30 }, (_, i) => i), "in order despite loss and jitter");
});

t.test("an event listener sees EVENT_NOTE values in order with a typed driver", async (t) => {
  // Type-level check that createDriver infers the machine type.
  const platform = new VirtualPlatform();
  const machine = new EchoMachine({ echo: false });
  const values: number[] = [];
  const driver = createDriver(platform, machine, {
    onEvent: (_t, e: EchoEvent) => {
      if (e.kind === EVENT_NOTE) values.push(e.stream);
    },
  });
  const m: EchoMachine = driver.machine;
  driver.run(() => {
    m.note(3);
    m.note(4);
  }, null);
  t.same(values, [3, 4]);
});

t.test("incoming numbers: odd, not reused at once, window grows when busy", async (t) => {
  const { network, server, client } = pair();
  server.driver.run(() => server.machine.listen(0, PORT), null);
  const sequential: number[] = [];
  for (let i = 0; i < 10; i++) {
    let a = 0;
    client.driver.run(() => (a = client.machine.connect(["10.0.0.1"], PORT)), null);
    network.advance(50);
    const up = server.events.filter((e) => e.kind === EVENT_UP).pop() as EchoEvent;
    sequential.push(up.association);
    client.driver.run(() => client.machine.close(a), null);
    network.advance(50);
  }
  t.same(sequential, [1, 3, 5, 7, 9, 11, 13, 15, 1, 3], "a freed number waits for the cursor to come round");
  server.events.length = 0;
  for (let i = 0; i < 20; i++) client.driver.run(() => client.machine.connect(["10.0.0.1"], PORT), null);
  network.advance(100);
  const concurrent = server.events.filter((e) => e.kind === EVENT_UP).map((e) => e.association);
  t.equal(concurrent.length, 20);
  t.equal(new Set(concurrent).size, 20, "distinct while alive");
  t.ok(concurrent.every((n) => n % 2 === 1));
  t.ok(Math.max(...concurrent) > 15 && Math.max(...concurrent) < 64, `max ${Math.max(...concurrent)}`);
});
