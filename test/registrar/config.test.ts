import t from "tap";
import {
  SCOPE_GLOBAL,
  SCOPE_LINK_LOCAL,
  SCOPE_LOOPBACK,
  SCOPE_NONE,
  SCOPE_SITE_LOCAL,
  addressScope,
  createRegistrar,
  defaultRegistrarConfig,
  filterAddresses,
  sameAddress,
  scopeByName,
  validateRegistrarConfig,
} from "../../core/registrar/index.js";
import { parseAddress } from "../../core/wire/index.js";
import { SeededRandom } from "../support/virtual-platform.js";

const random = (into: Uint8Array): void => new SeededRandom(3).fill(into);

t.test("defaults are rsplib's, with the IANA ASAP port", async (t) => {
  const c = defaultRegistrarConfig();
  t.equal(c.asapPort, 3863, "not a random port");
  t.equal(c.enrpPort, 9901);
  t.equal(c.keepAliveTransmissionIntervalMs, 5000);
  t.equal(c.keepAliveTimeoutIntervalMs, 5000);
  t.equal(c.maxBadPeReports, 3);
  t.equal(c.maxHandleResolutionItems, 3);
  t.equal(c.maxIncrement, 0);
  t.equal(c.minAddressScope, "sitelocal");
  t.equal(c.serverAnnounceCycleMs, 1000);
  t.equal(c.announceAddress, "239.0.0.50");
  t.equal(c.announcePort, 3863);
  t.equal(c.announceTtl, 30);
  t.equal(c.asapAnnounce, true);
  t.equal(c.autoCloseTimeoutMs, 300000);
  t.equal(c.distanceStepMs, 50);
  t.equal(c.mentorDiscoveryTimeoutMs, 5000);
  t.equal(c.peerHeartbeatCycleMs, 2444);
  t.equal(c.peerMaxTimeLastHeardMs, 5000);
  t.equal(c.peerMaxTimeNoResponseMs, 5000);
  t.equal(c.takeoverExpiryIntervalMs, 5000);
  t.equal(c.maxElementsPerHandleTableRequest, 128);
  t.equal(c.enrpAnnounceAddress, "239.0.0.51");
  t.ok(c.maxHandleResolutionRate > 0 && c.maxEndpointUnreachableRate > 0, "abuse limits on by default");
  t.not(defaultRegistrarConfig(), c, "a fresh object each time");
});

t.test("numbers are clamped into rsplib's ranges", async (t) => {
  const c = validateRegistrarConfig({
    random,
    serverAnnounceCycleMs: 5,
    keepAliveTransmissionIntervalMs: 10 ** 9,
    keepAliveTimeoutIntervalMs: 1,
    maxBadPeReports: 0,
    maxHandleResolutionItems: 1000,
    announceTtl: 999,
    autoCloseTimeoutMs: 1000,
    mentorDiscoveryTimeoutMs: 100,
    peerHeartbeatCycleMs: 1e9,
    maxPoolHandleLength: 1000,
    identifier: 12.7,
  });
  t.equal(c.serverAnnounceCycleMs, 100);
  t.equal(c.keepAliveTransmissionIntervalMs, 300000);
  t.equal(c.keepAliveTimeoutIntervalMs, 100);
  t.equal(c.maxBadPeReports, 1);
  t.equal(c.maxHandleResolutionItems, 128);
  t.equal(c.announceTtl, 255);
  t.equal(c.autoCloseTimeoutMs, 5000, "autoclose at least 5 s");
  t.equal(c.mentorDiscoveryTimeoutMs, 1000);
  t.equal(c.peerHeartbeatCycleMs, 300000);
  t.equal(c.maxPoolHandleLength, 255);
  t.equal(c.identifier, 12);
  t.equal(validateRegistrarConfig({ random, autoCloseTimeoutMs: 0 }).autoCloseTimeoutMs, 0, "0 turns autoclose off");
  t.equal(validateRegistrarConfig({ random, minAddressScope: "GLOBAL" }).minAddressScope, "global");
});

t.test("bad values throw a TypeError naming the option", async (t) => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ["random", {}],
    ["asapPort", { random, asapPort: "3863" }],
    ["maxBadPeReports", { random, maxBadPeReports: NaN }],
    ["asapAnnounce", { random, asapAnnounce: 1 }],
    ["asapAddresses", { random, asapAddresses: ["10.0.0.300"] }],
    ["asapAddresses", { random, asapAddresses: "10.0.0.1" }],
    ["asapTransports", { random, asapTransports: [3] }],
    ["announceAddress", { random, announceAddress: "10.0.0.1" }],
    ["enrpAnnounceAddress", { random, enrpAnnounceAddress: "bogus" }],
    ["minAddressScope", { random, minAddressScope: "planet" }],
    ["minAddressScope", { random, minAddressScope: "" }],
    ["keepAliveIntervall", { random, keepAliveIntervall: 5 }],
  ];
  for (const [name, options] of bad) {
    t.throws(() => validateRegistrarConfig(options as never), { name: "TypeError", message: new RegExp(name) }, name);
  }
  t.throws(() => createRegistrar({ random, maxBadPeReports: NaN }), TypeError, "createRegistrar validates too");
});

