// Seeded mutation fuzzing of the wire codec, first half (see fuzz.ts, run-fuzz.ts).
import { fuzzTest } from "./fuzz.js";

fuzzTest("wire fuzz, seed 1", 0x5eed0001, 1_000_000);
