import t from "tap";
import {
  ASAP_ERROR,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_UNRECOGNIZED_MESSAGE,
  CAUSE_UNRECOGNIZED_PARAMETER,
  CAUSE_UNSPECIFIED,
  PARAM_POOL_HANDLE,
  PPID_ASAP,
  PPID_ENRP,
  createWriter,
  encodeAsap,
  newAsapMessage,
  newErrorCause,
  newOperationError,
} from "../../core/wire/index.js";
import { DOWN_ABORTED } from "../../core/driver/machine.js";
import {
  CLOSED_PPID_MISMATCH,
  CLOSED_TOO_MANY,
  EVENT_ASSOCIATION_ENDED,
  EVENT_RATE_LIMITED,
} from "../../core/registrar/index.js";
import { OFFSETS, causes, identifiers, registration, resolution, scenario, text, unreachable } from "./fixture.js";

function tlv(type: number, value: number[]): number[] {
  const length = 4 + value.length;
  const out = [type >> 8, type & 0xff, length >> 8, length & 0xff, ...value];
  while (out.length % 4 !== 0) out.push(0);
  return out;
}

function message(type: number, flags: number, ...parameters: number[][]): Uint8Array {
  const body = parameters.flat();
  const length = 4 + body.length;
  return Uint8Array.from([type, flags, length >> 8, length & 0xff, ...body]);
}

const HANDLE = tlv(PARAM_POOL_HANDLE, Array.from(text("Pool")));

function encoded(m: ReturnType<typeof newAsapMessage>): Uint8Array {
  return encodeAsap(createWriter(64), m).slice();
}

interface Case {
  name: string;
  bytes: Uint8Array;
  /** Causes of the ASAP_ERROR expected, or null for no ERROR. */
  error: number[] | null;
  /** A normal HANDLE_RESOLUTION_RESPONSE is expected too. */
  answered: boolean;
}

const registrationResponse = newAsapMessage(ASAP_REGISTRATION_RESPONSE);
registrationResponse.poolHandle = text("Pool");
registrationResponse.peIdentifier = 1;
const peerError = newAsapMessage(ASAP_ERROR);
peerError.error = newOperationError([newErrorCause(CAUSE_INVALID_VALUES, new Uint8Array(0))]);

const CASES: Case[] = [
  { name: "empty message", bytes: new Uint8Array(0), error: [CAUSE_UNSPECIFIED], answered: false },
  { name: "shorter than a header", bytes: Uint8Array.from([5, 0]), error: [CAUSE_UNSPECIFIED], answered: false },
  {
    name: "length field larger than the message",
    bytes: Uint8Array.from([5, 0, 0, 32, ...HANDLE]),
    error: [CAUSE_UNSPECIFIED],
    answered: false,
  },
  {
    name: "length not a multiple of 4",
    bytes: Uint8Array.from([5, 0, 0, 10, 0, 9, 0, 6, 80, 80]),
    error: [CAUSE_UNSPECIFIED],
    answered: false,
  },
  { name: "unknown message type", bytes: message(0x20, 0, HANDLE), error: [CAUSE_UNRECOGNIZED_MESSAGE], answered: false },
  { name: "resolution without a pool handle", bytes: message(ASAP_HANDLE_RESOLUTION, 0), error: [CAUSE_INVALID_VALUES], answered: false },
  {
    name: "parameter length below 4",
    bytes: Uint8Array.from([5, 0, 0, 8, 0, 9, 0, 2]),
    error: [CAUSE_INVALID_VALUES],
    answered: false,
  },
  {
    name: "parameter longer than the message",
    bytes: Uint8Array.from([5, 0, 0, 8, 0, 9, 0, 64]),
    error: [CAUSE_INVALID_VALUES],
    answered: false,
  },
  {
    name: "empty pool handle",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, tlv(PARAM_POOL_HANDLE, [])),
    error: [CAUSE_INVALID_VALUES],
    answered: false,
  },
  {
    name: "unknown stop-and-report parameter",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, tlv(0x4123, [1, 2, 3, 4]), HANDLE),
    error: [CAUSE_UNRECOGNIZED_PARAMETER],
    answered: false,
  },
  {
    name: "unknown stop parameter (silent)",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, HANDLE, tlv(0x0123, [1, 2, 3, 4])),
    error: null,
    answered: false,
  },
  {
    name: "unknown skip-and-report parameter",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, HANDLE, tlv(0xc123, [1, 2, 3, 4])),
    error: [CAUSE_UNRECOGNIZED_PARAMETER],
    answered: true,
  },
  {
    name: "unknown skip parameter",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, HANDLE, tlv(0x8123, [1, 2, 3, 4])),
    error: null,
    answered: true,
  },
  {
    name: "non-zero padding in the pool handle",
    bytes: Uint8Array.from([5, 0, 0, 12, 0, 9, 0, 7, 80, 111, 111, 0xee]),
    error: null,
    answered: false, // a different (unknown) pool "Poo": answered with 0x9, checked below
  },
  {
    name: "truncated pool element in a registration",
    bytes: message(ASAP_REGISTRATION, 0, HANDLE, tlv(0x000a, [0, 0, 0, 1])),
    error: [CAUSE_INVALID_VALUES],
    answered: false,
  },
  { name: "a message a registrar does not take", bytes: encoded(registrationResponse), error: [CAUSE_UNRECOGNIZED_MESSAGE], answered: false },
  { name: "an ERROR is never answered", bytes: encoded(peerError), error: null, answered: false },
  { name: "a malformed ERROR is never answered", bytes: Uint8Array.from([ASAP_ERROR, 0, 0, 8, 0, 12, 0, 2]), error: null, answered: false },
  {
    name: "a message over the size limit",
    bytes: message(ASAP_HANDLE_RESOLUTION, 0, HANDLE, tlv(0x8123, new Array(9000).fill(1))),
    error: [CAUSE_LACK_OF_RESOURCES],
    answered: false,
  },
];

