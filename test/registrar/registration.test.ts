import t from "tap";
import {
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_FLAG_REJECT,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION_RESPONSE,
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_NON_UNIQUE_PE_IDENTIFIER,
  CAUSE_REJECTED_SECURITY,
  CAUSE_UNKNOWN_POOL_HANDLE,
  POLICY_LEAST_USED,
  POLICY_ROUND_ROBIN,
  POLICY_WEIGHTED_ROUND_ROBIN,
  formatAddress,
} from "../../core/wire/index.js";
import {
  EVENT_DEREGISTERED,
  EVENT_REGISTERED,
  EVENT_REGISTRATION_REJECTED,
  EVENT_REREGISTERED,
} from "../../core/registrar/index.js";
import {
  REGISTRAR_ADDRESS,
  bytesOf,
  causes,
  deregistration,
  identifiers,
  policy,
  registration,
  resolution,
  scenario,
  text,
} from "./fixture.js";

t.test("a PE registers and a PU resolves it", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const peAssociation = s.attach(pe);
  pe.run((c) => c.sendMessage(peAssociation, registration("EchoPool", 0x1234, ["10.0.0.2"])));
  s.settle();

  const responses = pe.client.messages(ASAP_REGISTRATION_RESPONSE);
  t.equal(responses.length, 1, "the PE got one registration response");
  t.equal(responses[0].flags & ASAP_FLAG_REJECT, 0, "not rejected");
  t.equal(responses[0].peIdentifier, 0x1234);
  t.same(bytesOf(responses[0].poolHandle), bytesOf(text("EchoPool")));
  t.same(causes(responses[0]), [], "no operation error");

  const puAssociation = s.attach(pu);
  pu.run((c) => c.sendMessage(puAssociation, resolution("EchoPool")));
  s.settle();
  const answers = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
  t.equal(answers.length, 1, "the PU got one answer");
  t.same(identifiers(answers[0]), [0x1234]);
  const element = answers[0].poolElements[0];
  t.equal(element.homeRegistrarIdentifier, s.server.registrar.identifier, "the registrar is the PE's home");
  t.same(element.userTransport.addresses.map(formatAddress), ["10.0.0.2"]);
  t.equal(element.userTransport.port, 9000);
  t.equal(answers[0].policy?.type, POLICY_ROUND_ROBIN, "overall policy from the first PE");
  t.same(bytesOf(answers[0].poolHandle), bytesOf(text("EchoPool")));

  const kinds = s.server.events.filter((e) => e.kind === EVENT_REGISTERED);
  t.equal(kinds.length, 1, "the registrar reported the registration");
  t.equal(kinds[0].identifier, 0x1234);
  t.equal(s.server.registrar.statistics.registrations, 1);
  t.equal(s.server.registrar.statistics.handleResolutions, 1);
  t.same(s.server.errors, [], "no driver errors");

  pu.run((c) => c.sendMessage(puAssociation, resolution("NoSuchPool")));
  s.settle();
  const unknown = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[1];
  t.same(causes(unknown), [CAUSE_UNKNOWN_POOL_HANDLE], "an unknown pool is Operation Error 0x9");
  t.same(unknown.poolElements, []);
});

t.test("resolution returns k PEs: the option's count, else the default 3, capped at 128", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  for (let id = 1; id <= 130; id++) pe.run((c) => c.sendMessage(a, registration("Big", id, ["10.0.0.2"])));
  s.settle();
  t.equal(pe.client.messages(ASAP_REGISTRATION_RESPONSE).filter((m) => m.flags === 0).length, 128,
    "128 accepted (per-association cap)");
  t.same(causes(pe.client.messages(ASAP_REGISTRATION_RESPONSE)[128]), [CAUSE_LACK_OF_RESOURCES],
    "the 129th is refused with 0x6");
  const b = s.attach(pu);
  pu.run((c) => {
    c.sendMessage(b, resolution("Big"));
    c.sendMessage(b, resolution("Big", 7));
    c.sendMessage(b, resolution("Big", 0xffffffff));
    c.sendMessage(b, resolution("Big", 1000));
  });
  s.settle();
  const answers = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
  t.same(answers.map((m) => m.poolElements.length), [3, 7, 128, 128]);
  t.same(identifiers(answers[0]), [1, 2, 3], "round robin starts at the oldest");
  t.same(identifiers(answers[1]).slice(0, 2), [2, 3], "max increment 1: the pointer moved by one");
});

