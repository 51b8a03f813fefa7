// Builds one fuzz test file's body: `inputs` seeded mutants of the corpus
// (every message type), all properties asserted at the end. This module
// holds no tests; fuzz-*.test.ts call it with their own seeds.
import t from "tap";
import { runFuzz } from "./run-fuzz.js";

/** WIRE_FUZZ_INPUTS=n overrides the per-file count (for long local runs). */
export function fuzzTest(name: string, seed: number, defaultInputs: number): void {
  const override = Number(process.env.WIRE_FUZZ_INPUTS);
  const inputs = Number.isInteger(override) && override > 0 ? override : defaultInputs;
  t.test(name, async (t) => {
    const report = runFuzz({
      seed,
      inputs,
      sampleEvery: 64,
      // Bounds that catch super-linear work, far above a normal decode (microseconds)
      // so that GC pauses on a loaded machine cannot trip them.
      maxInputMs: 100,
      maxBatchMs: 5000,
      maxTotalMs: 240_000 * Math.max(1, inputs / defaultInputs),
    });
    const rejected = Object.entries(report.rejected)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    t.comment(
      `seed 0x${seed.toString(16)}: ${report.inputs} inputs in ${(report.totalMs / 1000).toFixed(1)} s; ` +
        `accepted ${report.accepted} (${report.acceptedWithProblems} with problems, ${report.sharedPaddingLength} clean but re-encoded with another container length); rejected ${report.inputs - report.accepted}: ${rejected}; ` +
        `max sampled input ${report.maxInputMs.toFixed(2)} ms, max batch of 1024 ${report.maxBatchMs.toFixed(0)} ms`,
    );
    t.equal(report.truncated, false, "finished within the time cap");
    t.equal(report.inputs, inputs, "ran every input");
    t.equal(report.failureCount, 0, "no property failed");
    t.same(report.failureKinds, {}, "failures by kind");
    t.same(report.failures, [], "first failures (kind, protocol, input hex, detail)");
    // Known codec deviation, reported: a container (Operation Error) whose length
    // stops inside its last cause's padding decodes clean but re-encodes with the
    // padding counted, so decode|encode changes one length field.
    t.equal(report.sharedPaddingLength, 0, "clean decodes re-encode to the same bytes (shared-padding container length)", {
      todo: "codec accepts a container length ending inside the last TLV's padding without a Problem, e.g. asap 0e000018000c00110001000d7f0100090102030405000000",
    });
    t.ok(report.accepted > inputs / 100, "a fair share of mutants is still accepted (the fuzzer reaches deep code)");
  });
}
