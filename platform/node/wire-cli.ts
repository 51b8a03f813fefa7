// rserpool wire decode|encode: hex lines <-> JSON lines, a filter pair for
// inspecting and crafting ASAP/ENRP messages. `decode | encode` reproduces
// the input bytes of every message that decodes without problems.

import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { createDecoder, createWriter, decodeAsap, decodeEnrp, encodeAsap, encodeEnrp } from "../../core/wire/index.js";
import type { Decoder, Writer } from "../../core/wire/index.js";
import {
  JsonInputError,
  asapFromJson,
  asapToJson,
  enrpFromJson,
  enrpToJson,
  failureToJson,
  parseHexLine,
  protocolOf,
  toHex,
} from "./wire-json.js";
import type { Json, JsonObject, Protocol } from "./wire-json.js";

const USAGE = `Usage: rserpool wire <decode|encode> [--help]

  decode   read hex messages from stdin, print one JSON object per message
  encode   read JSON objects (one per line) from stdin, print hex messages
`;

const DECODE_HELP = `Usage: rserpool wire decode < messages.txt

Reads one message per line: "asap <hex>" or "enrp <hex>". Blank lines and
lines starting with '#' are skipped; text after '#' is a comment. Hex may
contain spaces (and ':', '_', '.', '-'; a 0x prefix is allowed); a tag may
carry the oracle's carriage suffix (asap/udp, enrp/sctp, ...), which is
ignored.

Prints one JSON object per message line:
  {"ok": true, "protocol": "asap", "type": "REGISTRATION", "flags": 0,
   "poolHandle": "<hex>", "poolHandleText": "<text, only when printable>",
   ...every field of the message..., "problems": [...]}
or, when the message is rejected:
  {"ok": false, "protocol": "asap", "error": {"cause": n, "causeName": "...",
   "offset": n, "reason": "...", "info": "<hex>"|null, "report": bool}}

"problems" lists non-fatal deviations (offset, reason, cause, info); it is
empty for a clean message, and \`decode | encode\` reproduces the bytes of
every clean message. Byte fields are lowercase hex, addresses are text,
absent values are null.

A line that is not a message (unknown tag, bad hex) is reported on stderr
with its line number; decoding continues and the exit status is 1. A
rejected message is a result, not an input error (exit status 0).
`;

const ENCODE_HELP = `Usage: rserpool wire encode < messages.jsonl

Reads one JSON object per line in the form \`rserpool wire decode\` prints
(the "ok": true form) and prints "asap <hex>" or "enrp <hex>" per object.
Blank lines and lines starting with '#' are skipped.

"protocol" and "type" are required; unknown keys are an error; missing
optional keys mean absent (null, 0 or empty list). "problems" is ignored.
A pool handle is taken from "poolHandle" (hex); "poolHandleText" alone is
encoded as UTF-8, and when both are given they must agree. A policy is
named by "type" (rsplib name or short form such as "rr", "lud") and/or
"typeCode"; a transport "type" is sctp, tcp, udp, udp-lite or dccp.

Bad lines (malformed JSON, unknown keys, out-of-range values) are reported
on stderr with their line number and the offending key; encoding
continues and the exit status is 1.
`;

/** Decodes one message into its JSON form (ok:true or ok:false). */
export function decodeToJson(decoder: Decoder, protocol: Protocol, bytes: Uint8Array): JsonObject {
  if (protocol === "asap") {
    const m = decodeAsap(decoder, bytes, 0, bytes.length);
    if (m === null) return failureToJson("asap", decoder.error!);
    return asapToJson(m, decoder.problems);
  }
  const m = decodeEnrp(decoder, bytes, 0, bytes.length);
  if (m === null) return failureToJson("enrp", decoder.error!);
  return enrpToJson(m, decoder.problems);
}

/**
 * Encodes one JSON message into `writer`. Returns the protocol and a view
 * valid until the writer's next use; throws JsonInputError on bad input and
 * Error when the codec refuses the record.
 */
export function encodeFromJson(writer: Writer, value: Json): { protocol: Protocol; bytes: Uint8Array } {
  const protocol = protocolOf(value);
  if (protocol === "asap") {
    const m = asapFromJson(value);
    return { protocol, bytes: encodeAsap(writer, m) };
  }
  const m = enrpFromJson(value);
  return { protocol, bytes: encodeEnrp(writer, m) };
}

interface Streams {
  input: Readable;
  output: Writable;
  errors: Writable;
}

async function eachLine(input: Readable, fn: (line: string, lineNumber: number) => void): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) fn(line, ++n);
}

/** Buffers output lines and flushes in chunks (one write per line is slow for big inputs). */
function lineSink(output: Writable): { push(line: string): void; flush(): void } {
  let chunk: string[] = [];
  let size = 0;
  return {
    push(line: string) {
      chunk.push(line);
      size += line.length;
      if (size > 1 << 16) this.flush();
    },
    flush() {
      if (chunk.length > 0) output.write(chunk.join("\n") + "\n");
      chunk = [];
      size = 0;
    },
  };
}

export async function decodeStream(io: Streams): Promise<number> {
  const decoder = createDecoder();
  const sink = lineSink(io.output);
  let bad = 0;
  await eachLine(io.input, (line, n) => {
    let parsed;
    try {
      parsed = parseHexLine(line);
    } catch (e) {
      bad++;
      io.errors.write(`rserpool wire decode: line ${n}: ${(e as Error).message}\n`);
      return;
    }
    if (parsed === null) return;
    sink.push(JSON.stringify(decodeToJson(decoder, parsed.protocol, parsed.bytes)));
  });
  sink.flush();
  if (bad > 0) io.errors.write(`rserpool wire decode: ${bad} bad input line${bad === 1 ? "" : "s"}\n`);
  return bad > 0 ? 1 : 0;
}

export async function encodeStream(io: Streams): Promise<number> {
  const writer = createWriter(256);
  const sink = lineSink(io.output);
  let bad = 0;
  await eachLine(io.input, (line, n) => {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) return;
    let value: Json;
    try {
      value = JSON.parse(text) as Json;
    } catch (e) {
      bad++;
      io.errors.write(`rserpool wire encode: line ${n}: malformed JSON: ${(e as Error).message}\n`);
      return;
    }
    try {
      const out = encodeFromJson(writer, value);
      sink.push(`${out.protocol} ${toHex(out.bytes)}`);
    } catch (e) {
      bad++;
      const what = e instanceof JsonInputError ? "" : "cannot encode: ";
      io.errors.write(`rserpool wire encode: line ${n}: ${what}${(e as Error).message}\n`);
    }
  });
  sink.flush();
  if (bad > 0) io.errors.write(`rserpool wire encode: ${bad} bad input line${bad === 1 ? "" : "s"}\n`);
  return bad > 0 ? 1 : 0;
}

export async function run(args: string[]): Promise<number> {
  const sub = args[0];
  const rest = args.slice(1);
  const io = { input: process.stdin, output: process.stdout, errors: process.stderr };
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    (sub === undefined ? process.stderr : process.stdout).write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "decode" && sub !== "encode") {
    process.stderr.write(`rserpool wire: unknown subcommand '${sub}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(sub === "decode" ? DECODE_HELP : ENCODE_HELP);
    return 0;
  }
  if (rest.length > 0) {
    process.stderr.write(`rserpool wire ${sub}: unexpected argument '${rest[0]}' (input comes from stdin)\n`);
    return 2;
  }
  return sub === "decode" ? decodeStream(io) : encodeStream(io);
}
