// ENRP HANDLE_TABLE_REQUEST answers (core/registrar/enrp-table.ts) on the
// virtual network: a scripted peer connects to the registrar's ENRP port,
// asks for the table and pages through it.
import t from "tap";
import {
  ENRP_FLAG_MORE_TO_SEND,
  ENRP_FLAG_OWN_CHILDREN_ONLY,
  ENRP_HANDLE_TABLE_REQUEST,
  ENRP_HANDLE_TABLE_RESPONSE,
  PPID_ENRP,
  createDecoder,
  createWriter,
  decodeEnrp,
  encodeEnrp,
  formatAddress,
  newEnrpMessage,
  newPoolElement,
} from "../../core/wire/index.js";
import type { EnrpMessage } from "../../core/wire/index.js";
import { createDriver } from "../../core/driver/driver.js";
import { createRegistrar } from "../../core/registrar/index.js";
import { createEnrpTableExtension } from "../../core/registrar/enrp-table.js";
import { clientNode } from "../support/asap-client.js";
import type { ClientNode } from "../support/asap-client.js";
import { VirtualNetwork } from "../support/virtual-platform.js";
import { OFFSETS, policy, registration, sctpTransport, text } from "./fixture.js";

const REGISTRAR = "10.0.0.1";
const ENRP_PORT = 9901;
const PEER_OWNER = 0xbeef;

function request(sender: number, own: boolean): Uint8Array {
  const m = newEnrpMessage(ENRP_HANDLE_TABLE_REQUEST);
  m.senderServerIdentifier = sender;
  m.flags = own ? ENRP_FLAG_OWN_CHILDREN_ONLY : 0;
  return encodeEnrp(createWriter(64), m).slice();
}

function setup(startMs: number, maxPerPage: number) {
  const net = new VirtualNetwork({ startMs, seed: 11, latencyMs: 2 });
  net.addHost("registrar", [REGISTRAR]);
  const platform = net.createPlatform("registrar");
  const registrar = createRegistrar({
    random: (into) => platform.random(into),
    asapAnnounce: false,
    maxElementsPerHandleTableRequest: maxPerPage,
  });
  const extension = createEnrpTableExtension(registrar);
  registrar.setExtension(extension);
  const driver = createDriver(platform, registrar, {});
  driver.run(() => registrar.start(platform.now()), null);
  const party = (name: string, address: string): ClientNode => {
    net.addHost(name, [address]);
    return clientNode(net.createPlatform(name));
  };
  const attach = (node: ClientNode, port: number): number => {
    let a = 0;
    node.run((c) => (a = c.connect([REGISTRAR], port)));
    net.runUntil(() => node.client.up.has(a), 1000);
    if (!node.client.up.has(a)) throw new Error("association did not come up");
    return a;
  };
  return { net, registrar, extension, driver, party, attach };
}

type Setup = ReturnType<typeof setup>;

/** Asks until M is clear (bounded); returns every response in order. */
function walk(s: Setup, node: ClientNode, association: number, sender: number, own: boolean): EnrpMessage[] {
  const decoder = createDecoder();
  const out: EnrpMessage[] = [];
  for (let round = 0; round < 100; round++) {
    const before = node.client.received.length;
    node.run((c) => c.sendBytes(association, request(sender, own), PPID_ENRP));
    s.net.runUntil(() => node.client.received.length > before, 1000);
    const r = node.client.received[before];
    if (r === undefined) throw new Error("no answer");
    const m = decodeEnrp(decoder, r.bytes, 0, r.bytes.length);
    if (m === null || r.ppid !== PPID_ENRP) throw new Error("not an ENRP message");
    out.push(m);
    if ((m.flags & ENRP_FLAG_MORE_TO_SEND) === 0) return out;
  }
  throw new Error("M never cleared");
}

