import t from "tap";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_FLAG_HOME,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  PARAM_SCTP_TRANSPORT,
  PPID_ENRP,
  UPDATE_ACTION_ADD_PE,
  UPDATE_ACTION_DEL_PE,
  formatAddress,
  newPoolElement,
} from "../../core/wire/index.js";
import { DOWN_CLOSED } from "../../core/driver/machine.js";
import { pushTransmit } from "../../core/driver/output-queue.js";
import { createDriver } from "../../core/driver/driver.js";
import {
  createRegistrar,
  EVENT_REMOVED,
  EVENT_STARTED,
  EVENT_STOPPED,
  REMOVED_BY_PEER,
  REMOVED_EXPIRED,
  REMOVED_STOPPED,
} from "../../core/registrar/index.js";
import type { Registrar, RegistrarExtension } from "../../core/registrar/index.js";
import {
  OFFSETS,
  causes,
  deregistration,
  identifiers,
  policy,
  registration,
  resolution,
  scenario,
  sctpTransport,
  text,
} from "./fixture.js";

/** A stand-in for the ENRP module: records every hook call. */
class RecordingExtension implements RegistrarExtension {
  readonly calls: string[] = [];
  readonly updates: Array<{ action: number; identifier: number; handle: number[]; home: number; asap: string[] }> = [];
  readonly messages: Array<{ association: number; bytes: number[] }> = [];
  deadline = -1;
  timeouts: number[] = [];
  ready = true;
  constructor(readonly registrar: () => Registrar) {}
  start(now: number): boolean {
    this.calls.push(`start ${now}`);
    return this.ready;
  }
  stop(): void {
    this.calls.push("stop");
  }
  handleUpdate(_now: number, action: number, ref: number): void {
    const hs = this.registrar().handlespace;
    const transport = { type: 0, port: 0, transportUse: 0, serviceCode: 0, addresses: [] as Uint8Array[] };
    const asap = hs.readAsapTransport(ref, transport, { v4: [], v6: [] }) ? transport.addresses.map(formatAddress) : [];
    this.updates.push({
      action,
      identifier: hs.getIdentifier(ref),
      handle: Array.from(hs.getPoolHandle(ref)),
      home: hs.getHomeRegistrar(ref),
      asap,
    });
  }
  handleAssociationUp(_now: number, association: number): void {
    this.calls.push(`up ${association}`);
  }
  handleAssociationDown(_now: number, association: number): void {
    this.calls.push(`down ${association}`);
  }
  handleMessage(_now: number, association: number, _stream: number, bytes: Uint8Array): void {
    this.messages.push({ association, bytes: Array.from(bytes) });
    // Answer through the registrar's queues, as the ENRP module will.
    pushTransmit(this.registrar().transmits, association, 0, PPID_ENRP, Uint8Array.from([9, 9, 9, 9]));
  }
  handleDatagram(): void {
    this.calls.push("datagram");
  }
  handleTimeout(now: number): void {
    this.timeouts.push(now);
    this.deadline = -1;
  }
  pollTimeout(): number {
    return this.deadline;
  }
}