t.test("re-registration updates the policy fields in place", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Load", 7, ["10.0.0.2"], policy(POLICY_LEAST_USED, { load: 100 }))));
  pe.run((c) => c.sendMessage(a, registration("Load", 8, ["10.0.0.2"], policy(POLICY_LEAST_USED, { load: 200 }))));
  s.settle();
  const b = s.attach(pu);
  pu.run((c) => c.sendMessage(b, resolution("Load", 1)));
  s.settle();
  t.same(identifiers(pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [7], "least used: load 100 first");

  pe.run((c) => c.sendMessage(a, registration("Load", 7, ["10.0.0.2"], policy(POLICY_LEAST_USED, { load: 300 }))));
  s.settle();
  pu.run((c) => c.sendMessage(b, resolution("Load", 2)));
  s.settle();
  const second = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[1];
  t.same(identifiers(second), [8, 7], "after the update PE 8 (200) comes before PE 7 (300)");
  t.same(second.poolElements.map((e) => e.policy.load), [200, 300], "the new load is what the PU sees");
  t.equal(s.server.registrar.handlespace.count, 2, "updated in place, not added");
  t.equal(s.server.registrar.statistics.reregistrations, 1);
  t.equal(s.server.events.filter((e) => e.kind === EVENT_REREGISTERED).length, 1);
  t.same(pe.client.messages(ASAP_REGISTRATION_RESPONSE).map((m) => m.flags), [0, 0, 0]);
});

t.test("deregistration is answered and idempotent", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  pe.run((c) => c.sendMessage(a, deregistration("Pool", 1)));
  s.settle();
  pe.run((c) => c.sendMessage(a, deregistration("Pool", 1)));
  s.settle();
  const responses = pe.client.messages(ASAP_DEREGISTRATION_RESPONSE);
  t.equal(responses.length, 2, "both deregistrations answered");
  t.same(responses.map((m) => [m.peIdentifier, causes(m)]), [[1, []], [1, []]], "OK both times");
  t.equal(s.server.events.filter((e) => e.kind === EVENT_DEREGISTERED).length, 1, "removed once");
  const b = s.attach(pu);
  pu.run((c) => c.sendMessage(b, resolution("Pool")));
  s.settle();
  t.same(causes(pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [CAUSE_UNKNOWN_POOL_HANDLE], "the pool is gone");
});

t.test("only the registering association may deregister a PE", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const rogue = s.party("rogue", ["10.0.0.9"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const r = s.attach(rogue);
  rogue.run((c) => c.sendMessage(r, deregistration("Pool", 1)));
  rogue.run((c) => c.sendMessage(r, registration("Pool", 1, ["10.0.0.9"])));
  s.settle();
  t.same(causes(rogue.client.messages(ASAP_DEREGISTRATION_RESPONSE)[0]), [CAUSE_REJECTED_SECURITY],
    "a foreign deregistration is refused (0xa)");
  const hijack = rogue.client.messages(ASAP_REGISTRATION_RESPONSE)[0];
  t.equal(hijack.flags & ASAP_FLAG_REJECT, ASAP_FLAG_REJECT);
  t.same(causes(hijack), [CAUSE_NON_UNIQUE_PE_IDENTIFIER], "taking over a live PE's identifier is 0x4");
  const hs = s.server.registrar.handlespace;
  const ref = hs.find(text("Pool"), 1);
  t.ok(ref >= 0, "the PE is still registered");
  const registered = s.server.events.find((e) => e.kind === EVENT_REGISTERED);
  t.equal(hs.getAssociation(ref), registered?.association, "on its own association");
});

t.test("anti-spoofing keeps only the association's own addresses", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2", "10.1.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => {
    c.sendMessage(a, registration("Mixed", 1, ["10.0.0.2", "192.0.2.66", "10.1.0.2"]));
    c.sendMessage(a, registration("Spoof", 2, ["192.0.2.66", "198.51.100.7"]));
  });
  s.settle();
  const [mixed, spoof] = pe.client.messages(ASAP_REGISTRATION_RESPONSE);
  t.equal(mixed.flags, 0, "a partly foreign list is accepted");
  t.equal(spoof.flags & ASAP_FLAG_REJECT, ASAP_FLAG_REJECT, "an all-foreign list is rejected");
  t.same(causes(spoof), [CAUSE_REJECTED_SECURITY], "with cause 0xa (rejected due to security considerations)");
  const rejected = s.server.events.filter((e) => e.kind === EVENT_REGISTRATION_REJECTED);
  t.same(rejected.map((e) => [e.identifier, e.cause]), [[2, CAUSE_REJECTED_SECURITY]]);
  const b = s.attach(pu);
  pu.run((c) => c.sendMessage(b, resolution("Mixed")));
  s.settle();
  const answer = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0];
  t.same(answer.poolElements[0].userTransport.addresses.map(formatAddress), ["10.0.0.2", "10.1.0.2"],
    "the foreign address was dropped, the PE's own kept in order");
  const asap = answer.poolElements[0].asapTransport;
  t.equal(asap, null, "the ASAP transport is not sent to PUs");
  const ref = s.server.registrar.handlespace.find(text("Mixed"), 1);
  t.equal(s.server.registrar.handlespace.getHomeRegistrar(ref), s.server.registrar.identifier);
});