t.test("the registrar identifier: random non-zero from the injected source, or configured", async (t) => {
  const fixed = createRegistrar({ random, identifier: 0x12345678 });
  t.equal(fixed.identifier, 0x12345678);
  let calls = 0;
  const zeros = (into: Uint8Array): void => {
    calls++;
    into.fill(calls < 2 ? 0 : 0x5a);
  };
  const drawn = createRegistrar({ random: zeros });
  t.equal(drawn.identifier, 0x5a5a5a5a, "zero is never used: drawn again");
  const a = createRegistrar({ random: (b) => new SeededRandom(1).fill(b) });
  const b = createRegistrar({ random: (b) => new SeededRandom(1).fill(b) });
  const c = createRegistrar({ random: (b) => new SeededRandom(2).fill(b) });
  t.equal(a.identifier, b.identifier, "deterministic for one seed");
  t.not(a.identifier, c.identifier);
  t.ok(a.identifier > 0 && a.identifier <= 0xffffffff);
});

t.test("address scopes", async (t) => {
  const cases: Array<[string, number]> = [
    ["0.0.0.0", SCOPE_NONE],
    ["224.0.0.1", SCOPE_NONE],
    ["239.0.0.50", SCOPE_NONE],
    ["255.255.255.255", SCOPE_NONE],
    ["240.0.0.1", SCOPE_NONE],
    ["127.0.0.1", SCOPE_LOOPBACK],
    ["127.255.0.9", SCOPE_LOOPBACK],
    ["169.254.3.4", SCOPE_LINK_LOCAL],
    ["10.1.2.3", SCOPE_SITE_LOCAL],
    ["172.16.0.1", SCOPE_SITE_LOCAL],
    ["172.31.255.1", SCOPE_SITE_LOCAL],
    ["172.32.0.1", SCOPE_GLOBAL],
    ["192.168.1.1", SCOPE_SITE_LOCAL],
    ["100.64.0.1", SCOPE_SITE_LOCAL],
    ["100.128.0.1", SCOPE_GLOBAL],
    ["8.8.8.8", SCOPE_GLOBAL],
    ["::", SCOPE_NONE],
    ["::1", SCOPE_LOOPBACK],
    ["ff02::1", SCOPE_NONE],
    ["fe80::1", SCOPE_LINK_LOCAL],
    ["febf::1", SCOPE_LINK_LOCAL],
    ["fec0::1", SCOPE_SITE_LOCAL],
    ["fd00::1", SCOPE_SITE_LOCAL],
    ["fc00::1", SCOPE_SITE_LOCAL],
    ["2001:db8::1", SCOPE_GLOBAL],
    ["::ffff:127.0.0.1", SCOPE_LOOPBACK],
    ["::ffff:10.0.0.1", SCOPE_SITE_LOCAL],
    ["::ffff:8.8.4.4", SCOPE_GLOBAL],
    ["::2", SCOPE_GLOBAL],
  ];
  for (const [text, scope] of cases) t.equal(addressScope(parseAddress(text) as Uint8Array), scope, text);
  t.equal(addressScope(new Uint8Array(5)), SCOPE_NONE, "a bad length has no scope");
  t.equal(scopeByName("loopback"), SCOPE_LOOPBACK);
  t.equal(scopeByName("linklocal"), SCOPE_LINK_LOCAL);
  t.equal(scopeByName("sitelocal"), SCOPE_SITE_LOCAL);
  t.equal(scopeByName("global"), SCOPE_GLOBAL);
  t.equal(scopeByName("none"), -1);
});

t.test("address comparison and the anti-spoofing filter", async (t) => {
  const p = (x: string): Uint8Array => parseAddress(x) as Uint8Array;
  t.ok(sameAddress(p("10.0.0.1"), p("::ffff:10.0.0.1")), "IPv4-mapped equals IPv4");
  t.ok(sameAddress(p("::ffff:10.0.0.1"), p("10.0.0.1")));
  t.notOk(sameAddress(p("10.0.0.1"), p("10.0.0.2")));
  t.notOk(sameAddress(p("10.0.0.1"), p("fd00::1")));
  t.ok(sameAddress(p("fd00::1"), p("fd00:0::1")));
  const out: Uint8Array[] = [];
  const result = { belowScope: 0, foreign: 0 };
  const allowed = [p("10.0.0.2"), p("127.0.0.1"), p("fd00::2")];
  filterAddresses([p("::ffff:10.0.0.2"), p("127.0.0.1"), p("192.0.2.1"), p("fd00::2")], allowed, SCOPE_SITE_LOCAL, false, out, result);
  t.equal(out.length, 2);
  t.same(result, { belowScope: 1, foreign: 1 });
  filterAddresses([p("fd00::2"), p("10.0.0.2")], allowed, SCOPE_SITE_LOCAL, true, out, result);
  t.equal(out.length, 1, "IPv6 refused when disabled");
  t.same(result, { belowScope: 1, foreign: 0 });
});