t.test("the ENRP hooks: ADD_PE / DEL_PE for owned PEs, ENRP traffic, timers", async (t) => {
  const s = scenario();
  const registrar = s.server.registrar;
  const extension = new RecordingExtension(() => registrar);
  registrar.setExtension(extension);
  const pe = s.party("pe", ["10.0.0.2", "10.1.0.2"]);
  const peer = s.party("peer", ["10.0.0.7"]);
  const a = s.attach(pe);
  pe.run((c) => {
    c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"]));
    c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"], policy(1)));
    c.sendMessage(a, registration("Pool", 2, ["10.0.0.2"]));
    c.sendMessage(a, deregistration("Pool", 2));
  });
  s.settle();
  t.same(
    extension.updates.map((u) => [u.action, u.identifier]),
    [[UPDATE_ACTION_ADD_PE, 1], [UPDATE_ACTION_ADD_PE, 1], [UPDATE_ACTION_ADD_PE, 2], [UPDATE_ACTION_DEL_PE, 2]],
    "registration, re-registration, registration, deregistration",
  );
  t.ok(extension.updates.every((u) => u.home === registrar.identifier), "home registrar id set on every update");
  t.same(extension.updates[0].asap, ["10.0.0.2", "10.1.0.2"], "the PE's ASAP transport: its association's addresses");
  t.same(extension.updates[0].handle, Array.from(text("Pool")));

  // ENRP association: routed to the extension, which answers on the queues.
  let e = 0;
  peer.run((c) => (e = c.connect(["10.0.0.1"], 9901)));
  s.network.runUntil(() => peer.client.up.has(e), 1000);
  peer.run((c) => c.sendBytes(e, Uint8Array.from([1, 0, 0, 4]), PPID_ENRP));
  s.settle();
  t.same(extension.messages.map((m) => m.bytes), [[1, 0, 0, 4]], "PPID 12 on the ENRP port reaches the hook");
  t.same(peer.client.received.map((r) => [r.ppid, Array.from(r.bytes)]), [[PPID_ENRP, [9, 9, 9, 9]]], "and its answer goes out");
  t.ok(extension.calls.some((c) => c.startsWith("up ")), "ENRP association up reported");

  // Timers: the extension's deadline is the registrar's.
  extension.deadline = s.network.now + 100;
  s.server.driver.afterCommand();
  s.network.advance(150);
  t.equal(extension.timeouts.length, 1, "the extension's timer fired once");

  // Association loss: DEL_PE for the remaining owned PE.
  pe.run((c) => c.abort(a));
  s.settle();
  t.same(extension.updates.slice(4).map((u) => [u.action, u.identifier]), [[UPDATE_ACTION_DEL_PE, 1]]);
  peer.run((c) => c.close(e));
  s.settle();
  t.ok(extension.calls.some((c) => c.startsWith("down ")), "ENRP association down reported");
});

for (const offset of OFFSETS) {
  t.test(`peer-owned PEs expire after their registration life (offset ${offset})`, async (t) => {
    const s = scenario({}, offset);
    const registrar = s.server.registrar;
    const extension = new RecordingExtension(() => registrar);
    registrar.setExtension(extension);
    const pu = s.party("pu", ["10.0.0.3"]);
    const start = s.network.now;
    const element = newPoolElement(77, 0xbeef, 8000, sctpTransport(["192.0.2.10"]), policy(), sctpTransport(["192.0.2.10"], 4000));
    t.equal(registrar.addPeerPoolElement(start, text("Remote"), element, 0xbeef, 0), 0, "accepted");
    s.server.driver.afterCommand();
    const b = s.attach(pu);
    pu.run((c) => c.sendMessage(b, resolution("Remote")));
    s.settle();
    const answer = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0];
    t.same(identifiers(answer), [77], "a PU sees the peer's PE");
    t.equal(answer.poolElements[0].homeRegistrarIdentifier, 0xbeef, "with its own home registrar");
    t.equal(extension.updates.length, 0, "no ADD_PE for a PE this registrar does not own");

    // A refresh (another ADD_PE from the peer) moves the expiry.
    s.network.advanceTo(start + 6000);
    registrar.addPeerPoolElement(s.network.now, text("Remote"), element, 0xbeef, 0);
    s.server.driver.afterCommand();
    s.network.advanceTo(start + 13900);
    t.equal(registrar.handlespace.count, 1, "refreshed at 6000: still there at 13900");
    s.network.advanceTo(start + 14100);
    t.equal(registrar.handlespace.count, 0, "expired at 14000");
    const removed = s.server.events.filter((e) => e.kind === EVENT_REMOVED);
    t.same(removed.map((e) => [e.identifier, e.cause, e.time - start]), [[77, REMOVED_EXPIRED, 14000]]);
    t.equal(extension.updates.length, 0, "no DEL_PE either");
  });
}