function keys(pages: EnrpMessage[]): string[] {
  const out: string[] = [];
  for (const m of pages) {
    for (const e of m.poolEntries) {
      const h = new TextDecoder().decode(e.poolHandle);
      for (const pe of e.poolElements) out.push(`${h}/${pe.identifier}`);
    }
  }
  return out;
}

/** 5 home PEs (registered over ASAP by one PE host) and `peers` PEs owned by PEER_OWNER, in 3 pools. */
function populate(s: Setup, peers: number): string[] {
  const pe = s.party("pe", "10.0.0.2");
  const a = s.attach(pe, 3863);
  pe.client.autoAck.add(a);
  for (let i = 1; i <= 5; i++) pe.run((c) => c.sendMessage(a, registration(`Pool${i % 3}`, 1000 + i, ["10.0.0.2"])));
  s.net.advance(20);
  const expected: string[] = [];
  for (let i = 1; i <= 5; i++) expected.push(`Pool${i % 3}/${1000 + i}`);
  for (let i = 0; i < peers; i++) {
    const element = newPoolElement(i + 1, PEER_OWNER, -1, sctpTransport(["192.0.2.10"], 5000 + i), policy(), sctpTransport(["192.0.2.10"], 3863));
    const cause = s.registrar.addPeerPoolElement(s.net.now, text(`Pool${i % 3}`), element, PEER_OWNER, 0);
    if (cause !== 0) throw new Error(`peer PE refused: ${cause}`);
    expected.push(`Pool${i % 3}/${i + 1}`);
  }
  s.driver.afterCommand();
  return expected;
}

/** Walk order: pool handle bytes, then identifier. */
function sorted(list: string[]): string[] {
  return list.slice().sort((x, y) => {
    const [hx, ix] = x.split("/");
    const [hy, iy] = y.split("/");
    return hx === hy ? Number(ix) - Number(iy) : hx < hy ? -1 : 1;
  });
}

for (const offset of OFFSETS) {
  t.test(`paged table, M flag, per-association cursors (clock offset ${offset})`, async (t) => {
    const s = setup(offset, 50);
    const expected = populate(s, 200);
    t.equal(s.registrar.handlespace.count, 205, "205 PEs");

    const dump = s.party("dump", "10.0.0.9");
    const a = s.attach(dump, ENRP_PORT);
    const pages = walk(s, dump, a, 0x1234, false);
    t.equal(pages.length, 5, "205 PEs at 50 per page: 5 responses");
    t.same(pages.map((m) => m.poolEntries.reduce((n, e) => n + e.poolElements.length, 0)), [50, 50, 50, 50, 5]);
    t.same(pages.map((m) => m.flags), [2, 2, 2, 2, 0], "M on all but the last");
    t.ok(pages.every((m) => m.type === ENRP_HANDLE_TABLE_RESPONSE), "responses");
    t.ok(pages.every((m) => m.receiverServerIdentifier === 0x1234 && m.senderServerIdentifier === s.registrar.identifier), "ids");
    t.same(keys(pages), sorted(expected), "every PE exactly once, in handle then identifier order");

    // PEs carry their ASAP transport (RFC 5354 s3.10): ours is the registering association's.
    const own = pages.flatMap((m) => m.poolEntries.flatMap((e) => e.poolElements)).filter((pe) => pe.identifier > 1000);
    t.equal(own.length, 5);
    t.ok(own.every((pe) => pe.homeRegistrarIdentifier === s.registrar.identifier), "home registrar: this one");
    t.ok(own.every((pe) => pe.asapTransport !== null && pe.asapTransport.addresses.map(formatAddress).join() === "10.0.0.2"), "asap transport");

    // After the last page, a new request starts over.
    const again = walk(s, dump, a, 0x1234, false);
    t.same(keys(again), keys(pages), "a second walk sees the same table");

    // W: own children only.
    const mine = walk(s, dump, a, 0x1234, true);
    t.same(keys(mine), sorted(expected.filter((k) => Number(k.split("/")[1]) > 1000)), "W=1: the 5 PEs this registrar owns");
    t.equal(mine.length, 1);
    t.equal(s.extension.responder.statistics.requests, 11);
  });
}

