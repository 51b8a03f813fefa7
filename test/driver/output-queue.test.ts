import t from "tap";
import {
  ACTION_CLOSE,
  ACTION_CONNECT,
  ACTION_LISTEN,
  ACTION_OPEN_SOCKET,
  ACTION_SEND_DATAGRAM,
  isIncomingAssociation,
  isOutgoingAssociation,
} from "../../core/driver/machine.js";
import {
  actionQueueLength,
  createActionQueue,
  createTransmitQueue,
  dropTransmits,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueClose,
  queueConnect,
  queueListen,
  queueOpenSocket,
  queueSendDatagram,
  transmitQueueLength,
} from "../../core/driver/output-queue.js";

t.test("transmit queue: FIFO, bounded, copies bytes, wraps around", async (t) => {
  const q = createTransmitQueue(3);
  const source = Uint8Array.of(1, 2, 3);
  t.equal(pushTransmit(q, 2, 0, 11, source), true);
  source[0] = 99;
  t.equal(pushTransmit(q, 4, 1, 12, Uint8Array.of(4)), true);
  t.equal(pushTransmit(q, 6, 2, 11, Uint8Array.of()), true);
  t.equal(pushTransmit(q, 8, 0, 11, Uint8Array.of(5)), false, "full");
  t.equal(transmitQueueLength(q), 3);
  const first = pollTransmitQueue(q);
  t.same(first && [first.association, first.stream, first.ppid, Array.from(first.bytes)], [2, 0, 11, [1, 2, 3]], "a copy");
  const second = pollTransmitQueue(q);
  t.same(second && [second.association, Array.from(second.bytes)], [4, [4]]);
  const third = pollTransmitQueue(q);
  t.same(third && [third.association, third.bytes.length], [6, 0]);
  t.equal(pollTransmitQueue(q), null);
  // Wrap around several times with growing payloads.
  for (let round = 0; round < 10; round++) {
    const payload = new Uint8Array(round * 50).fill(round);
    t.equal(pushTransmit(q, 2, 0, 11, payload), true);
    const out = pollTransmitQueue(q);
    t.same(out && [out.bytes.length, out.bytes[0]], [payload.length, payload.length > 0 ? round : undefined]);
  }
});

t.test("transmit queue: same-length payloads reuse the record's view", async (t) => {
  const q = createTransmitQueue(1);
  pushTransmit(q, 2, 0, 11, new Uint8Array(40));
  const a = pollTransmitQueue(q);
  pushTransmit(q, 2, 0, 11, new Uint8Array(40).fill(7));
  const b = pollTransmitQueue(q);
  t.equal(a, b, "the same record");
  t.equal(a && a.bytes, b && b.bytes, "the same view");
  t.equal(b && b.bytes[0], 7);
});

t.test("transmit queue: dropTransmits skips a dead association's records", async (t) => {
  const q = createTransmitQueue(8);
  for (let i = 0; i < 6; i++) pushTransmit(q, i % 2 === 0 ? 2 : 3, 0, 11, Uint8Array.of(i));
  dropTransmits(q, 3);
  const seen: number[] = [];
  for (let r = pollTransmitQueue(q); r !== null; r = pollTransmitQueue(q)) seen.push(r.bytes[0]);
  t.same(seen, [0, 2, 4]);
});

t.test("action queue: records carry the fields of their kind", async (t) => {
  const q = createActionQueue(8);
  queueConnect(q, 2, "sctp", ["10.0.0.1", "10.0.0.2"], 3863, ["10.0.0.9"], 0);
  queueListen(q, 0, "", [], 3863);
  queueOpenSocket(q, 1, "", 3863, "239.0.0.50", 1, "");
  const bytes = Uint8Array.of(1, 2);
  queueSendDatagram(q, 1, bytes, "239.0.0.50", 3863);
  bytes[0] = 9;
  queueClose(q, 2);
  t.equal(actionQueueLength(q), 5);
  const c = pollActionQueue(q);
  t.same(c && [c.kind, c.association, c.transport, c.addresses, c.port, c.localAddresses], [
    ACTION_CONNECT,
    2,
    "sctp",
    ["10.0.0.1", "10.0.0.2"],
    3863,
    ["10.0.0.9"],
  ]);
  const l = pollActionQueue(q);
  t.same(l && [l.kind, l.listener, l.transport, l.addresses, l.port], [ACTION_LISTEN, 0, "", [], 3863]);
  const o = pollActionQueue(q);
  t.same(o && [o.kind, o.socket, o.address, o.port, o.group, o.ttl], [ACTION_OPEN_SOCKET, 1, "", 3863, "239.0.0.50", 1]);
  const d = pollActionQueue(q);
  t.same(d && [d.kind, d.socket, Array.from(d.bytes), d.address, d.port], [ACTION_SEND_DATAGRAM, 1, [1, 2], "239.0.0.50", 3863]);
  const x = pollActionQueue(q);
  t.same(x && [x.kind, x.association], [ACTION_CLOSE, 2]);
  t.equal(pollActionQueue(q), null);
  const full = createActionQueue(1);
  t.equal(queueClose(full, 2), true);
  t.equal(queueClose(full, 4), false);
});

t.test("association number ranges are disjoint", async (t) => {
  t.equal(isIncomingAssociation(0), false);
  t.equal(isOutgoingAssociation(0), false);
  for (let n = 1; n < 100; n++) t.not(isIncomingAssociation(n), isOutgoingAssociation(n));
  t.equal(isIncomingAssociation(-1), false);
});

t.test("queue capacity is validated (a plain Error: Espruino has no RangeError)", async (t) => {
  for (const f of [() => createTransmitQueue(0), () => createActionQueue(-1), () => createActionQueue(NaN)]) {
    let thrown: unknown = null;
    try {
      f();
    } catch (e) {
      thrown = e;
    }
    t.ok(thrown instanceof Error && !(thrown instanceof RangeError), String(thrown));
    t.match(String((thrown as Error).message), /capacity/);
  }
});
