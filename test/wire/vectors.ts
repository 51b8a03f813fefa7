// Shared test helpers and hand-built golden vectors for the wire codec.
// Every vector is a hex literal laid out field by field from the RFC
// figures; comments name the section each field comes from.

import * as W from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import { REASON_INTERNAL_ERROR } from "../../core/wire/reasons.js";
import type { AsapMessage, EnrpMessage, Transport, Policy, PoolElement } from "../../core/wire/index.js";

/** Hex text (spaces allowed) -> bytes. */
export function hex(...parts: string[]): Uint8Array {
  const text = parts.join("").replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error("bad hex: " + text);
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Records -> plain JSON-able values (byte fields as hex), for deep comparison. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return "hex:" + toHex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = plain((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Field names of a record, in order, recursively: two records with the same shape give the same text. */
export function shape(value: unknown): string {
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "[" + value.map(shape).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.keys(value).map((k) => k + ":" + shape((value as Record<string, unknown>)[k])).join(",") + "}";
  }
  return value === null ? "null" : typeof value;
}

export const ECHO = hex("6563686f"); // "echo"

export function v4(text: string): Uint8Array {
  const a = W.parseAddress(text);
  if (a === null || a.length !== 4) throw new Error("bad IPv4 " + text);
  return a;
}
export function v6(text: string): Uint8Array {
  const a = W.parseAddress(text);
  if (a === null || a.length !== 16) throw new Error("bad IPv6 " + text);
  return a;
}

export function transport(type: number, port: number, use: number, addresses: Uint8Array[], serviceCode = 0): Transport {
  const t = W.newTransport(type, port, use, addresses);
  t.serviceCode = serviceCode;
  return t;
}

export function policy(type: number, fields: Partial<Policy> = {}): Policy {
  const p = W.newPolicy(type);
  Object.assign(p, fields);
  return p;
}

export function sctp(port: number, use: number, ...addresses: Uint8Array[]): Transport {
  return transport(W.PARAM_SCTP_TRANSPORT, port, use, addresses);
}

/** The PE used by most vectors: id 0x1234, home 0, life 30000 ms, SCTP 7 on 127.0.0.1, RR. */
export function pe1(asap: Transport | null = null): PoolElement {
  return W.newPoolElement(0x1234, 0, 30000, sctp(7, 1, v4("127.0.0.1")), policy(W.POLICY_ROUND_ROBIN), asap);
}

export function asap(type: number, fields: Partial<AsapMessage>): AsapMessage {
  const m = W.newAsapMessage(type);
  Object.assign(m, fields);
  return m;
}

export function enrp(type: number, fields: Partial<EnrpMessage>): EnrpMessage {
  const m = W.newEnrpMessage(type);
  Object.assign(m, fields);
  return m;
}

export function cause(code: number, info: Uint8Array, extra: Partial<W.ErrorCause> = {}): W.ErrorCause {
  const c = W.newErrorCause(code, info);
  Object.assign(c, extra);
  return c;
}

export function opError(...causes: W.ErrorCause[]): W.OperationError {
  return W.newOperationError(causes);
}

export interface Vector {
  name: string;
  protocol: "asap" | "enrp";
  bytes: Uint8Array;
  message: AsapMessage | EnrpMessage;
}

// Building blocks, each a complete parameter (RFC 5354 s3), reused below.
const PH_ECHO = "0009 0008 6563686f"; //             s3.9  Pool Handle, length 8, "echo"
const PEID_1234 = "000e 0008 00001234"; //           s3.14 PE Identifier 0x1234
const V4_LOCAL = "0001 0008 7f000001"; //            s3.1  IPv4 127.0.0.1
const V6_LOCAL = "0002 0014 00000000 00000000 00000000 00000001"; // s3.2 IPv6 ::1
const SCTP_7 = "0004 0010 0007 0001" + V4_LOCAL; //  s3.4  SCTP, port 7, data+control, 1 address
const POL_RR = "0008 0008 00000001"; //              s3.8  policy RR (RFC 5356 s4.1)
const PE_1234 = //                                   s3.10 Pool Element, length 40
  "000a 0028 00001234 00000000 00007530" + //        PE id, home registrar id, life 30000 ms
  SCTP_7 + //                                        user transport
  POL_RR; //                                         member selection policy
const SCTP_3863 = "0004 0010 0f17 0000 0001 0008 7f000001"; // ASAP transport: SCTP 3863, data only
const PE_1234_ENRP = //                              s3.10 with the ASAP transport, length 56
  "000a 0038 00001234 00000000 00007530" + SCTP_7 + POL_RR + SCTP_3863;
const IDS = "a0000001 a0000002"; //                  RFC 5353 s2.x: sender, receiver server ids

export const ASAP_VECTORS: Vector[] = [
  {
    name: "ASAP_REGISTRATION",
    protocol: "asap",
    // RFC 5352 s2.2.1: type 0x01, flags 0, length 52; Pool Handle; Pool Element.
    bytes: hex("01 00 0034", PH_ECHO, PE_1234),
    message: asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [pe1()] }),
  },
  {
    name: "ASAP_DEREGISTRATION",
    protocol: "asap",
    // RFC 5352 s2.2.2: type 0x02, length 20; Pool Handle; PE Identifier.
    bytes: hex("02 00 0014", PH_ECHO, PEID_1234),
    message: asap(W.ASAP_DEREGISTRATION, { poolHandle: ECHO, peIdentifier: 0x1234 }),
  },
  {
    name: "ASAP_REGISTRATION_RESPONSE (R, Operation Error)",
    protocol: "asap",
    // RFC 5352 s2.2.3: type 0x03, R flag 0x01, length 36; PH; PE-ID; Operation Error.
    bytes: hex(
      "03 01 0024",
      PH_ECHO,
      PEID_1234,
      "000c 0010", //     RFC 5354 s3.12 Operation Error, length 16
      "0005 000c", //     cause 0x5 Inconsistent Pooling Policy, cause length 12
      POL_RR //           the policy parameter
    ),
    message: asap(W.ASAP_REGISTRATION_RESPONSE, {
      flags: W.ASAP_FLAG_REJECT,
      poolHandle: ECHO,
      peIdentifier: 0x1234,
      error: opError(
        cause(0x5, hex(POL_RR), {
          parameter: W.newRawParameter(W.PARAM_POLICY, hex("00000001")),
          policy: policy(W.POLICY_ROUND_ROBIN),
        })
      ),
    }),
  },
  {
    name: "ASAP_DEREGISTRATION_RESPONSE",
    protocol: "asap",
    // RFC 5352 s2.2.4: type 0x04, length 20; PH; PE-ID.
    bytes: hex("04 00 0014", PH_ECHO, PEID_1234),
    message: asap(W.ASAP_DEREGISTRATION_RESPONSE, { poolHandle: ECHO, peIdentifier: 0x1234 }),
  },
  {
    name: "ASAP_HANDLE_RESOLUTION (Handle Resolution Option)",
    protocol: "asap",
    // RFC 5352 s2.2.5: type 0x05, length 20; PH; rsplib option 0x803f, items 5.
    bytes: hex("05 00 0014", PH_ECHO, "803f 0008 00000005"),
    message: asap(W.ASAP_HANDLE_RESOLUTION, { poolHandle: ECHO, items: 5 }),
  },
  {
    name: "ASAP_HANDLE_RESOLUTION_RESPONSE (policy, 2 PEs)",
    protocol: "asap",
    // RFC 5352 s2.2.6: type 0x06, length 100; PH; overall policy; PE; PE.
    bytes: hex(
      "06 00 0064",
      PH_ECHO,
      POL_RR,
      PE_1234,
      "000a 0028 00005678 a0000001 ffffffff", // PE id 0x5678, home 0xa0000001, life -1 (infinite)
      "0005 0010 0050 0000 0001 0008 c0000201", // RFC 5354 s3.5 TCP, port 80, data only, 192.0.2.1
      "0008 0008 00000001"
    ),
    message: asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, {
      poolHandle: ECHO,
      policy: policy(W.POLICY_ROUND_ROBIN),
      poolElements: [
        pe1(),
        W.newPoolElement(
          0x5678,
          0xa0000001,
          -1,
          transport(W.PARAM_TCP_TRANSPORT, 80, 0, [v4("192.0.2.1")]),
          policy(W.POLICY_ROUND_ROBIN),
          null
        ),
      ],
    }),
  },
  {
    name: "ASAP_HANDLE_RESOLUTION_RESPONSE (Operation Error)",
    protocol: "asap",
    // RFC 5352 s2.2.6: PH then an Operation Error with cause 0x9 Unknown Pool Handle.
    bytes: hex("06 00 0014", PH_ECHO, "000c 0008 0009 0004"),
    message: asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, {
      poolHandle: ECHO,
      error: opError(cause(0x9, hex(""))),
    }),
  },
  {
    name: "ASAP_ENDPOINT_KEEP_ALIVE (H, PE-ID)",
    protocol: "asap",
    // RFC 5352 s2.2.7: type 0x07, H flag 0x01, length 24; Server Identifier; PH; (rsplib) PE-ID.
    bytes: hex("07 01 0018 a0000001", PH_ECHO, PEID_1234),
    message: asap(W.ASAP_ENDPOINT_KEEP_ALIVE, {
      flags: W.ASAP_FLAG_HOME,
      serverIdentifier: 0xa0000001,
      poolHandle: ECHO,
      peIdentifier: 0x1234,
    }),
  },
  {
    name: "ASAP_ENDPOINT_KEEP_ALIVE (RFC form)",
    protocol: "asap",
    // RFC 5352 s2.2.7: Server Identifier; PH.
    bytes: hex("07 00 0010 a0000001", PH_ECHO),
    message: asap(W.ASAP_ENDPOINT_KEEP_ALIVE, { serverIdentifier: 0xa0000001, poolHandle: ECHO }),
  },
  {
    name: "ASAP_ENDPOINT_KEEP_ALIVE_ACK",
    protocol: "asap",
    // RFC 5352 s2.2.8: type 0x08, length 20; PH; PE-ID.
    bytes: hex("08 00 0014", PH_ECHO, PEID_1234),
    message: asap(W.ASAP_ENDPOINT_KEEP_ALIVE_ACK, { poolHandle: ECHO, peIdentifier: 0x1234 }),
  },
  {
    name: "ASAP_ENDPOINT_UNREACHABLE",
    protocol: "asap",
    // RFC 5352 s2.2.9: type 0x09, length 20; PH; PE-ID.
    bytes: hex("09 00 0014", PH_ECHO, PEID_1234),
    message: asap(W.ASAP_ENDPOINT_UNREACHABLE, { poolHandle: ECHO, peIdentifier: 0x1234 }),
  },
  {
    name: "ASAP_SERVER_ANNOUNCE (server id only, as rsplib sends)",
    protocol: "asap",
    // RFC 5352 s2.2.10: type 0x0a, length 8; Server Identifier.
    bytes: hex("0a 00 0008 a0000001"),
    message: asap(W.ASAP_SERVER_ANNOUNCE, { serverIdentifier: 0xa0000001 }),
  },
  {
    name: "ASAP_SERVER_ANNOUNCE (every transport type)",
    protocol: "asap",
    // RFC 5352 s2.2.10: Server Identifier; transport parameters; length 8 + 20 + 36 + 16 + 28 + 16 = 124.
    bytes: hex(
      "0a 00 007c a0000001",
      "0003 0014 0021 0000 00000042", //  RFC 5354 s3.3 DCCP: port 33, reserved, service code 0x42
      "0001 0008 c0000201", //            one address: 192.0.2.1
      "0004 0024 0f17 0001", //           s3.4 SCTP: port 3863, data+control, two addresses
      V4_LOCAL,
      V6_LOCAL,
      "0005 0010 0f17 0001 0001 0008 7f000001", // s3.5 TCP: port 3863, data+control, 127.0.0.1
      "0006 001c 0035 0000", //           s3.6 UDP: port 53, reserved
      "0002 0014 20010db8 00000000 00000000 00000001", // 2001:db8::1
      "0007 0010 0036 0000 0001 0008 c0000202" // s3.7 UDP-Lite: port 54, reserved, 192.0.2.2
    ),
    message: asap(W.ASAP_SERVER_ANNOUNCE, {
      serverIdentifier: 0xa0000001,
      transports: [
        transport(W.PARAM_DCCP_TRANSPORT, 33, 0, [v4("192.0.2.1")], 0x42),
        sctp(3863, 1, v4("127.0.0.1"), v6("::1")),
        transport(W.PARAM_TCP_TRANSPORT, 3863, 1, [v4("127.0.0.1")]),
        transport(W.PARAM_UDP_TRANSPORT, 53, 0, [v6("2001:db8::1")]),
        transport(W.PARAM_UDP_LITE_TRANSPORT, 54, 0, [v4("192.0.2.2")]),
      ],
    }),
  },
  {
    name: "ASAP_COOKIE",
    protocol: "asap",
    // RFC 5352 s2.2.11: type 0x0b, length 16; RFC 5354 s3.13 Cookie, length 9, 3 bytes of padding.
    bytes: hex("0b 00 0010", "000d 0009 0102030405 000000"),
    message: asap(W.ASAP_COOKIE, { cookie: hex("0102030405") }),
  },
  {
    name: "ASAP_COOKIE_ECHO",
    protocol: "asap",
    // RFC 5352 s2.2.12: type 0x0c, length 16; Cookie.
    bytes: hex("0c 00 0010", "000d 0009 0102030405 000000"),
    message: asap(W.ASAP_COOKIE_ECHO, { cookie: hex("0102030405") }),
  },
  {
    name: "ASAP_BUSINESS_CARD",
    protocol: "asap",
    // RFC 5352 s2.2.13: type 0x0d, length 52; PH; PE.
    bytes: hex("0d 00 0034", PH_ECHO, PE_1234),
    message: asap(W.ASAP_BUSINESS_CARD, { poolHandle: ECHO, poolElements: [pe1()] }),
  },
  {
    name: "ASAP_BUSINESS_CARD (policy, as rsplib)",
    protocol: "asap",
    // RFC 5352 s2.2.13 plus rsplib's policy parameter: PH; policy; PE; length 60.
    bytes: hex("0d 00 003c", PH_ECHO, POL_RR, PE_1234),
    message: asap(W.ASAP_BUSINESS_CARD, { poolHandle: ECHO, policy: policy(W.POLICY_ROUND_ROBIN), poolElements: [pe1()] }),
  },
  {
    name: "ASAP_ERROR (unrecognized parameter)",
    protocol: "asap",
    // RFC 5352 s2.2.14: type 0x0e, length 20; Operation Error (length 16) with
    // cause 0x1 (length 10) carrying a 6-byte TLV 0xc123; 2 bytes of cause padding.
    bytes: hex("0e 00 0014", "000c 0010", "0001 000a", "c123 0006 abcd", "0000"),
    message: asap(W.ASAP_ERROR, {
      error: opError(cause(0x1, hex("c1230006abcd"), { parameter: W.newRawParameter(0xc123, hex("abcd")) })),
    }),
  },
];