t.test("two requesters walk independently; changes between pages", async (t) => {
  const s = setup(0, 30);
  const expected = populate(s, 95);
  const x = s.party("x", "10.0.0.7");
  const y = s.party("y", "10.0.0.8");
  const ax = s.attach(x, ENRP_PORT);
  const ay = s.attach(y, ENRP_PORT);
  const decoder = createDecoder();
  const ask = (node: ClientNode, a: number): EnrpMessage => {
    const before = node.client.received.length;
    node.run((c) => c.sendBytes(a, request(7, false), PPID_ENRP));
    s.net.runUntil(() => node.client.received.length > before, 1000);
    const r = node.client.received[before];
    return decodeEnrp(decoder, r.bytes, 0, r.bytes.length) as EnrpMessage;
  };
  // Interleave: x takes two pages, y one, x the rest, y the rest.
  const px = [ask(x, ax), ask(x, ax)];
  const py = [ask(y, ay)];
  // A PE removed behind x's cursor and one added ahead of it.
  const all = sorted(expected);
  const [gonePool, goneId] = all[5].split("/");
  t.ok(s.registrar.removePeerPoolElement(s.net.now, text(gonePool), Number(goneId)), "removed a PE x has seen");
  const late = newPoolElement(99999, PEER_OWNER, -1, sctpTransport(["192.0.2.10"], 7000), policy(), sctpTransport(["192.0.2.10"], 3863));
  t.equal(s.registrar.addPeerPoolElement(s.net.now, text("Pool2"), late, PEER_OWNER, 0), 0);
  s.driver.afterCommand();
  while ((px[px.length - 1].flags & ENRP_FLAG_MORE_TO_SEND) !== 0 && px.length < 20) px.push(ask(x, ax));
  while ((py[py.length - 1].flags & ENRP_FLAG_MORE_TO_SEND) !== 0 && py.length < 20) py.push(ask(y, ay));
  const kx = keys(px);
  const ky = keys(py);
  t.equal(new Set(kx).size, kx.length, "x: no PE twice");
  t.equal(new Set(ky).size, ky.length, "y: no PE twice");
  t.ok(kx.includes("Pool2/99999") && ky.includes("Pool2/99999"), "a PE added ahead of both cursors is seen by both");
  t.ok(kx.includes(all[5]), "x saw the removed PE before it went");
  t.equal(ky[0], all[0], "y's walk starts at the top although x was half-way: cursors are per association");
  t.equal(kx.length, 101, "x: the 100 PEs present when it began plus the late one");
  t.equal(px.length, 4, "x: 30 + 30 + 30 + 11");
});

t.test("hostile ENRP bytes are ignored; the association keeps working", async (t) => {
  const s = setup(0, 128);
  populate(s, 10);
  const dump = s.party("dump", "10.0.0.9");
  const a = s.attach(dump, ENRP_PORT);
  const rng = (() => {
    let x = 12345;
    return () => (x = (x * 1103515245 + 12345) >>> 0) >>> 16;
  })();
  const good = request(1, false);
  for (let i = 0; i < 500; i++) {
    const b = good.slice(0, 4 + (rng() % 12));
    for (let j = 0; j < b.length; j++) if (rng() % 4 === 0) b[j] = rng() & 0xff;
    if (b.length >= 4) b[0] = ENRP_HANDLE_TABLE_REQUEST;
    dump.run((c) => c.sendBytes(a, b, PPID_ENRP));
  }
  s.net.advance(50);
  t.ok(dump.client.up.has(a), "still up");
  const pages = walk(s, dump, a, 1, false);
  t.equal(keys(pages).length, 15, "a clean request still gets the whole table");
});
