// Seeded mutation fuzzing of the wire codec, second half (see fuzz.ts, run-fuzz.ts).
import { fuzzTest } from "./fuzz.js";

fuzzTest("wire fuzz, seed 2", 0x5eed0002, 1_000_000);