export const ENRP_VECTORS: Vector[] = [
  {
    name: "ENRP_PRESENCE (R, server information)",
    protocol: "enrp",
    // RFC 5353 s2.1: type 0x01, R flag, length 44; ids; PE Checksum; Server Information.
    bytes: hex(
      "01 01 002c",
      IDS,
      "000f 0006 beef 0000", //          RFC 5354 s3.15 PE Checksum 0xbeef + 2 bytes padding
      "000b 0018 a0000001", //           s3.11 Server Information: server id
      "0004 0010 26ad 0000", //          SCTP transport: port 9901, data only
      V4_LOCAL
    ),
    message: enrp(W.ENRP_PRESENCE, {
      flags: W.ENRP_FLAG_REPLY_REQUIRED,
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      checksum: 0xbeef,
      serverInformation: W.newServerInformation(0xa0000001, sctp(9901, 0, v4("127.0.0.1"))),
    }),
  },
  {
    name: "ENRP_HANDLE_TABLE_REQUEST (W)",
    protocol: "enrp",
    // RFC 5353 s2.2: type 0x02, W flag, length 12; ids.
    bytes: hex("02 01 000c", IDS),
    message: enrp(W.ENRP_HANDLE_TABLE_REQUEST, {
      flags: W.ENRP_FLAG_OWN_CHILDREN_ONLY,
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
    }),
  },
  {
    name: "ENRP_HANDLE_TABLE_RESPONSE (M, two pool entries)",
    protocol: "enrp",
    // RFC 5353 s2.3: type 0x03, M flag 0x02, length 140; ids; (PH, PE+) twice.
    bytes: hex(
      "03 02 008c",
      IDS,
      PH_ECHO,
      PE_1234_ENRP,
      "0009 0006 6462 0000", //          Pool Handle "db", length 6, 2 bytes padding
      PE_1234_ENRP
    ),
    message: enrp(W.ENRP_HANDLE_TABLE_RESPONSE, {
      flags: W.ENRP_FLAG_MORE_TO_SEND,
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      poolEntries: [
        W.newPoolEntry(ECHO, [pe1(sctp(3863, 0, v4("127.0.0.1")))]),
        W.newPoolEntry(hex("6462"), [pe1(sctp(3863, 0, v4("127.0.0.1")))]),
      ],
    }),
  },
  {
    name: "ENRP_HANDLE_UPDATE (T, DEL_PE)",
    protocol: "enrp",
    // RFC 5353 s2.4: type 0x04, T flag, length 80; ids; update action 1, reserved; PH; PE.
    bytes: hex("04 01 0050", IDS, "0001 0000", PH_ECHO, PE_1234_ENRP),
    message: enrp(W.ENRP_HANDLE_UPDATE, {
      flags: W.ENRP_FLAG_TAKEOVER_SUGGESTED,
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      updateAction: W.UPDATE_ACTION_DEL_PE,
      poolHandle: ECHO,
      poolElement: pe1(sctp(3863, 0, v4("127.0.0.1"))),
    }),
  },
  {
    name: "ENRP_LIST_REQUEST",
    protocol: "enrp",
    // RFC 5353 s2.5: type 0x05, length 12; ids.
    bytes: hex("05 00 000c", IDS),
    message: enrp(W.ENRP_LIST_REQUEST, { senderServerIdentifier: 0xa0000001, receiverServerIdentifier: 0xa0000002 }),
  },
  {
    name: "ENRP_LIST_RESPONSE (two servers)",
    protocol: "enrp",
    // RFC 5353 s2.6: type 0x06, length 60; ids; two Server Information parameters.
    bytes: hex(
      "06 00 003c",
      IDS,
      "000b 0018 a0000001 0004 0010 26ad 0000 0001 0008 7f000001",
      "000b 0018 a0000003 0004 0010 26ad 0000 0001 0008 7f000003"
    ),
    message: enrp(W.ENRP_LIST_RESPONSE, {
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      serverInformations: [
        W.newServerInformation(0xa0000001, sctp(9901, 0, v4("127.0.0.1"))),
        W.newServerInformation(0xa0000003, sctp(9901, 0, v4("127.0.0.3"))),
      ],
    }),
  },
  {
    name: "ENRP_LIST_RESPONSE (R)",
    protocol: "enrp",
    // RFC 5353 s2.6: R flag, no servers.
    bytes: hex("06 01 000c", IDS),
    message: enrp(W.ENRP_LIST_RESPONSE, {
      flags: W.ENRP_FLAG_REJECT,
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
    }),
  },
  {
    name: "ENRP_INIT_TAKEOVER",
    protocol: "enrp",
    // RFC 5353 s2.7: type 0x07, length 16; ids; target server id.
    bytes: hex("07 00 0010", IDS, "a0000009"),
    message: enrp(W.ENRP_INIT_TAKEOVER, {
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      targetServerIdentifier: 0xa0000009,
    }),
  },
  {
    name: "ENRP_INIT_TAKEOVER_ACK",
    protocol: "enrp",
    // RFC 5353 s2.8: type 0x08, length 16; ids; target server id.
    bytes: hex("08 00 0010", IDS, "a0000009"),
    message: enrp(W.ENRP_INIT_TAKEOVER_ACK, {
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      targetServerIdentifier: 0xa0000009,
    }),
  },
  {
    name: "ENRP_TAKEOVER_SERVER",
    protocol: "enrp",
    // RFC 5353 s2.9: type 0x09, length 16; ids; target server id.
    bytes: hex("09 00 0010", IDS, "a0000009"),
    message: enrp(W.ENRP_TAKEOVER_SERVER, {
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      targetServerIdentifier: 0xa0000009,
    }),
  },
  {
    name: "ENRP_ERROR (unrecognized message)",
    protocol: "enrp",
    // RFC 5353 s2.10: type 0x0a, length 32; ids; Operation Error (length 20) with
    // cause 0x2 (length 16) carrying a whole 12-byte message of unknown type 0x0b.
    bytes: hex("0a 00 0020", IDS, "000c 0014", "0002 0010", "0b 00 000c", IDS),
    message: enrp(W.ENRP_ERROR, {
      senderServerIdentifier: 0xa0000001,
      receiverServerIdentifier: 0xa0000002,
      error: opError(cause(0x2, hex("0b00000c", IDS), { messageType: 0x0b })),
    }),
  },
];

