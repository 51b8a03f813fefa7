// `rserpool wire decode|encode` end to end: spawns bin/rserpool.js (which runs
// dist/) on every sample message and on bad input.
import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SAMPLES, sampleLines, tlv } from "./samples.js";
import type { Json, JsonObject } from "../../platform/node/wire-json.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function wire(sub: string, input: string, extra: string[] = []): Run {
  const r = spawnSync(process.execPath, [BIN, "wire", sub, ...extra], { input, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

/** `expected` is contained in `actual`: same scalars, objects key by key, arrays element by element. */
function contains(actual: Json | undefined, expected: Json, path: string, out: string[]): void {
  if (expected === null || typeof expected !== "object") {
    if (actual !== expected) out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push(`${path}: expected ${expected.length} items, got ${JSON.stringify(actual)}`);
      return;
    }
    expected.forEach((e, i) => contains(actual[i], e, `${path}[${i}]`, out));
    return;
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
    out.push(`${path}: expected an object, got ${JSON.stringify(actual)}`);
    return;
  }
  for (const key of Object.keys(expected)) contains(actual[key], expected[key], `${path}.${key}`, out);
}

// Encode all samples once; the subtests below work on the result.
const encoded = wire("encode", sampleLines());

t.test("encode: every sample message encodes", async (t) => {
  t.equal(encoded.stderr, "", "no complaints");
  t.equal(encoded.status, 0);
  const out = lines(encoded.stdout);
  t.equal(out.length, SAMPLES.length, "one hex line per JSON line");
  out.forEach((line, i) => {
    const protocol = SAMPLES[i].tag.slice(0, 4);
    t.match(line, new RegExp(`^${protocol} ([0-9a-f]{2})+$`), SAMPLES[i].name);
    const hex = line.slice(5);
    t.equal(parseInt(hex.slice(4, 8), 16), hex.length / 2, `${SAMPLES[i].name}: length field = size`);
    t.equal((hex.length / 2) % 4, 0, `${SAMPLES[i].name}: padded to 4 bytes`);
  });
});

t.test("decode: fields of every sample, no problems, and decode|encode gives the same bytes", async (t) => {
  const hexLines = lines(encoded.stdout);
  const decoded = wire("decode", hexLines.join("\n") + "\n");
  t.equal(decoded.status, 0);
  t.equal(decoded.stderr, "");
  const objects = lines(decoded.stdout).map((l) => JSON.parse(l) as JsonObject);
  t.equal(objects.length, SAMPLES.length);
  objects.forEach((o, i) => {
    const s = SAMPLES[i];
    t.equal(o.ok, true, `${s.name}: ok`);
    t.same(o.problems, [], `${s.name}: no problems`);
    const diffs: string[] = [];
    contains(o, s.json, "", diffs);
    t.same(diffs, [], `${s.name}: decoded JSON holds every field of the sample`);
  });
  const again = wire("encode", lines(decoded.stdout).join("\n") + "\n");
  t.equal(again.status, 0);
  t.equal(again.stderr, "");
  t.same(lines(again.stdout), hexLines, "decode | encode reproduces every input byte");
});

function decodeOne(line: string): JsonObject {
  const r = wire("decode", line + "\n");
  if (r.status !== 0) throw new Error(`decode failed: ${r.stderr}`);
  const out = lines(r.stdout);
  if (out.length !== 1) throw new Error(`expected one line, got ${out.length}`);
  return JSON.parse(out[0]) as JsonObject;
}

function hexOf(name: string): string {
  const i = SAMPLES.findIndex((s) => s.name === name);
  return lines(encoded.stdout)[i];
}

t.test("decode: JSON shape of a REGISTRATION", async (t) => {
  const o = decodeOne(hexOf("asap REGISTRATION"));
  t.same(Object.keys(o), [
    "ok", "protocol", "type", "flags", "poolHandle", "poolHandleText", "poolElements", "policy", "peIdentifier",
    "serverIdentifier", "transports", "error", "cookie", "items", "problems",
  ]);
  t.equal(o.protocol, "asap");
  t.equal(o.type, "REGISTRATION");
  t.equal(o.flags, 0);
  t.equal(o.poolHandle, Buffer.from("EchoPool").toString("hex"));
  t.equal(o.poolHandleText, "EchoPool");
  t.equal(o.policy, null);
  t.equal(o.peIdentifier, null);
  t.equal(o.cookie, null);
  const pe = (o.poolElements as JsonObject[])[0];
  t.same(pe, {
    identifier: 0x11111111,
    homeRegistrarIdentifier: 0x0a0b0c0d,
    registrationLife: 30000,
    userTransport: { type: "sctp", port: 7, transportUse: 1, serviceCode: 0, addresses: ["192.0.2.1", "2001:db8::1"] },
    policy: { type: "RoundRobin", typeCode: 1, weight: 0, priority: 0, load: 0, loadDegradation: 0, loadDpf: 0, weightDpf: 0, distance: 0 },
    asapTransport: null,
  });
});

t.test("decode: a binary pool handle has no text form", async (t) => {
  const o = decodeOne(hexOf("asap REGISTRATION binary pool handle"));
  t.equal(o.poolHandle, "00ff10");
  t.notOk("poolHandleText" in o);
});

t.test("decode: ENRP fields and flags as numbers", async (t) => {
  const o = decodeOne(hexOf("enrp HANDLE_UPDATE add"));
  t.equal(o.protocol, "enrp");
  t.equal(o.type, "HANDLE_UPDATE");
  t.equal(o.flags, 1);
  t.equal(o.updateAction, 0);
  t.equal(o.senderServerIdentifier, 0x5e5e0001);
  t.equal(o.receiverServerIdentifier, 0x5e5e0002);
  const pe = o.poolElement as JsonObject;
  t.same(pe.asapTransport, { type: "sctp", port: 40001, transportUse: 1, serviceCode: 0, addresses: ["192.0.2.1"] });
  const lr = decodeOne(hexOf("enrp LIST_RESPONSE"));
  t.same((lr.serverInformations as JsonObject[]).map((s) => s.serverIdentifier), [0x5e5e0003, 0x5e5e0004]);
});

t.test("decode: ERROR causes carry code, name and info", async (t) => {
  const o = decodeOne(hexOf("asap ERROR cause 0x5"));
  const cause = ((o.error as JsonObject).causes as JsonObject[])[0];
  t.equal(cause.code, 5);
  t.equal(cause.codeName, "INCONSISTENT_POLICY");
  t.equal(cause.info, tlv(0x0008, "00000001"));
});

t.test("decode: a rejected message is a structured result", async (t) => {
  // HANDLE_RESOLUTION whose length field claims 8 more bytes than there are.
  const good = hexOf("asap HANDLE_RESOLUTION").slice(5);
  const len = parseInt(good.slice(4, 8), 16) + 8;
  const lie = good.slice(0, 4) + len.toString(16).padStart(4, "0") + good.slice(8);
  const o = decodeOne(`asap ${lie}`);
  t.equal(o.ok, false);
  t.equal(o.protocol, "asap");
  const e = o.error as JsonObject;
  t.same(Object.keys(e), ["cause", "causeName", "offset", "reason", "info", "report"]);
  t.type(e.cause, "number");
  t.type(e.reason, "string");
  t.ok((e.reason as string).length > 0);
  t.type(e.report, "boolean");
  t.ok((e.offset as number) >= 0 && (e.offset as number) <= good.length / 2);
  // An unknown message type: cause 2 with the message as info (RFC 5354 s3.11).
  const u = decodeOne("asap ee000004");
  t.equal(u.ok, false);
  t.equal((u.error as JsonObject).cause, 2);
  t.equal((u.error as JsonObject).causeName, "UNRECOGNIZED_MESSAGE");
  t.equal((u.error as JsonObject).info, "ee000004");
});

t.test("decode: comments, blank lines, spaced hex and carriage suffixes", async (t) => {
  const hex = hexOf("asap HANDLE_RESOLUTION").slice(5);
  const spaced = hex.replace(/(..)/g, "$1 ").trim();
  const input = ["# a comment line", "", `asap ${spaced}   # trailing comment`, `   asap/sctp 0x${hex}`, `ASAP ${hex}`].join("\n");
  const r = wire("decode", input + "\n");
  t.equal(r.status, 0);
  t.equal(r.stderr, "");
  const out = lines(r.stdout).map((l) => JSON.parse(l) as JsonObject);
  t.equal(out.length, 3);
  for (const o of out) t.equal(o.type, "HANDLE_RESOLUTION");
});

t.test("decode: bad lines are reported with their line number and do not stop the run", async (t) => {
  const good = hexOf("asap HANDLE_RESOLUTION");
  const input = [good, "asap 0500zz0c", "sctp 05000004", "asap 123", "asap", good, "enrp 01 # fine tag, bad message"].join("\n");
  const r = wire("decode", input + "\n");
  t.equal(r.status, 1, "non-zero exit");
  t.match(r.stderr, /line 2: not hex: "z"/);
  t.match(r.stderr, /line 3: unknown tag "sctp"/);
  t.match(r.stderr, /line 4: odd number of hex digits \(3\)/);
  t.match(r.stderr, /line 5: no hex payload/);
  t.match(r.stderr, /4 bad input lines/);
  t.notMatch(r.stderr, /line (1|6|7):/);
  const out = lines(r.stdout).map((l) => JSON.parse(l) as JsonObject);
  t.same(out.map((o) => o.ok), [true, true, false], "good lines and the short message are still decoded");
});

t.test("encode: bad JSON lines are reported with line number and key, the rest is encoded", async (t) => {
  const ok = JSON.stringify({ protocol: "asap", type: "HANDLE_RESOLUTION", poolHandleText: "EchoPool" });
  const bad = [
    "{not json",
    JSON.stringify({ protocol: "asap", type: "HANDLE_RESOLUTION", poolHandleText: "EchoPool", colour: "red" }),
    JSON.stringify({ protocol: "asap", type: "NO_SUCH_TYPE" }),
    JSON.stringify({ protocol: "smtp", type: "HANDLE_RESOLUTION" }),
    JSON.stringify({ protocol: "asap", type: "REGISTRATION", poolHandle: "abc", poolElements: [] }),
    JSON.stringify({ protocol: "asap", type: "HANDLE_RESOLUTION", poolHandle: "00", poolHandleText: "x" }),
    JSON.stringify({
      protocol: "asap",
      type: "REGISTRATION",
      poolHandleText: "P",
      poolElements: [{ identifier: 1, userTransport: { type: "sctp", port: 70000, addresses: ["192.0.2.1"] }, policy: { type: "rr" } }],
    }),
    JSON.stringify({
      protocol: "asap",
      type: "REGISTRATION",
      poolHandleText: "P",
      poolElements: [{ identifier: 1, userTransport: { type: "sctp", port: 1, addresses: ["300.1.2.3"] }, policy: { type: "rr" } }],
    }),
    JSON.stringify({
      protocol: "asap",
      type: "REGISTRATION",
      poolHandleText: "P",
      poolElements: [{ identifier: 1, userTransport: { type: "sctp", port: 1, addresses: ["192.0.2.1"] }, policy: { type: "rr", wieght: 1 } }],
    }),
    JSON.stringify({ ok: false, protocol: "asap", error: { cause: 1 } }),
    JSON.stringify([1, 2]),
  ];
  const input = [ok, ...bad, ok].join("\n") + "\n";
  const r = wire("encode", input);
  t.equal(r.status, 1);
  const expected = [
    /line 2: malformed JSON/,
    /line 3: colour: unknown key/,
    /line 4: type: unknown ASAP message type "NO_SUCH_TYPE"/,
    /line 5: protocol: expected "asap" or "enrp"/,
    /line 6: poolHandle: expected a hex string/,
    /line 7: poolHandleText: does not match poolHandle 00/,
    /line 8: poolElements\[0\]\.userTransport\.port: 70000 is out of range 0\.\.65535/,
    /line 9: poolElements\[0\]\.userTransport\.addresses\[0\]: not an IPv4 or IPv6 address/,
    /line 10: poolElements\[0\]\.policy\.wieght: unknown key/,
    /line 11: (ok: expected true|error: unknown key)/,
    /line 12: expected a JSON object, got an array/,
    /11 bad input lines/,
  ];
  for (const re of expected) t.match(r.stderr, re);
  const out = lines(r.stdout);
  t.equal(out.length, 2, "the two good lines are encoded");
  t.equal(out[0], out[1]);
  t.equal(out[0], hexOf("asap HANDLE_RESOLUTION"));
});

t.test("encode: readable forms and defaults", async (t) => {
  // Policy by short name, type name with prefix, pool handle as text only.
  const a = {
    protocol: "asap",
    type: "asap_registration",
    poolHandleText: "EchoPool",
    poolElements: [
      {
        identifier: 0x11111111,
        homeRegistrarIdentifier: 0x0a0b0c0d,
        registrationLife: 30000,
        userTransport: { type: "sctp", port: 7, transportUse: 1, addresses: ["192.0.2.1", "2001:db8::1"] },
        policy: { type: "rr" },
      },
    ],
  };
  const r = wire("encode", JSON.stringify(a) + "\n");
  t.equal(r.stderr, "");
  t.equal(lines(r.stdout)[0], hexOf("asap REGISTRATION"));
  // typeCode alone, and a type name that contradicts it.
  const b = { ...a, poolElements: [{ ...a.poolElements[0], policy: { typeCode: 1 } }] };
  t.equal(lines(wire("encode", JSON.stringify(b) + "\n").stdout)[0], hexOf("asap REGISTRATION"));
  const c = { ...a, poolElements: [{ ...a.poolElements[0], policy: { type: "lu", typeCode: 1 } }] };
  const rc = wire("encode", JSON.stringify(c) + "\n");
  t.equal(rc.status, 1);
  t.match(rc.stderr, /line 1: poolElements\[0\]\.policy\.type: "lu" is 0x40000001, typeCode says 0x1/);
});

t.test("--help and usage errors", async (t) => {
  for (const sub of ["decode", "encode"]) {
    const r = wire(sub, "", ["--help"]);
    t.equal(r.status, 0, `${sub} --help exits 0`);
    t.match(r.stdout, new RegExp(`Usage: rserpool wire ${sub}`));
  }
  const bad = spawnSync(process.execPath, [BIN, "wire", "frobnicate"], { encoding: "utf8" });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown subcommand 'frobnicate'/);
  const extra = wire("decode", "", ["file.txt"]);
  t.equal(extra.status, 2);
  t.match(extra.stderr, /unexpected argument 'file.txt'/);
  const top = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  t.match(top.stdout, /\n {2}wire +decode\/encode ASAP and ENRP messages/);
});

