// One instance of every ASAP and ENRP message type, every parameter type and
// every selection policy, in the JSON form of platform/node/wire-json.ts.
// Shared by the CLI, oracle and fuzz tests (this module holds no tests).

import type { Json, JsonObject } from "../../platform/node/wire-json.js";

export interface Sample {
  /** Unique, readable. */
  name: string;
  /** Oracle tag: asap, enrp, or asap/udp for SERVER_ANNOUNCE. */
  tag: string;
  json: JsonObject;
}

export function sctp(port: number, addresses: string[], transportUse = 0): JsonObject {
  return { type: "sctp", port, transportUse, addresses };
}

/** Policy fields per type, as RFC 5356 and rsplib carry them (all in one table). */
export const POLICIES: { name: string; code: number; fields: JsonObject }[] = [
  { name: "RoundRobin", code: 0x00000001, fields: {} },
  { name: "WeightedRoundRobin", code: 0x00000002, fields: { weight: 7 } },
  { name: "Random", code: 0x00000003, fields: {} },
  { name: "WeightedRandom", code: 0x00000004, fields: { weight: 100 } },
  { name: "Priority", code: 0x00000005, fields: { priority: 3 } },
  { name: "LeastUsed", code: 0x40000001, fields: { load: 0x40000000 } },
  { name: "LeastUsedDegradation", code: 0x40000002, fields: { load: 0x20000000, loadDegradation: 0x01000000 } },
  { name: "PriorityLeastUsed", code: 0x40000003, fields: { load: 0x20000000, loadDegradation: 0x02000000 } },
  { name: "RandomizedLeastUsed", code: 0x40000004, fields: { load: 0x80000000 } },
  { name: "RandomizedPriorityLeastUsed", code: 0xb0001001, fields: { load: 0x10000000, loadDegradation: 0x00100000 } },
  { name: "RandomizedLeastUsedDegradation", code: 0xb0001002, fields: { load: 0x10000000, loadDegradation: 0x00200000 } },
  { name: "PriorityLeastUsedDegradation", code: 0xb0001003, fields: { load: 0x10000000, loadDegradation: 0x00300000 } },
  { name: "RandomizedPriorityLeastUsedDegradation", code: 0xb0001004, fields: { load: 0x10000000, loadDegradation: 0x00400000 } },
  { name: "WeightedRandomDPF", code: 0xb0002001, fields: { weight: 50, weightDpf: 0x01000000, distance: 25 } },
  { name: "LeastUsedDPF", code: 0xb0002002, fields: { load: 0x30000000, loadDpf: 0x00010000, distance: 50 } },
  { name: "LeastUsedDegradationDPF", code: 0xb0002003, fields: { load: 0x30000000, loadDegradation: 0x00100000, loadDpf: 0x00010000, distance: 50 } },
  { name: "PriorityLeastUsedDPF", code: 0xb0002004, fields: { load: 0x30000000, loadDegradation: 0x00100000, loadDpf: 0x00010000, distance: 50 } },
  { name: "PriorityLeastUsedDegradationDPF", code: 0xb0002005, fields: { load: 0x30000000, loadDegradation: 0x00100000, loadDpf: 0x00010000, distance: 50 } },
];