t.test("peers remove only their own PEs", async (t) => {
  const s = scenario();
  const registrar = s.server.registrar;
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const element = newPoolElement(2, 0xbeef, -1, sctpTransport(["192.0.2.10"]), policy(), sctpTransport(["192.0.2.10"]));
  t.equal(registrar.addPeerPoolElement(s.network.now, text("Pool"), element, 0xbeef, 0), 0);
  t.equal(registrar.removePeerPoolElement(s.network.now, text("Pool"), 1), false, "a peer cannot remove our PE");
  t.equal(registrar.removePeerPoolElement(s.network.now, text("Pool"), 3), false, "unknown");
  t.equal(registrar.removePeerPoolElement(s.network.now, text("Pool"), 2), true, "its own");
  s.server.driver.afterCommand();
  t.same(s.server.events.filter((e) => e.kind === EVENT_REMOVED).map((e) => [e.identifier, e.cause]), [[2, REMOVED_BY_PEER]]);
  t.equal(registrar.handlespace.count, 1);
  const forever = newPoolElement(3, 0xbeef, -1, sctpTransport(["192.0.2.10"]), policy(), sctpTransport(["192.0.2.10"]));
  registrar.addPeerPoolElement(s.network.now, text("Pool"), forever, 0xbeef, 0);
  const hs = registrar.handlespace;
  t.equal(hs.getDeadline(hs.find(text("Pool"), 3)), -1, "life -1 (infinite): no expiry");
  t.ok(hs.getDeadline(hs.find(text("Pool"), 1)) > s.network.now, "our own PE keeps its keep-alive deadline");
});

t.test("a PE whose home registrar died re-registers here and becomes ours", async (t) => {
  const s = scenario();
  const registrar = s.server.registrar;
  const pe = s.party("pe", ["10.0.0.2"]);
  const element = newPoolElement(5, 0xbeef, 30000, sctpTransport(["10.0.0.2"]), policy(), sctpTransport(["10.0.0.2"]));
  registrar.addPeerPoolElement(s.network.now, text("Pool"), element, 0xbeef, 0);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 5, ["10.0.0.2"])));
  s.settle();
  const hs = registrar.handlespace;
  const ref = hs.find(text("Pool"), 5);
  t.equal(causes(pe.client.messages(0x03)[0]).length, 0, "accepted");
  t.equal(hs.isHome(ref), true);
  t.equal(hs.getOwner(ref), registrar.identifier);
  t.equal(hs.getHomeRegistrar(ref), registrar.identifier);
  s.network.advance(5100);
  t.equal(pe.client.keepAlivesSeen, 1, "and is supervised by keep-alives now");
});

t.test("sendKeepAlive with the H flag (takeover) expects the ACK", async (t) => {
  const s = scenario();
  const registrar = s.server.registrar;
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pe);
  pe.client.autoAck.add(a);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const ref = registrar.handlespace.find(text("Pool"), 1);
  s.server.driver.run(() => registrar.sendKeepAlive(s.network.now, ref, true), null);
  s.settle();
  const keepAlive = pe.client.messages(ASAP_ENDPOINT_KEEP_ALIVE)[0];
  t.equal(keepAlive.flags & ASAP_FLAG_HOME, ASAP_FLAG_HOME, "H flag set");
  t.equal(registrar.statistics.keepAliveAcks, 1, "the ACK was taken");
  t.equal(pe.client.downs.length, 0);
});

t.test("stop closes every association and removes only owned PEs", async (t) => {
  const s = scenario();
  const registrar = s.server.registrar;
  const extension = new RecordingExtension(() => registrar);
  registrar.setExtension(extension);
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  const b = s.attach(pu);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const element = newPoolElement(2, 0xbeef, 60000, sctpTransport(["192.0.2.10"]), policy(), sctpTransport(["192.0.2.10"]));
  registrar.addPeerPoolElement(s.network.now, text("Pool"), element, 0xbeef, 0);
  s.server.driver.run(() => registrar.stop(s.network.now), null);
  s.settle();
  t.same(pe.client.downs.map((d) => d.reason), [DOWN_CLOSED], "the PE's association was shut down gracefully");
  t.same(pu.client.downs.map((d) => d.reason), [DOWN_CLOSED], "and the PU's");
  t.same(extension.updates.map((u) => [u.action, u.identifier]), [[UPDATE_ACTION_ADD_PE, 1], [UPDATE_ACTION_DEL_PE, 1]],
    "DEL_PE for the owned PE only");
  const removed = s.server.events.filter((e) => e.kind === EVENT_REMOVED);
  t.same(removed.map((e) => [e.identifier, e.cause]), [[1, REMOVED_STOPPED]]);
  t.equal(registrar.handlespace.find(text("Pool"), 2) >= 0, true, "the peer's PE is left alone");
  t.ok(extension.calls.includes("stop"), "the extension was stopped");
  t.equal(registrar.isRunning(), false);
  t.equal(registrar.pollTimeout(), -1, "no more timers");
  t.ok(s.server.events.some((e) => e.kind === EVENT_STOPPED));
  // Nothing answers any more: a new connect fails.
  let c = 0;
  pu.run((x) => (c = x.connect(["10.0.0.1"], 3863)));
  s.settle();
  t.equal(pu.client.up.has(c), false, "the listener is gone");
  t.equal(pu.client.up.has(b), false);
});

