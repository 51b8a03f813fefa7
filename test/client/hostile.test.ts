// Hostile input: random and mutated bytes on the registrar association, the
// announce socket and session control channels, and inputs for association
// numbers the machine never used. Nothing throws, nothing leaks, and the
// machine still works afterwards.
import t from "tap";
import { createClient } from "../../core/client/client.js";
import type { Client } from "../../core/client/client.js";
import { ACTION_CONNECT, LISTENER_NONE } from "../../core/driver/machine.js";
import type { MachineAction } from "../../core/driver/machine.js";
import { EVENT_DATA, EVENT_RESOLVED, EVENT_SESSION_ACCEPTED } from "../../core/client/events.js";
import type { ClientEvent } from "../../core/client/events.js";
import {
  ASAP_BUSINESS_CARD,
  ASAP_COOKIE,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  PPID_ASAP,
} from "../../core/wire/constants.js";
import { createWriter, encodeAsap, newAsapMessage, newPolicy, newPoolElement, newTransport } from "../../core/wire/index.js";
import { SeededRandom } from "../support/virtual-clock.js";

function drain(c: Client): { actions: MachineAction[]; events: ClientEvent[]; transmits: number } {
  const actions: MachineAction[] = [];
  const events: ClientEvent[] = [];
  let transmits = 0;
  while (c.pollTransmit() !== null) transmits++;
  for (let a = c.pollAction(); a !== null; a = c.pollAction()) actions.push({ ...a });
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) events.push({ ...e });
  return { actions, events, transmits };
}

function validMessages(): Uint8Array[] {
  const w = createWriter(256);
  const out: Uint8Array[] = [];
  const h = Uint8Array.of(80);
  const pe = newPoolElement(7, 1, 1000, newTransport(4, 7000, 0, [Uint8Array.of(10, 0, 0, 9)]), newPolicy(1), null);
  for (const type of [ASAP_REGISTRATION_RESPONSE, ASAP_HANDLE_RESOLUTION_RESPONSE, ASAP_ENDPOINT_KEEP_ALIVE, ASAP_COOKIE, ASAP_BUSINESS_CARD, ASAP_SERVER_ANNOUNCE]) {
    const m = newAsapMessage(type);
    m.poolHandle = h;
    m.peIdentifier = 7;
    m.serverIdentifier = 3;
    m.cookie = Uint8Array.of(1, 2, 3);
    if (type === ASAP_HANDLE_RESOLUTION_RESPONSE || type === ASAP_BUSINESS_CARD) m.poolElements.push(pe);
    if (type === ASAP_COOKIE || type === ASAP_SERVER_ANNOUNCE) m.poolHandle = null;
    if (type === ASAP_COOKIE || type === ASAP_SERVER_ANNOUNCE) m.peIdentifier = null;
    out.push(encodeAsap(w, m).slice());
  }
  return out;
}

t.test("random and mutated bytes everywhere, then a normal request still works", async (t) => {
  const rng = new SeededRandom(42);
  const c = createClient({ random: (b) => rng.fill(b), registrars: [{ addresses: ["10.0.0.1"], port: 3863 }] });
  c.start(0);
  let out = drain(c);
  const connect = out.actions.find((a) => a.kind === ACTION_CONNECT) as MachineAction;
  const registrar = connect.association;
  c.handleAssociationUp(1, registrar, ["10.0.0.1"], 3863, LISTENER_NONE);
  // A PE-side session on listener 1 (association 3).
  c.listen(1, { port: 7000 });
  c.handleAssociationUp(1, 3, ["10.0.9.9"], 5000, 1);
  out = drain(c);
  t.equal(out.events.filter((e) => e.kind === EVENT_SESSION_ACCEPTED).length, 1);
  const valid = validMessages();
  let now = 2;
  for (let i = 0; i < 20000; i++) {
    let bytes: Uint8Array;
    const pick = rng.nextInt(3);
    if (pick === 0) {
      bytes = new Uint8Array(rng.nextInt(64));
      rng.fill(bytes);
    } else {
      bytes = valid[rng.nextInt(valid.length)].slice();
      if (pick === 1) bytes = bytes.subarray(0, rng.nextInt(bytes.length + 1)); // truncated
      else for (let k = 0; k < 3; k++) bytes[rng.nextInt(bytes.length)] = rng.nextInt(256); // flipped
    }
    const where = rng.nextInt(5);
    if (where === 0) c.handleMessage(now, registrar, 0, PPID_ASAP, bytes);
    else if (where === 1) c.handleDatagram(now, 0, bytes, "10.0.0.7", 3863);
    else if (where === 2) c.handleMessage(now, 3, 0, PPID_ASAP, bytes);
    else if (where === 3) c.handleMessage(now, 99, 0, PPID_ASAP, bytes); // never used
    else c.handleMessage(now, 3, 1, 38, bytes); // application data
    now++;
    drain(c);
  }
  t.pass("nothing threw");
  c.handleAssociationDown(now, 98, 0); // never used
  c.handleAssociationDown(now, 97, 0);
  t.equal(c.state.freeNumbers_.length, 0, "unknown numbers do not enter the free list");
  t.ok(c.state.candidates_.length <= c.state.config_.maxRegistrars, "announce table bounded");
  t.ok(c.state.cache_.count <= c.state.config_.maxCacheElements);
  // Still working: a resolution goes out and its answer comes back as an event.
  const rq = c.resolve(now, "P", { staleAfterMs: 0 });
  out = drain(c);
  t.equal(out.transmits, 1, "request sent");
  const w = createWriter(64);
  const m = newAsapMessage(ASAP_HANDLE_RESOLUTION_RESPONSE);
  m.poolHandle = Uint8Array.of(80);
  m.poolElements.push(newPoolElement(5, 1, 1000, newTransport(4, 7000, 0, [Uint8Array.of(10, 0, 0, 5)]), newPolicy(1), null));
  c.handleMessage(now + 1, registrar, 0, PPID_ASAP, encodeAsap(w, m));
  out = drain(c);
  const r = out.events.find((e) => e.kind === EVENT_RESOLVED && e.request === rq);
  t.equal(r?.poolElements[0]?.identifier, 5);
  c.handleMessage(now + 2, 3, 1, 38, Uint8Array.of(1));
  t.equal(drain(c).events[0]?.kind, EVENT_DATA, "the session still delivers data");
});