t.test("every malformed message class gets an ERROR (or the RFC's silence) and service goes on", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const b = s.attach(pu);
  for (const k of CASES) {
    const before = pu.client.received.length;
    pu.run((c) => c.sendBytes(b, k.bytes));
    s.settle();
    const got = pu.client.received.slice(before);
    const errors = got.filter((r) => r.message?.type === ASAP_ERROR);
    const answers = got.filter((r) => r.message?.type === ASAP_HANDLE_RESOLUTION_RESPONSE);
    if (k.error === null) {
      t.equal(errors.length, 0, `${k.name}: no ERROR`);
    } else {
      t.equal(errors.length, 1, `${k.name}: one ERROR`);
      t.same(causes(errors[0]?.message), k.error, `${k.name}: cause`);
    }
    if (k.answered) t.same(identifiers(answers[0]?.message), [1], `${k.name}: answered normally`);
    else if (k.name.startsWith("non-zero padding")) t.equal(answers.length, 1, `${k.name}: answered (unknown pool)`);
    else t.equal(answers.length, 0, `${k.name}: no resolution answer`);
    t.ok(got.every((r) => r.message !== null && r.ppid === PPID_ASAP), `${k.name}: what came back decodes`);
    // The registrar keeps serving this PU.
    pu.run((c) => c.sendMessage(b, resolution("Pool")));
    s.settle();
    const last = pu.client.received[pu.client.received.length - 1];
    t.same(identifiers(last.message), [1], `${k.name}: the next resolution is served`);
  }
  const unrecognized = pu.client.received.find(
    (r) => r.message?.type === ASAP_ERROR && causes(r.message)[0] === CAUSE_UNRECOGNIZED_MESSAGE,
  );
  t.same(Array.from(unrecognized?.message?.error?.causes[0].info ?? []), Array.from(CASES[4].bytes),
    "0x2 carries the unrecognized message");
  const parameter = pu.client.received.find(
    (r) => r.message?.type === ASAP_ERROR && causes(r.message)[0] === CAUSE_UNRECOGNIZED_PARAMETER,
  );
  t.same(Array.from(parameter?.message?.error?.causes[0].info ?? []), tlv(0x4123, [1, 2, 3, 4]),
    "0x1 carries the offending parameter");
  t.equal(pu.client.downs.length, 0, "the PU association survived everything");
  t.equal(pe.client.downs.length, 0);
  t.ok(s.server.registrar.statistics.malformedMessages >= 10);
});

t.test("hostile bytes never throw and never stop the service", async (t) => {
  const s = scenario({ maxHandleResolutionRate: 0 });
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const registrar = s.server.registrar;
  const association = s.server.events.find((e) => e.association > 0)?.association as number;
  const seeds = [encoded(resolution("Pool", 5)), encoded(registration("Pool", 2, ["10.0.0.2"])), encoded(unreachable("Pool", 2))];
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 8;
  };
  for (let i = 0; i < 3000; i++) {
    const seed = seeds[i % seeds.length];
    const bytes = seed.slice(0, next() % 4 === 0 ? next() % (seed.length + 1) : seed.length);
    const flips = 1 + (next() % 4);
    for (let f = 0; f < flips && bytes.length > 0; f++) bytes[next() % bytes.length] = next() & 0xff;
    registrar.handleMessage(s.network.now, association, 0, PPID_ASAP, bytes);
    while (registrar.pollTransmit() !== null);
    while (registrar.pollAction() !== null);
    while (registrar.pollEvent() !== null);
  }
  t.pass("3000 mutated messages handled without an exception");
  registrar.handleMessage(s.network.now, association, 0, PPID_ASAP, encoded(resolution("Pool", 1)));
  const out = registrar.pollTransmit();
  t.ok(out !== null, "a valid request is still answered");
});

