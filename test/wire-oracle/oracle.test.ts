// Wireshark as judge: every ASAP/ENRP message type, parameter type, policy
// and error cause that our encoder produces goes through
// shared/tools/asap-oracle/check.py (tshark's dissectors plus framing and
// RFC content-model checks). Deliberately broken encodings must be rejected
// by the oracle, and our decoder must reject or flag each of them too.
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createDecoder, decodeAsap, decodeEnrp } from "../../core/wire/index.js";
import { decodeToJson } from "../../platform/node/wire-cli.js";
import type { JsonObject } from "../../platform/node/wire-json.js";
import { encodeSamples, hex } from "../wire-cli/encode-samples.js";
import { POLICIES } from "../wire-cli/samples.js";
import type { EncodedSample } from "../wire-cli/encode-samples.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const IN_CI = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

/** shared/ sits beside the repository (CI clones it there); ASAP_ORACLE overrides. */
function findOracle(): string | null {
  const candidates = [`${REPO}../shared/tools/asap-oracle/check.py`];
  if (process.env.ASAP_ORACLE) candidates.unshift(process.env.ASAP_ORACLE);
  for (const c of candidates) if (existsSync(c)) return c;
  return null;
}

function haveTshark(): boolean {
  return spawnSync("sh", ["-c", "command -v tshark"], { stdio: "ignore" }).status === 0;
}

interface OracleMessage {
  index: number;
  protocol: string;
  hex: string;
  comment: string;
  verdict: "accept" | "reject";
  message_type: string | null;
  errors: { source: string; text: string }[];
  warnings: string[];
  notes: string[];
  parameters: OracleParameter[];
}

interface OracleParameter {
  name: string;
  fields: Record<string, string | string[]>;
  children: OracleParameter[];
}