function policy(name: string): JsonObject {
  const p = POLICIES.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no policy ${name}`);
  return { type: p.name, ...p.fields };
}

function poolElement(id: number, userTransport: JsonObject, pol: JsonObject, asapTransport: JsonObject | null = null): JsonObject {
  return { identifier: id, homeRegistrarIdentifier: 0x0a0b0c0d, registrationLife: 30000, userTransport, policy: pol, asapTransport };
}

const PE_SCTP = poolElement(0x11111111, sctp(7, ["192.0.2.1", "2001:db8::1"], 1), policy("RoundRobin"));

function asap(name: string, json: JsonObject, tag = "asap"): Sample {
  return { name, tag, json: { protocol: "asap", ...json } };
}

function enrp(name: string, json: JsonObject): Sample {
  return { name, tag: "enrp", json: { protocol: "enrp", senderServerIdentifier: 0x5e5e0001, receiverServerIdentifier: 0x5e5e0002, ...json } };
}

/** TLV bytes as hex: type, length, value, zero padding (RFC 5354 s2). */
export function tlv(type: number, valueHex: string): string {
  const len = 4 + valueHex.length / 2;
  const pad = (4 - (len % 4)) % 4;
  return type.toString(16).padStart(4, "0") + len.toString(16).padStart(4, "0") + valueHex + "00".repeat(pad);
}

const IPV4_PARAM = tlv(0x0001, "c0000201");
const POLICY_PARAM_RR = tlv(0x0008, "00000001");
const TCP_PARAM = tlv(0x0005, "1f90" + "0000" + IPV4_PARAM);

function errorMessage(code: number, infoHex: string): JsonObject {
  return { type: "ERROR", error: { causes: [{ code, info: infoHex }] } };
}

/** Info carried per cause (RFC 5354 s3.11): an unknown TLV, a message, a parameter, or nothing. */
export const CAUSE_INFO: Record<number, string> = {
  0x1: tlv(0x7f01, "deadbeef"), // stop-and-report type 0x7f01: the unrecognized TLV
  0x2: "ee000004", // a 4-byte message of unknown type 0xee
  0x3: tlv(0x000e, "00000000"), // a PE Identifier with an invalid value
  0x4: "",
  0x5: POLICY_PARAM_RR,
  0x6: "",
  0x7: TCP_PARAM,
  0x8: "",
  0x9: "",
  0xa: "",
};

export const SAMPLES: Sample[] = [
  // ASAP (RFC 5352 s2.2)
  asap("asap REGISTRATION", { type: "REGISTRATION", poolHandleText: "EchoPool", poolElements: [PE_SCTP] }),
  ...POLICIES.map((p) =>
    asap(`asap REGISTRATION policy ${p.name}`, {
      type: "REGISTRATION",
      poolHandleText: "PolicyPool",
      poolElements: [poolElement(0x22220000 + (p.code & 0xffff), sctp(9000, ["198.51.100.7"]), policy(p.name))],
    }),
  ),
  asap("asap REGISTRATION tcp transport", {
    type: "REGISTRATION",
    poolHandleText: "TcpPool",
    poolElements: [poolElement(0x33330001, { type: "tcp", port: 8080, transportUse: 1, addresses: ["203.0.113.9"] }, policy("Random"))],
  }),
  asap("asap REGISTRATION udp transport", {
    type: "REGISTRATION",
    poolHandleText: "UdpPool",
    poolElements: [poolElement(0x33330002, { type: "udp", port: 5353, addresses: ["2001:db8::53"] }, policy("Random"))],
  }),
  asap("asap REGISTRATION udp-lite transport", {
    type: "REGISTRATION",
    poolHandleText: "UdpLitePool",
    poolElements: [poolElement(0x33330003, { type: "udp-lite", port: 5004, addresses: ["203.0.113.10"] }, policy("Random"))],
  }),
  asap("asap REGISTRATION dccp transport", {
    type: "REGISTRATION",
    poolHandleText: "DccpPool",
    poolElements: [poolElement(0x33330004, { type: "dccp", port: 5005, serviceCode: 0x01020304, addresses: ["203.0.113.11"] }, policy("Random"))],
  }),
  asap("asap REGISTRATION binary pool handle", {
    type: "REGISTRATION",
    poolHandle: "00ff10",
    poolElements: [PE_SCTP],
  }),
  asap("asap DEREGISTRATION", { type: "DEREGISTRATION", poolHandleText: "EchoPool", peIdentifier: 0x11111111 }),
  asap("asap REGISTRATION_RESPONSE", { type: "REGISTRATION_RESPONSE", poolHandleText: "EchoPool", peIdentifier: 0x11111111 }),
  asap("asap REGISTRATION_RESPONSE reject", {
    type: "REGISTRATION_RESPONSE",
    flags: 0x01,
    poolHandleText: "EchoPool",
    peIdentifier: 0x11111111,
    error: { causes: [{ code: 0x5, info: POLICY_PARAM_RR }] },
  }),
  asap("asap DEREGISTRATION_RESPONSE", { type: "DEREGISTRATION_RESPONSE", poolHandleText: "EchoPool", peIdentifier: 0x11111111 }),
  asap("asap HANDLE_RESOLUTION", { type: "HANDLE_RESOLUTION", poolHandleText: "EchoPool" }),
  asap("asap HANDLE_RESOLUTION items", { type: "HANDLE_RESOLUTION", poolHandleText: "EchoPool", items: 3 }),
  asap("asap HANDLE_RESOLUTION_RESPONSE", {
    type: "HANDLE_RESOLUTION_RESPONSE",
    poolHandleText: "EchoPool",
    policy: policy("RoundRobin"),
    poolElements: [1, 2, 3].map((i) => poolElement(0x44440000 + i, sctp(7000 + i, [`192.0.2.${i}`, `2001:db8::${i}`]), policy("RoundRobin"))),
  }),
  asap("asap HANDLE_RESOLUTION_RESPONSE unknown pool", {
    type: "HANDLE_RESOLUTION_RESPONSE",
    poolHandleText: "NoSuchPool",
    error: { causes: [{ code: 0x9, info: "" }] },
  }),
  asap("asap ENDPOINT_KEEP_ALIVE", { type: "ENDPOINT_KEEP_ALIVE", flags: 0x01, serverIdentifier: 0x5e5e0001, poolHandleText: "EchoPool" }),
  asap("asap ENDPOINT_KEEP_ALIVE pe identifier", {
    type: "ENDPOINT_KEEP_ALIVE",
    serverIdentifier: 0x5e5e0001,
    poolHandleText: "EchoPool",
    peIdentifier: 0x11111111,
  }),
  asap("asap ENDPOINT_KEEP_ALIVE_ACK", { type: "ENDPOINT_KEEP_ALIVE_ACK", poolHandleText: "EchoPool", peIdentifier: 0x11111111 }),
  asap("asap ENDPOINT_UNREACHABLE", { type: "ENDPOINT_UNREACHABLE", poolHandleText: "EchoPool", peIdentifier: 0x11111111 }),
  asap("asap SERVER_ANNOUNCE", { type: "SERVER_ANNOUNCE", serverIdentifier: 0x5e5e0001 }, "asap/udp"),
  asap(
    "asap SERVER_ANNOUNCE transports",
    {
      type: "SERVER_ANNOUNCE",
      serverIdentifier: 0x5e5e0001,
      transports: [sctp(3863, ["192.0.2.50", "2001:db8::50"], 1), { type: "tcp", port: 3863, transportUse: 1, addresses: ["192.0.2.50"] }],
    },
    "asap/udp",
  ),
  asap("asap COOKIE", { type: "COOKIE", cookie: "0102030405" }),
  asap("asap COOKIE_ECHO", { type: "COOKIE_ECHO", cookie: "0102030405" }),
  asap("asap BUSINESS_CARD", {
    type: "BUSINESS_CARD",
    poolHandleText: "EchoPool",
    poolElements: [PE_SCTP, poolElement(0x11111112, sctp(8, ["192.0.2.2"]), policy("RoundRobin"))],
  }),
  asap("asap BUSINESS_CARD policy", { type: "BUSINESS_CARD", poolHandleText: "EchoPool", policy: policy("RoundRobin"), poolElements: [PE_SCTP] }),
  ...Object.keys(CAUSE_INFO).map((code) => asap(`asap ERROR cause 0x${Number(code).toString(16)}`, errorMessage(Number(code), CAUSE_INFO[Number(code)]))),

  // ENRP (RFC 5353 s2)
  enrp("enrp PRESENCE", {
    type: "PRESENCE",
    flags: 0x01,
    checksum: 0xbeef,
    serverInformation: { serverIdentifier: 0x5e5e0001, transport: sctp(9901, ["192.0.2.60", "2001:db8::60"]) },
  }),
  enrp("enrp PRESENCE no server information", { type: "PRESENCE", checksum: 0x1234 }),
  enrp("enrp HANDLE_TABLE_REQUEST", { type: "HANDLE_TABLE_REQUEST", flags: 0x01 }),
  enrp("enrp HANDLE_TABLE_RESPONSE", {
    type: "HANDLE_TABLE_RESPONSE",
    flags: 0x02,
    poolEntries: [
      {
        poolHandleText: "EchoPool",
        poolElements: [
          poolElement(0x55550001, sctp(7, ["192.0.2.1"]), policy("RoundRobin"), sctp(40001, ["192.0.2.1"], 1)),
          poolElement(0x55550002, sctp(7, ["192.0.2.2"]), policy("RoundRobin"), sctp(40002, ["192.0.2.2"], 1)),
        ],
      },
      {
        poolHandleText: "LuPool",
        poolElements: [poolElement(0x55550003, sctp(9, ["2001:db8::3"]), policy("LeastUsed"), sctp(40003, ["2001:db8::3"], 1))],
      },
    ],
  }),
  enrp("enrp HANDLE_TABLE_RESPONSE reject", { type: "HANDLE_TABLE_RESPONSE", flags: 0x01 }),
  enrp("enrp HANDLE_UPDATE add", {
    type: "HANDLE_UPDATE",
    flags: 0x01,
    updateAction: 0,
    poolHandleText: "EchoPool",
    poolElement: poolElement(0x55550001, sctp(7, ["192.0.2.1"]), policy("RoundRobin"), sctp(40001, ["192.0.2.1"], 1)),
  }),
  enrp("enrp HANDLE_UPDATE delete", {
    type: "HANDLE_UPDATE",
    updateAction: 1,
    poolHandleText: "EchoPool",
    poolElement: poolElement(0x55550001, sctp(7, ["192.0.2.1"]), policy("RoundRobin"), sctp(40001, ["192.0.2.1"], 1)),
  }),
  enrp("enrp LIST_REQUEST", { type: "LIST_REQUEST" }),
  enrp("enrp LIST_RESPONSE", {
    type: "LIST_RESPONSE",
    serverInformations: [
      { serverIdentifier: 0x5e5e0003, transport: sctp(9901, ["192.0.2.61"]) },
      { serverIdentifier: 0x5e5e0004, transport: sctp(9901, ["2001:db8::62", "192.0.2.62"]) },
    ],
  }),
  enrp("enrp LIST_RESPONSE reject", { type: "LIST_RESPONSE", flags: 0x01 }),
  enrp("enrp INIT_TAKEOVER", { type: "INIT_TAKEOVER", targetServerIdentifier: 0x5e5e0009 }),
  enrp("enrp INIT_TAKEOVER_ACK", { type: "INIT_TAKEOVER_ACK", targetServerIdentifier: 0x5e5e0009 }),
  enrp("enrp TAKEOVER_SERVER", { type: "TAKEOVER_SERVER", targetServerIdentifier: 0x5e5e0009 }),
  enrp("enrp ERROR", { type: "ERROR", error: { causes: [{ code: 0x1, info: CAUSE_INFO[0x1] }] } }),
];

/** Every sample as a JSON line (for piping into `rserpool wire encode`). */
export function sampleLines(samples: Sample[] = SAMPLES): string {
  return samples.map((s) => JSON.stringify(s.json as Json)).join("\n") + "\n";
}