t.test("decode: non-fatal deviations are listed as problems; encode writes the clean form", async (t) => {
  const input = [
    "asap 050000100009000b4563686f506f6fff", // pool handle "EchoPoo" with a non-zero pad byte
    "asap 05000014000900084563686fc0300008deadbeef", // unknown 0x0030 with skip-and-report bits
    "asap 05000014000900084563686f80300008deadbeef", // the same with skip bits
  ];
  const r = wire("decode", input.join("\n") + "\n");
  t.equal(r.status, 0);
  const out = lines(r.stdout).map((l) => JSON.parse(l) as JsonObject);
  t.same(out.map((o) => o.problems), [
    [{ offset: 15, reason: "non-zero padding", cause: 0, info: null }],
    [{ offset: 12, reason: "unrecognized parameter skipped and reported", cause: 1, info: "c0300008deadbeef" }],
    [{ offset: 12, reason: "unrecognized parameter skipped", cause: 0, info: null }],
  ]);
  const again = wire("encode", r.stdout);
  t.same(lines(again.stdout), ["asap 050000100009000b4563686f506f6f00", "asap 0500000c000900084563686f", "asap 0500000c000900084563686f"]);
});

t.test(
  "decode|encode keeps an Operation Error whose length stops inside its last cause's padding",
  { todo: "codec: such a length is accepted with no Problem but re-encoded with the padding counted (reported)" },
  async (t) => {
    // rsplib-style: Operation Error length 17 = 4 + cause of 13 bytes; the cause's 3 padding bytes are outside it.
    const hexLine = "asap 0e000018000c00110001000d7f0100090102030405000000";
    const o = decodeOne(hexLine);
    t.equal(o.ok, true);
    t.same(o.problems, [], "decoded as clean");
    const again = wire("encode", JSON.stringify(o) + "\n");
    t.equal(lines(again.stdout)[0], hexLine, "so decode | encode must give the same bytes");
  },
);