t.test("an extension can hold back the start-up (mentor phase) and the announces", async (t) => {
  const s = scenario();
  const listener = s.party("listener", ["10.0.0.9"]);
  listener.run((c) => c.joinGroup(1, "239.0.0.50", 3863));
  const platform = s.network.createPlatform(s.network.addHost("second", ["10.0.0.20"]));
  const registrar = createRegistrar({ random: (b) => platform.random(b), asapAnnounce: true });
  const extension = new RecordingExtension(() => registrar);
  extension.ready = false;
  registrar.setExtension(extension);
  const driver = createDriver(platform, registrar, {});
  driver.run(() => registrar.start(platform.now()), null);
  t.same(extension.calls, [`start ${platform.now()}`], "the extension was started");
  s.network.advance(5000);
  t.equal(listener.client.datagrams.length, 0, "no announce during start-up");
  driver.run(() => registrar.completeStartup(platform.now()), null);
  const done = s.network.now;
  s.network.advance(3000);
  const announces = listener.client.datagrams;
  t.ok(announces.length >= 3, `announces after completeStartup (${announces.length})`);
  t.ok(announces[0].time - done < 10, "the first one at once");
  t.equal(announces[0].message?.serverIdentifier, registrar.identifier);
});

for (const offset of OFFSETS) {
  t.test(`server announces: id, transports, interval 1000 ms +-12.5 % (offset ${offset})`, async (t) => {
    const s = scenario({ asapAnnounce: true, asapAddresses: ["10.0.0.1", "fd00::1"] }, offset);
    const listener = s.party("listener", ["10.0.0.9"]);
    listener.run((c) => c.joinGroup(1, "239.0.0.50", 3863));
    s.network.advance(60000);
    const announces = listener.client.datagrams;
    t.ok(announces.length >= 50 && announces.length <= 70, `${announces.length} announces in 60 s`);
    const m = announces[0].message;
    t.equal(m?.type, ASAP_SERVER_ANNOUNCE);
    t.equal(m?.serverIdentifier, s.server.registrar.identifier, "the registrar id");
    t.equal(m?.transports.length, 1, "one SCTP transport");
    t.equal(m?.transports[0].type, PARAM_SCTP_TRANSPORT);
    t.equal(m?.transports[0].port, 3863);
    t.same(m?.transports[0].addresses.map(formatAddress), ["10.0.0.1", "fd00::1"]);
    t.equal(announces[0].address, "10.0.0.1", "sent from the registrar's host");
    t.equal(announces[0].port, 3863, "from the ASAP port number (rsplib receivers use the UDP source)");
    const gaps = announces.slice(1).map((d, i) => d.time - announces[i].time);
    t.ok(gaps.every((g) => g >= 875 && g <= 1125), "every interval within 875 ... 1125 ms");
    t.ok(new Set(gaps).size > 5, "and randomised");
    t.equal(s.server.registrar.statistics.announcesSent, announces.length);
  });
}

t.test("announces without configured addresses carry the id only (as rsplib)", async (t) => {
  const s = scenario({ asapAnnounce: true });
  const listener = s.party("listener", ["10.0.0.9"]);
  listener.run((c) => c.joinGroup(1, "239.0.0.50", 3863));
  s.network.advance(1500);
  t.same(listener.client.datagrams[0].message?.transports, []);
  t.ok(s.server.events.some((e) => e.kind === EVENT_STARTED));
});
