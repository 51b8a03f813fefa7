// Address text form (RFC 4291 s2.2, RFC 5952) and policy names.

import t from "tap";
import * as W from "../../core/wire/index.js";
import { toHex } from "./vectors.js";
import { isIP } from "node:net";

t.test("parseAddress: IPv4", async (t) => {
  t.equal(toHex(W.parseAddress("127.0.0.1")!), "7f000001");
  t.equal(toHex(W.parseAddress("0.0.0.0")!), "00000000");
  t.equal(toHex(W.parseAddress("255.255.255.255")!), "ffffffff");
  for (const bad of ["", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "1.2.3.1234", "-1.2.3.4"]) {
    t.equal(W.parseAddress(bad), null, JSON.stringify(bad));
  }
});

t.test("parseAddress: IPv6", async (t) => {
  const cases: [string, string][] = [
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["1::", "00010000000000000000000000000000"],
    ["2001:db8::1", "20010db8000000000000000000000001"],
    ["2001:DB8:0:0:8:800:200C:417A", "20010db80000000000080800200c417a"],
    ["fe80::1:2", "fe800000000000000000000000010002"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["::ffff:1.2.3.4", "00000000000000000000ffff01020304"],
    ["::1.2.3.4", "00000000000000000000000001020304"],
    ["64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
  ];
  for (const [text, bytes] of cases) t.equal(toHex(W.parseAddress(text)!), bytes, text);
  const bad = [
    ":",
    ":::",
    "1:::2",
    "1::2::3",
    ":1::",
    "1:",
    "::1:",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "g::",
    "::ffff:1.2.3",
    "::ffff:1.2.3.4.5",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3.4:1",
    "fe80::1%eth0",
    "[::1]",
    "1:2:3:4:5:6:7:8::",
  ];
  for (const text of bad) t.equal(W.parseAddress(text), null, text);
  // Agreement with Node's parser on a sweep of generated texts.
  const parts = ["", "0", "1", "ffff", "12345", "::", ":", "1.2.3.4", "0:0"];
  let checked = 0;
  for (const a of parts) for (const b of parts) for (const c of parts) {
    const text = a + ":" + b + ":" + c;
    t.equal(W.parseAddress(text) !== null, isIP(text) === 6, text);
    checked++;
  }
  t.equal(checked, parts.length ** 3);
  // Four parts, with the IPv4 tail and "::" anywhere: agreement with Node, and the same bytes.
  const more = ["", "0", "a", "ffff", "12345", "::", ":", "1.2.3.4", "1:2:3:4", "1:2"];
  let agreed = 0;
  for (const a of more) for (const b of more) for (const c of more) for (const d of more) {
    const text = a + ":" + b + ":" + c + ":" + d;
    const bytes = W.parseAddress(text);
    if ((bytes !== null) !== (isIP(text) === 6)) t.fail(text);
    else agreed++;
  }
  t.equal(agreed, more.length ** 4, "every text parsed as Node parses it");
});

t.test("formatAddress (RFC 5952)", async (t) => {
  const cases: [string, string][] = [
    ["127.0.0.1", "127.0.0.1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero word stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["::ffff:10.1.2.3", "::ffff:10.1.2.3"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["fe80::abcd:0:0:1", "fe80::abcd:0:0:1"],
  ];
  for (const [text, formatted] of cases) t.equal(W.formatAddress(W.parseAddress(text)!), formatted, text);
  t.equal(W.formatAddress(new Uint8Array(5)), "");
  // Round trip over seeded random addresses, checked against Node's parser.
  let seed = 12345;
  for (let i = 0; i < 500; i++) {
    const a = new Uint8Array(i % 3 === 0 ? 4 : 16);
    for (let j = 0; j < a.length; j++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      a[j] = (seed >>> 16) % 5 === 0 ? 0 : (seed >>> 8) & 0xff;
    }
    const text = W.formatAddress(a);
    t.equal(isIP(text), a.length === 4 ? 4 : 6, text);
    t.equal(toHex(W.parseAddress(text)!), toHex(a), text);
  }
});

t.test("policy names", async (t) => {
  const table: [string, string, number][] = [
    ["RoundRobin", "rr", W.POLICY_ROUND_ROBIN],
    ["WeightedRoundRobin", "wrr", W.POLICY_WEIGHTED_ROUND_ROBIN],
    ["Random", "rand", W.POLICY_RANDOM],
    ["WeightedRandom", "wrand", W.POLICY_WEIGHTED_RANDOM],
    ["Priority", "prio", W.POLICY_PRIORITY],
    ["LeastUsed", "lu", W.POLICY_LEAST_USED],
    ["LeastUsedDegradation", "lud", W.POLICY_LEAST_USED_DEGRADATION],
    ["PriorityLeastUsed", "plu", W.POLICY_PRIORITY_LEAST_USED],
    ["RandomizedLeastUsed", "rlu", W.POLICY_RANDOMIZED_LEAST_USED],
    ["RandomizedPriorityLeastUsed", "rplu", W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED],
    ["RandomizedLeastUsedDegradation", "rlud", W.POLICY_RANDOMIZED_LEAST_USED_DEGRADATION],
    ["PriorityLeastUsedDegradation", "plud", W.POLICY_PRIORITY_LEAST_USED_DEGRADATION],
    ["RandomizedPriorityLeastUsedDegradation", "rplud", W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION],
    ["WeightedRandomDPF", "wrand-dpf", W.POLICY_WEIGHTED_RANDOM_DPF],
    ["LeastUsedDPF", "lu-dpf", W.POLICY_LEAST_USED_DPF],
    ["LeastUsedDegradationDPF", "lud-dpf", W.POLICY_LEAST_USED_DEGRADATION_DPF],
    ["PriorityLeastUsedDPF", "plu-dpf", W.POLICY_PRIORITY_LEAST_USED_DPF],
    ["PriorityLeastUsedDegradationDPF", "plud-dpf", W.POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF],
  ];
  for (const [name, short, type] of table) {
    t.equal(W.policyName(type), name);
    t.equal(W.policyTypeByName(name), type, name);
    t.equal(W.policyTypeByName(name.toUpperCase()), type, name.toUpperCase());
    t.equal(W.policyTypeByName(short), type, short);
    t.equal(W.policyTypeByName(short.toUpperCase()), type, short.toUpperCase());
    t.ok(W.policyValueLength(type) >= 0, "encodable: " + name);
  }
  for (const bad of ["", "roundrobin ", "round-robin", "x", "wrand_dpf"]) t.equal(W.policyTypeByName(bad), 0, JSON.stringify(bad));
  t.equal(W.policyTypeByName(undefined as unknown as string), 0);
  t.equal(W.policyName(0), "");
  t.equal(W.policyName(0xb0001005), "");
  t.equal(W.policyValueLength(0xb0001005), -1);
});