/** rsplib's policy layouts and RFC 5356's, one TLV each, with the decoded policy. */
export const POLICY_VECTORS: { name: string; tlv: string; policy: Policy }[] = [
  // RFC 5356 s4.1-s4.5 (non-adaptive), s5.1-s5.4 (adaptive); rsplib 0xb000xxxx.
  { name: "RoundRobin", tlv: "0008 0008 00000001", policy: policy(W.POLICY_ROUND_ROBIN) },
  { name: "WeightedRoundRobin", tlv: "0008 000c 00000002 00000007", policy: policy(W.POLICY_WEIGHTED_ROUND_ROBIN, { weight: 7 }) },
  { name: "Random", tlv: "0008 0008 00000003", policy: policy(W.POLICY_RANDOM) },
  { name: "WeightedRandom", tlv: "0008 000c 00000004 00000009", policy: policy(W.POLICY_WEIGHTED_RANDOM, { weight: 9 }) },
  { name: "Priority", tlv: "0008 000c 00000005 00000003", policy: policy(W.POLICY_PRIORITY, { priority: 3 }) },
  { name: "LeastUsed", tlv: "0008 000c 40000001 80000000", policy: policy(W.POLICY_LEAST_USED, { load: 0x80000000 }) },
  {
    name: "LeastUsedDegradation", //      load, load degradation
    tlv: "0008 0010 40000002 40000000 01000000",
    policy: policy(W.POLICY_LEAST_USED_DEGRADATION, { load: 0x40000000, loadDegradation: 0x01000000 }),
  },
  {
    name: "PriorityLeastUsed", //         load, load degradation
    tlv: "0008 0010 40000003 00000010 00000020",
    policy: policy(W.POLICY_PRIORITY_LEAST_USED, { load: 0x10, loadDegradation: 0x20 }),
  },
  { name: "RandomizedLeastUsed", tlv: "0008 000c 40000004 ffffffff", policy: policy(W.POLICY_RANDOMIZED_LEAST_USED, { load: 0xffffffff }) },
  {
    name: "RandomizedPriorityLeastUsed", // rsplib: load, load degradation
    tlv: "0008 0010 b0001001 00000011 00000012",
    policy: policy(W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED, { load: 0x11, loadDegradation: 0x12 }),
  },
  {
    name: "RandomizedLeastUsedDegradation",
    tlv: "0008 0010 b0001002 00000021 00000022",
    policy: policy(W.POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, { load: 0x21, loadDegradation: 0x22 }),
  },
  {
    name: "PriorityLeastUsedDegradation",
    tlv: "0008 0010 b0001003 00000031 00000032",
    policy: policy(W.POLICY_PRIORITY_LEAST_USED_DEGRADATION, { load: 0x31, loadDegradation: 0x32 }),
  },
  {
    name: "RandomizedPriorityLeastUsedDegradation",
    tlv: "0008 0010 b0001004 00000041 00000042",
    policy: policy(W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION, { load: 0x41, loadDegradation: 0x42 }),
  },
  {
    name: "WeightedRandomDPF", //         rsplib: weight, weight DPF, distance
    tlv: "0008 0014 b0002001 00000005 00100000 00000032",
    policy: policy(W.POLICY_WEIGHTED_RANDOM_DPF, { weight: 5, weightDpf: 0x100000, distance: 50 }),
  },
  {
    name: "LeastUsedDPF", //              rsplib: load, load DPF, distance
    tlv: "0008 0014 b0002002 00000051 00200000 00000064",
    policy: policy(W.POLICY_LEAST_USED_DPF, { load: 0x51, loadDpf: 0x200000, distance: 100 }),
  },
  {
    name: "LeastUsedDegradationDPF", //   rsplib: load, load degradation, load DPF, distance
    tlv: "0008 0018 b0002003 00000061 00000062 00300000 000000c8",
    policy: policy(W.POLICY_LEAST_USED_DEGRADATION_DPF, { load: 0x61, loadDegradation: 0x62, loadDpf: 0x300000, distance: 200 }),
  },
  {
    name: "PriorityLeastUsedDPF", //      ours: load, load degradation, load DPF, distance
    tlv: "0008 0018 b0002004 00000071 00000072 00400000 0000012c",
    policy: policy(W.POLICY_PRIORITY_LEAST_USED_DPF, { load: 0x71, loadDegradation: 0x72, loadDpf: 0x400000, distance: 300 }),
  },
  {
    name: "PriorityLeastUsedDegradationDPF", // ours: same layout
    tlv: "0008 0018 b0002005 00000081 00000082 00500000 00000190",
    policy: policy(W.POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF, {
      load: 0x81,
      loadDegradation: 0x82,
      loadDpf: 0x500000,
      distance: 400,
    }),
  },
];