function runOracle(checker: string, lines: string[], expect: "accept" | "reject"): { status: number | null; messages: OracleMessage[]; stderr: string } {
  const r = spawnSync("python3", [checker, "--json", "-", "-q", "--expect", expect, "-"], {
    input: lines.join("\n") + "\n",
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status === 2 || r.stdout === "") throw new Error(`check.py failed (status ${r.status}): ${r.stderr}`);
  return { status: r.status, messages: (JSON.parse(r.stdout) as { messages: OracleMessage[] }).messages, stderr: r.stderr };
}

/** Findings the oracle may report for a sample; everything else must be clean. */
interface Expected {
  warnings: RegExp[];
  errors: RegExp[];
}

const UNKNOWN_POLICY: Expected = {
  // tshark names no such policy type (RFC 5356 types and a few of rsplib's
  // only), so it shows "Unknown (0x...)" and leaves the policy data raw.
  errors: [/^tshark: unknown value at offset \d+: Policy Type: Unknown \(0xb000[12]00[0-9a-f]\)$/],
  warnings: [/^policy-specific data at offset \d+ not decoded by tshark \((8|16) bytes\)$/],
};

const EXPECTED: Record<string, Expected> = {
  "asap ENDPOINT_KEEP_ALIVE pe identifier": { warnings: [/^structure: PE Identifier in ASAP_ENDPOINT_KEEP_ALIVE \(rsplib extension\)$/], errors: [] },
  "asap REGISTRATION policy PriorityLeastUsedDegradation": { warnings: [/^policy-specific data at offset \d+ not decoded by tshark \(8 bytes\)$/], errors: [] },
  "asap REGISTRATION policy RandomizedPriorityLeastUsed": UNKNOWN_POLICY,
  "asap REGISTRATION policy RandomizedLeastUsedDegradation": UNKNOWN_POLICY,
  "asap REGISTRATION policy RandomizedPriorityLeastUsedDegradation": UNKNOWN_POLICY,
  "asap REGISTRATION policy LeastUsedDegradationDPF": UNKNOWN_POLICY,
  "asap REGISTRATION policy PriorityLeastUsedDPF": UNKNOWN_POLICY,
  "asap REGISTRATION policy PriorityLeastUsedDegradationDPF": UNKNOWN_POLICY,
};

function matchAll(t: { same(found: unknown, wanted: unknown, message: string): boolean }, what: string, actual: string[], expected: RegExp[]): void {
  const unmatched = actual.filter((a) => !expected.some((re) => re.test(a)));
  const absent = expected.filter((re) => !actual.some((a) => re.test(a)));
  t.same({ unexpected: unmatched, missing: absent.map(String), count: actual.length }, { unexpected: [], missing: [], count: expected.length }, what);
}


// ---------------------------------------------------------------------------
// Field values as tshark shows them, and the same from our decoder's JSON.
// Message-level fields (ids in the fixed header) are not in tshark's
// parameter tree and are left out; error-cause contents are raw info to us.

const TSHARK_KEYS = new Set([
  "pool_handle_pool_handle", "pool_element_pe_identifier", "pool_element_home_enrp_server_identifier", "pool_element_registration_life",
  "sctp_transport_port", "tcp_transport_port", "udp_transport_port", "udp_lite_transport_port", "dccp_transport_port", "dccp_transport_service_code",
  "transport_use", "ipv4_address", "ipv6_address", "pool_member_selection_policy_type", "pool_member_selection_policy_weight",
  "pool_member_selection_policy_priority", "pool_member_selection_policy_load", "pool_member_selection_policy_degradation",
  "pool_member_selection_policy_load_dpf", "pool_member_selection_policy_weight_dpf", "pool_member_selection_policy_distance",
  "pe_identifier", "pe_checksum", "cookie", "hropt_items", "server_information_server_identifier", "cause_code",
]);

function parameterTypes(params: OracleParameter[], out: Set<number>): void {
  for (const p of params) {
    const m = /\(0x([0-9a-f]{4})\)$/.exec(String(p.fields.parameter_type ?? ""));
    if (m !== null) out.add(parseInt(m[1], 16));
    parameterTypes(p.children, out);
  }
}

function tsharkFields(params: OracleParameter[], out: string[] = []): string[] {
  for (const p of params) {
    for (const [key, raw] of Object.entries(p.fields)) {
      if (!TSHARK_KEYS.has(key)) continue;
      for (const v of Array.isArray(raw) ? raw : [raw]) {
        // "4563686f (Echo)" -> hex; "Data plus control (1)" / "Round Robin (RR) (0x00000001)" -> the code.
        let value = v;
        if (key === "pool_handle_pool_handle") value = v.split(" ")[0];
        else if (key === "transport_use" || key === "pool_member_selection_policy_type" || key === "cause_code") value = /\(([^()]*)\)$/.exec(v)?.[1] ?? v;
        out.push(`${key}=${value}`);
      }
    }
    if (!("cause_code" in p.fields)) tsharkFields(p.children, out);
  }
  return out;
}

const hex8 = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
const percent = (n: number) => `${((n / 0xffffffff) * 100).toFixed(2)}%`;
const fraction = (n: number) => (n / 0xffffffff).toFixed(5);
const PORT_KEYS: Record<string, string> = { sctp: "sctp_transport_port", tcp: "tcp_transport_port", udp: "udp_transport_port", "udp-lite": "udp_lite_transport_port", dccp: "dccp_transport_port" };
// Policy fields tshark 4.0 decodes, per type (the others it shows raw or not at all).
const TSHARK_POLICY_FIELDS: Record<number, string[]> = {
  0x1: [], 0x2: ["weight"], 0x3: [], 0x4: ["weight"], 0x5: ["priority"], 0x40000001: ["load"], 0x40000002: ["load", "loadDegradation"],
  0x40000003: ["load", "loadDegradation"], 0x40000004: ["load"], 0xb0002001: ["weight", "weightDpf", "distance"], 0xb0002002: ["load", "loadDpf", "distance"],
};

function ourFields(o: JsonObject, out: string[] = []): string[] {
  const transport = (t: JsonObject) => {
    out.push(`${PORT_KEYS[t.type as string]}=${t.port}`);
    if (t.type === "sctp" || t.type === "tcp") out.push(`transport_use=${t.transportUse}`);
    if (t.type === "dccp") out.push(`dccp_transport_service_code=${t.serviceCode}`);
    for (const a of t.addresses as string[]) out.push(`${a.includes(":") ? "ipv6_address" : "ipv4_address"}=${a}`);
  };
  const policy = (p: JsonObject) => {
    const code = p.typeCode as number;
    out.push(`pool_member_selection_policy_type=${hex8(code)}`);
    for (const f of TSHARK_POLICY_FIELDS[code] ?? []) {
      const v = p[f] as number;
      if (f === "weight" || f === "priority" || f === "distance") out.push(`pool_member_selection_policy_${f}=${v}`);
      else if (f === "load") out.push(`pool_member_selection_policy_load=${percent(v)}`);
      else if (f === "loadDegradation") out.push(`pool_member_selection_policy_degradation=${percent(v)}`);
      else if (f === "loadDpf") out.push(`pool_member_selection_policy_load_dpf=${fraction(v)}`);
      else if (f === "weightDpf") out.push(`pool_member_selection_policy_weight_dpf=${fraction(v)}`);
    }
  };
  const poolElement = (pe: JsonObject) => {
    out.push(`pool_element_pe_identifier=${hex8(pe.identifier as number)}`);
    out.push(`pool_element_home_enrp_server_identifier=${hex8(pe.homeRegistrarIdentifier as number)}`);
    out.push(`pool_element_registration_life=${pe.registrationLife}ms`);
    transport(pe.userTransport as JsonObject);
    policy(pe.policy as JsonObject);
    if (pe.asapTransport !== null) transport(pe.asapTransport as JsonObject);
  };
  const serverInformation = (s: JsonObject) => {
    out.push(`server_information_server_identifier=${hex8(s.serverIdentifier as number)}`);
    transport(s.transport as JsonObject);
  };
  if (typeof o.poolHandle === "string") out.push(`pool_handle_pool_handle=${o.poolHandle}`);
  if (o.policy) policy(o.policy as JsonObject);
  for (const pe of (o.poolElements as JsonObject[] | undefined) ?? []) poolElement(pe);
  if (o.poolElement) poolElement(o.poolElement as JsonObject);
  for (const e of (o.poolEntries as JsonObject[] | undefined) ?? []) {
    out.push(`pool_handle_pool_handle=${e.poolHandle}`);
    for (const pe of e.poolElements as JsonObject[]) poolElement(pe);
  }
  if (typeof o.peIdentifier === "number") out.push(`pe_identifier=${hex8(o.peIdentifier)}`);
  if (typeof o.checksum === "number") out.push(`pe_checksum=0x${o.checksum.toString(16).padStart(4, "0")}`);
  if (typeof o.cookie === "string") out.push(`cookie=${o.cookie}`);
  if (typeof o.items === "number") out.push(`hropt_items=${o.items}`);
  if (o.serverInformation) serverInformation(o.serverInformation as JsonObject);
  for (const s of (o.serverInformations as JsonObject[] | undefined) ?? []) serverInformation(s);
  for (const t of (o.transports as JsonObject[] | undefined) ?? []) transport(t);
  for (const c of ((o.error as JsonObject | null)?.causes as JsonObject[] | undefined) ?? []) out.push(`cause_code=0x${(c.code as number).toString(16).padStart(4, "0")}`);
  return out;
}

/** Broken variants of good encodings: each is wrong in one way the RFCs forbid. */
function brokenMessages(byName: Map<string, EncodedSample>): { name: string; tag: string; bytes: Uint8Array }[] {
  const get = (name: string) => {
    const s = byName.get(name);
    if (s === undefined) throw new Error(`no sample ${name}`);
    return s.bytes.slice();
  };
  const u16 = (b: Uint8Array, off: number, v: number) => {
    b[off] = v >> 8;
    b[off + 1] = v & 0xff;
    return b;
  };
  const len = (b: Uint8Array) => u16(b, 2, b.length);
  const concat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const hr = get("asap HANDLE_RESOLUTION"); // 04 hdr, PH "EchoPool" (12 bytes)
  const reg = get("asap REGISTRATION");
  const phLen = (reg[6] << 8) | reg[7]; // first parameter: the pool handle
  const out: { name: string; tag: string; bytes: Uint8Array }[] = [];
  out.push({ name: "message length 4 too long", tag: "asap", bytes: u16(hr.slice(), 2, hr.length + 4) });
  out.push({ name: "message length 4 too short", tag: "asap", bytes: u16(hr.slice(), 2, hr.length - 4) });
  out.push({ name: "message length 0", tag: "asap", bytes: u16(hr.slice(), 2, 0) });
  // Pool handle "EchoPoo" (7 bytes) with a non-zero pad byte.
  const pad = len(concat(hr.slice(0, 4), Uint8Array.from([0, 9, 0, 11]), new TextEncoder().encode("EchoPoo"), Uint8Array.from([0xff])));
  out.push({ name: "non-zero padding", tag: "asap", bytes: pad });
  out.push({ name: "missing padding on the last parameter", tag: "asap", bytes: len(pad.slice(0, pad.length - 1)) });
  out.push({ name: "parameter length 2", tag: "asap", bytes: u16(hr.slice(), 6, 2) });
  out.push({ name: "parameter runs past the message", tag: "asap", bytes: u16(hr.slice(), 6, 64) });
  out.push({ name: "parameters in the wrong order", tag: "asap", bytes: len(concat(reg.slice(0, 4), reg.slice(4 + phLen), reg.slice(4, 4 + phLen))) });
  out.push({ name: "REGISTRATION without its pool element", tag: "asap", bytes: len(reg.slice(0, 4 + phLen)) });
  const lr = get("enrp LIST_REQUEST");
  out.push({ name: "trailing bytes after LIST_REQUEST", tag: "enrp", bytes: len(concat(lr, Uint8Array.from([0, 0, 0, 0]))) });
  out.push({ name: "unknown ASAP message type", tag: "asap", bytes: Uint8Array.from([0x3f, 0, 0, 4]) });
  out.push({ name: "unknown parameter type", tag: "asap", bytes: len(concat(hr, Uint8Array.from([0x00, 0x30, 0, 8, 1, 2, 3, 4]))) });
  // PE Identifier parameter with length 12 (its type defines 8).
  const dereg = get("asap DEREGISTRATION");
  out.push({ name: "PE Identifier longer than its type", tag: "asap", bytes: len(concat(dereg.slice(0, dereg.length - 8), Uint8Array.from([0, 0x0e, 0, 12, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0]))) });
  return out;
}

function run(checker: string): void {
  const encoded = encodeSamples();
  const byName = new Map(encoded.map((e) => [e.sample.name, e]));

  t.test("every sample is accepted by the oracle (exact warnings)", async (t) => {
    const lines = encoded.map((e) => `${e.sample.tag} ${hex(e.bytes)} # ${e.sample.name}`);
    const { messages } = runOracle(checker, lines, "accept");
    t.equal(messages.length, encoded.length);
    let clean = 0;
    const decoder = createDecoder();
    const seen = new Set<string>();
    const parameterCodes = new Set<number>();
    messages.forEach((m, i) => {
      const name = encoded[i].sample.name;
      const expected = EXPECTED[name] ?? { warnings: [], errors: [] };
      const errors = m.errors.map((e) => `${e.source}: ${e.text}`);
      matchAll(t, `${name}: errors`, errors, expected.errors);
      matchAll(t, `${name}: warnings`, m.warnings, expected.warnings);
      // tshark prints e.g. "ASAP Registration (1)".
      const code = encoded[i].bytes[0];
      t.match(m.message_type ?? "", new RegExp(`^${encoded[i].protocol.toUpperCase()} [A-Za-z -]+ \\(${code}\\)$`), `${name}: tshark names the type`);
      if (m.verdict === "accept") clean++;
      // Two decoders, one reading: tshark's field values equal ours.
      const ours = ourFields(decodeToJson(decoder, encoded[i].protocol, encoded[i].bytes)).sort();
      t.same(tsharkFields(m.parameters).sort(), ours, `${name}: tshark reads the values our decoder reads`);
      for (const f of tsharkFields(m.parameters)) seen.add(f.slice(0, f.indexOf("=")) + (f.startsWith("cause_code=") || f.startsWith("pool_member_selection_policy_type=") ? f.slice(f.indexOf("=")) : ""));
      parameterTypes(m.parameters, parameterCodes);
    });
    // Coverage as tshark saw it: every parameter type, error cause and policy type.
    const wantedParams = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x803f];
    t.same(wantedParams.filter((c) => !parameterCodes.has(c)), [], "every parameter type appears");
    const wantedCauses = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((c) => `cause_code=0x${c.toString(16).padStart(4, "0")}`);
    t.same(wantedCauses.filter((c) => !seen.has(c)), [], "every error cause 0x1-0xa appears");
    const wantedPolicies = POLICIES.map((p) => `pool_member_selection_policy_type=${hex8(p.code)}`);
    t.same(wantedPolicies.filter((p) => !seen.has(p)), [], "every policy type appears");
    const expectedRejects = Object.values(EXPECTED).filter((e) => e.errors.length > 0).length;
    t.equal(clean, encoded.length - expectedRejects, "all but the rsplib-only policies tshark does not know pass outright");
    t.comment(`oracle: ${clean} accepted, ${encoded.length - clean} with only the expected unknown-policy findings`);
  });

  t.test("broken encodings are rejected by the oracle and by our decoder", async (t) => {
    const broken = brokenMessages(byName);
    const { status, messages } = runOracle(checker, broken.map((b) => `${b.tag} ${hex(b.bytes)} # ${b.name}`), "reject");
    t.equal(status, 0, "check.py --expect reject: every message rejected");
    messages.forEach((m, i) => {
      t.equal(m.verdict, "reject", `oracle rejects: ${broken[i].name}`);
    });
    const decoder = createDecoder();
    for (const b of broken) {
      const decode = b.tag === "asap" ? decodeAsap : decodeEnrp;
      const m = decode(decoder, b.bytes, 0, b.bytes.length);
      t.ok(m === null || decoder.problems.length > 0, `our decoder rejects or flags: ${b.name}`, { error: decoder.error, problems: decoder.problems });
    }
  });
}

const oracle = findOracle();
const tshark = haveTshark();
const missing = oracle === null ? "the oracle (../shared/tools/asap-oracle/check.py or $ASAP_ORACLE)" : !tshark ? "tshark (apt-get install tshark)" : null;

if (missing !== null) {
  if (IN_CI) t.fail(`wire oracle: ${missing} is missing; CI must run this test`);
  else t.plan(0, `wire oracle: ${missing} is missing; skipping (CI fails here)`);
} else {
  run(oracle!);
}
