// Encodes the samples in-process (no child process): the corpus of the
// oracle and fuzz tests. This module holds no tests.
import { createWriter } from "../../core/wire/index.js";
import { encodeFromJson } from "../../platform/node/wire-cli.js";
import type { Protocol } from "../../platform/node/wire-json.js";
import { SAMPLES } from "./samples.js";
import type { Sample } from "./samples.js";

export interface EncodedSample {
  sample: Sample;
  protocol: Protocol;
  bytes: Uint8Array;
}

export function encodeSamples(samples: Sample[] = SAMPLES): EncodedSample[] {
  const writer = createWriter(64);
  return samples.map((sample) => {
    const out = encodeFromJson(writer, sample.json);
    return { sample, protocol: out.protocol, bytes: out.bytes.slice() };
  });
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