/** ASAP_HANDLE_RESOLUTION_RESPONSE holding PH "echo" and one policy TLV (RFC 5352 s2.2.6). */
export function policyMessage(tlv: string): Uint8Array {
  const body = hex(PH_ECHO, tlv);
  const out = new Uint8Array(4 + body.length);
  out.set([0x06, 0x00, (out.length >> 8) & 0xff, out.length & 0xff]);
  out.set(body, 4);
  return out;
}

/** Every error cause (RFC 5354 s3.12), each in an ASAP_ERROR, with its decoded form. */
export const CAUSE_VECTORS: { name: string; bytes: Uint8Array; cause: W.ErrorCause }[] = [
  {
    name: "0x0 Unspecified Error",
    // ASAP_ERROR length 12; Operation Error length 8; cause 0x0, length 4.
    bytes: hex("0e 00 000c", "000c 0008", "0000 0004"),
    cause: cause(0x0, hex("")),
  },
  {
    name: "0x1 Unrecognized Parameter",
    // cause 0x1, length 12: the unrecognized TLV 0xc123 (length 8).
    bytes: hex("0e 00 0014", "000c 0010", "0001 000c", "c123 0008 deadbeef"),
    cause: cause(0x1, hex("c1230008deadbeef"), { parameter: W.newRawParameter(0xc123, hex("deadbeef")) }),
  },
  {
    name: "0x2 Unrecognized Message",
    // cause 0x2, length 16: a whole 12-byte message of type 0x20, flags 0x05, holding a pool handle.
    bytes: hex("0e 00 0018", "000c 0014", "0002 0010", "20 05 000c", PH_ECHO),
    cause: cause(0x2, hex("20 05 000c", PH_ECHO), { messageType: 0x20, messageFlags: 0x05 }),
  },
  {
    name: "0x3 Invalid Values (PE identifier)",
    // cause 0x3, length 12: the PE Identifier parameter.
    bytes: hex("0e 00 0014", "000c 0010", "0003 000c", PEID_1234),
    cause: cause(0x3, hex(PEID_1234), { parameter: W.newRawParameter(W.PARAM_PE_IDENTIFIER, hex("00001234")) }),
  },
  {
    name: "0x3 Invalid Values (transport)",
    // cause 0x3, length 20: a UDP transport parameter, decoded as a transport too.
    bytes: hex("0e 00 001c", "000c 0018", "0003 0014", "0006 0010 0035 0000 0001 0008 c0000201"),
    cause: cause(0x3, hex("0006 0010 0035 0000 0001 0008 c0000201"), {
      parameter: W.newRawParameter(W.PARAM_UDP_TRANSPORT, hex("0035 0000 0001 0008 c0000201")),
      transport: transport(W.PARAM_UDP_TRANSPORT, 53, 0, [v4("192.0.2.1")]),
    }),
  },
  {
    name: "0x4 Non-Unique PE Identifier",
    bytes: hex("0e 00 000c", "000c 0008", "0004 0004"),
    cause: cause(0x4, hex("")),
  },
  {
    name: "0x5 Inconsistent Pooling Policy",
    // cause 0x5, length 16: the WRR policy (weight 3).
    bytes: hex("0e 00 0018", "000c 0014", "0005 0010", "0008 000c 00000002 00000003"),
    cause: cause(0x5, hex("0008 000c 00000002 00000003"), {
      parameter: W.newRawParameter(W.PARAM_POLICY, hex("00000002 00000003")),
      policy: policy(W.POLICY_WEIGHTED_ROUND_ROBIN, { weight: 3 }),
    }),
  },
  {
    name: "0x6 Lack of Resources",
    bytes: hex("0e 00 000c", "000c 0008", "0006 0004"),
    cause: cause(0x6, hex("")),
  },
  {
    name: "0x7 Inconsistent Transport Type",
    // cause 0x7, length 20: the UDP transport.
    bytes: hex("0e 00 001c", "000c 0018", "0007 0014", "0006 0010 0035 0000 0001 0008 c0000201"),
    cause: cause(0x7, hex("0006 0010 0035 0000 0001 0008 c0000201"), {
      parameter: W.newRawParameter(W.PARAM_UDP_TRANSPORT, hex("0035 0000 0001 0008 c0000201")),
      transport: transport(W.PARAM_UDP_TRANSPORT, 53, 0, [v4("192.0.2.1")]),
    }),
  },
  {
    name: "0x8 Inconsistent Data/Control Configuration",
    bytes: hex("0e 00 000c", "000c 0008", "0008 0004"),
    cause: cause(0x8, hex("")),
  },
  {
    name: "0x9 Unknown Pool Handle",
    bytes: hex("0e 00 000c", "000c 0008", "0009 0004"),
    cause: cause(0x9, hex("")),
  },
  {
    name: "0xa Rejected due to security considerations",
    bytes: hex("0e 00 000c", "000c 0008", "000a 0004"),
    cause: cause(0xa, hex("")),
  },
];