t.test("addresses below the minimum scope are refused with 0x3", async (t) => {
  const s = scenario({ minAddressScope: "global" });
  const pe = s.party("pe", ["10.0.0.2", "203.0.113.5"]);
  const a = s.attach(pe);
  pe.run((c) => {
    c.sendMessage(a, registration("Private", 1, ["10.0.0.2"]));
    c.sendMessage(a, registration("Public", 2, ["10.0.0.2", "203.0.113.5"]));
  });
  s.settle();
  const [priv, pub] = pe.client.messages(ASAP_REGISTRATION_RESPONSE);
  t.same(causes(priv), [CAUSE_INVALID_VALUES], "site-local only, minimum global: invalid values");
  t.equal(pub.flags, 0);
  const hs = s.server.registrar.handlespace;
  t.equal(hs.find(text("Private"), 1), -1);
  t.ok(hs.find(text("Public"), 2) >= 0);
});

t.test("loopback PEs register when the minimum scope allows it", async (t) => {
  for (const [scope, accepted] of [["loopback", true], ["sitelocal", false]] as const) {
    const s = scenario({ minAddressScope: scope });
    const pe = s.party("pe", ["127.0.0.2"]);
    const a = s.attach(pe);
    pe.run((c) => c.sendMessage(a, registration("Local", 1, ["127.0.0.2"])));
    s.settle();
    const response = pe.client.messages(ASAP_REGISTRATION_RESPONSE)[0];
    t.equal(response.flags === 0, accepted, `minimum ${scope}`);
  }
});

t.test("a PE with another policy than the pool's is refused with 0x5", async (t) => {
  const s = scenario();
  const first = s.party("first", ["10.0.0.2"]);
  const second = s.party("second", ["10.0.0.4"]);
  const a = s.attach(first);
  first.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"], policy(POLICY_ROUND_ROBIN))));
  s.settle();
  const b = s.attach(second);
  second.run((c) => c.sendMessage(b, registration("Pool", 2, ["10.0.0.4"], policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 5 }))));
  s.settle();
  const response = second.client.messages(ASAP_REGISTRATION_RESPONSE)[0];
  t.equal(response.flags & ASAP_FLAG_REJECT, ASAP_FLAG_REJECT, "R flag");
  t.same(causes(response), [CAUSE_INCONSISTENT_POLICY]);
  const cause = response.error?.causes[0];
  t.equal(cause?.policy?.type, POLICY_WEIGHTED_ROUND_ROBIN, "the cause carries the offending policy parameter");
  t.equal(cause?.policy?.weight, 5);
  t.equal(response.peIdentifier, 2);
  t.equal(s.server.registrar.handlespace.count, 1, "only the first PE is registered");
  t.equal(first.client.received.length, 1, "the first PE saw only its own response");
});

t.test("a registration that carries an ASAP transport is refused with 0x3", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pe);
  const m = registration("Pool", 1, ["10.0.0.2"]);
  m.poolElements[0].asapTransport = m.poolElements[0].userTransport;
  pe.run((c) => c.sendMessage(a, m));
  s.settle();
  t.same(causes(pe.client.messages(ASAP_REGISTRATION_RESPONSE)[0]), [CAUSE_INVALID_VALUES]);
});

t.test("the registrar listens on ASAP port 3863 and ENRP port 9901 by default", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  t.equal(s.server.registrar.config.asapPort, 3863);
  t.equal(s.server.registrar.config.enrpPort, 9901);
  t.ok(s.attach(pe) > 0, "a connect to " + REGISTRAR_ADDRESS + ":3863 comes up");
});