t.test("a resolution flood from one association is throttled while another PU is served", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const flooder = s.party("flooder", ["10.0.0.66"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => {
    c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"]));
    c.sendMessage(a, registration("Pool", 2, ["10.0.0.2"]));
  });
  s.settle();
  const f = s.attach(flooder);
  const p = s.attach(pu);
  flooder.run((c) => {
    for (let i = 0; i < 1000; i++) c.sendMessage(f, resolution("Pool"));
  });
  pu.run((c) => c.sendMessage(p, resolution("Pool")));
  s.network.runUntil(() => flooder.client.received.length >= 1000 && pu.client.received.length >= 1, 100000);
  const answers = flooder.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
  t.equal(answers.length, 1000, "every flood request got an answer");
  const served = answers.filter((m) => m.poolElements.length > 0).length;
  const refused = answers.filter((m) => causes(m)[0] === CAUSE_LACK_OF_RESOURCES).length;
  t.equal(served, 200, "the burst (200) was served");
  t.equal(refused, 800, "the rest refused with 0x6 (lack of resources)");
  t.same(identifiers(pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]).length, 2, "the other PU is served in full");
  t.equal(s.server.registrar.statistics.handleResolutionsRefused, 800);
  // The bucket refills: 100/s.
  flooder.client.received.length = 0;
  s.network.advance(1000);
  flooder.run((c) => {
    for (let i = 0; i < 150; i++) c.sendMessage(f, resolution("Pool"));
  });
  s.settle();
  const later = flooder.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
  const servedLater = later.filter((m) => m.poolElements.length > 0).length;
  t.ok(servedLater >= 100 && servedLater <= 103, `one second later about 100 more are served (${servedLater})`);
});

for (const offset of OFFSETS) t.test(`unreachable reports over the rate limit are ignored (offset ${offset})`, async (t) => {
  const s = scenario({ maxEndpointUnreachableRate: 1, endpointUnreachableBurst: 2, maxBadPeReports: 3 }, offset);
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const b = s.attach(pu);
  pu.run((c) => {
    for (let i = 0; i < 10; i++) c.sendMessage(b, unreachable("Pool", 1));
  });
  s.settle();
  t.equal(s.server.registrar.handlespace.count, 1, "one PU alone cannot kill the PE in a burst");
  t.equal(s.server.registrar.statistics.unreachableReportsIgnored, 8);
  t.equal(s.server.events.filter((e) => e.kind === EVENT_RATE_LIMITED).length, 8);
  s.network.advance(1000);
  pu.run((c) => c.sendMessage(b, unreachable("Pool", 1)));
  s.settle();
  t.equal(s.server.registrar.handlespace.count, 0, "a report a second later is counted: the third removes it");
});

t.test("a PPID that does not match the listener aborts the association", async (t) => {
  const s = scenario();
  const pu = s.party("pu", ["10.0.0.3"]);
  const other = s.party("other", ["10.0.0.4"]);
  const a = s.attach(pu);
  const b = s.attach(other);
  pu.run((c) => c.sendBytes(a, encoded(resolution("Pool")), PPID_ENRP));
  s.settle();
  t.same(pu.client.downs.map((d) => d.reason), [DOWN_ABORTED], "PPID 12 on the ASAP port: ABORT");
  t.equal(pu.client.received.length, 0, "and nothing else");
  t.ok(s.server.events.some((e) => e.kind === EVENT_ASSOCIATION_ENDED && e.cause === CLOSED_PPID_MISMATCH));
  other.run((c) => c.sendMessage(b, resolution("Pool")));
  s.settle();
  t.equal(other.client.received.length, 1, "others are still served");
  // ASAP on the ENRP port.
  let e = 0;
  pu.run((c) => (e = c.connect(["10.0.0.1"], 9901)));
  s.network.runUntil(() => pu.client.up.has(e), 1000);
  pu.run((c) => c.sendBytes(e, encoded(resolution("Pool")), PPID_ASAP));
  s.settle();
  t.equal(pu.client.downs[1]?.reason, DOWN_ABORTED, "PPID 11 on the ENRP port: ABORT");
});

t.test("bounded tables: associations and PEs per association", async (t) => {
  const s = scenario({ maxAssociations: 2, maxPoolElementsPerAssociation: 2 });
  const nodes = [s.party("one", ["10.0.0.2"]), s.party("two", ["10.0.0.3"]), s.party("three", ["10.0.0.4"])];
  const associations = nodes.map((n) => {
    let number = 0;
    n.run((c) => (number = c.connect(["10.0.0.1"], 3863)));
    return number;
  });
  s.settle();
  t.equal(nodes[2].client.downs[0]?.reason, DOWN_ABORTED, "the third association is aborted at once");
  t.ok(s.server.events.some((e) => e.kind === EVENT_ASSOCIATION_ENDED && e.cause === CLOSED_TOO_MANY));
  nodes[0].run((c) => {
    for (let id = 1; id <= 3; id++) c.sendMessage(associations[0], registration("Pool", id, ["10.0.0.2"]));
  });
  s.settle();
  const responses = nodes[0].client.messages(ASAP_REGISTRATION_RESPONSE);
  t.same(responses.map((m) => causes(m)), [[], [], [CAUSE_LACK_OF_RESOURCES]], "the third PE on one association: 0x6");
  nodes[1].run((c) => c.sendMessage(associations[1], resolution("Pool")));
  s.settle();
  t.same(identifiers(nodes[1].client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [1, 2], "the others are served");
});