export const ALL_VECTORS: Vector[] = ASAP_VECTORS.concat(ENRP_VECTORS)
  .concat(
    POLICY_VECTORS.map((v) => ({
      name: "policy " + v.name,
      protocol: "asap" as const,
      bytes: policyMessage(v.tlv),
      message: asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, { poolHandle: ECHO, policy: v.policy }),
    }))
  )
  .concat(
    CAUSE_VECTORS.map((v) => ({
      name: "cause " + v.name,
      protocol: "asap" as const,
      bytes: v.bytes,
      message: asap(W.ASAP_ERROR, { error: opError(v.cause) }),
    }))
  );

export function decode(d: W.Decoder, protocol: "asap" | "enrp", bytes: Uint8Array, offset = 0, length = bytes.length) {
  return protocol === "asap" ? W.decodeAsap(d, bytes, offset, length) : W.decodeEnrp(d, bytes, offset, length);
}

export function encode(w: W.Writer, protocol: "asap" | "enrp", message: AsapMessage | EnrpMessage): Uint8Array {
  return protocol === "asap" ? W.encodeAsap(w, message as AsapMessage) : W.encodeEnrp(w, message as EnrpMessage);
}

/** Checks that a failed decode left a well-formed WireError; returns a message or "" when fine. */
export function errorShapeProblem(d: W.Decoder, length: number): string {
  const e = d.error;
  if (e === null) return "no error recorded";
  if (typeof e.cause !== "number" || e.cause < 0 || e.cause > 0xffff) return "bad cause " + e.cause;
  if (typeof e.offset !== "number" || !(e.offset >= 0) || e.offset > length) return "bad offset " + e.offset;
  if (typeof e.reason !== "number" || reasonText(e.reason).startsWith("reason ")) return "bad reason " + e.reason;
  if (e.info !== null && !(e.info instanceof Uint8Array)) return "bad info";
  if (typeof e.report !== "boolean") return "bad report";
  if (e.reason === REASON_INTERNAL_ERROR) return "internal decoder error";
  return "";
}
