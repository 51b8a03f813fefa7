// `rserpool bench`: the dispatcher and the shape of `bench wire --json`
// (figures are not asserted: they belong to the benchmark, not to tests).
import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

function bench(args: string[]) {
  return spawnSync(process.execPath, [BIN, "bench", ...args], { encoding: "utf8", timeout: 120_000 });
}

t.test("bench lists its benchmarks and refuses unknown ones", async (t) => {
  const help = bench(["--help"]);
  t.equal(help.status, 0);
  t.match(help.stdout, /\n {2}wire +ASAP\/ENRP codec/);
  t.match(help.stdout, /\n {2}all +every benchmark above/);
  const none = bench([]);
  t.equal(none.status, 2);
  const bad = bench(["nope"]);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown benchmark 'nope'/);
  const badOption = bench(["wire", "--seconds", "-1"]);
  t.equal(badOption.status, 2);
  t.match(badOption.stderr, /--seconds needs a number/);
  t.match(bench(["wire", "--help"]).stdout, /Usage: rserpool bench wire/);
});

t.test("bench wire --json reports rate and allocation for both messages", async (t) => {
  const r = bench(["wire", "--json", "--seconds", "0.05"]);
  t.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    bench: string;
    method: string;
    results: { case: string; bytes: number; decode: Record<string, number | null>; encode: Record<string, number | null> }[];
    targetsMet: boolean;
  };
  t.equal(doc.bench, "wire");
  t.match(doc.method, /--expose-gc|expose-gc/);
  t.same(doc.results.map((x) => x.case), ["asap REGISTRATION", "asap HANDLE_RESOLUTION_RESPONSE (3 PEs)"]);
  for (const x of doc.results) {
    for (const op of [x.decode, x.encode]) {
      t.ok((op.messagesPerSecond as number) > 0, `${x.case}: a rate`);
      t.type(op.bytesAllocatedPerMessage, "number", `${x.case}: an allocation figure (no GC spoiled every window)`);
    }
  }
  t.type(doc.targetsMet, "boolean");
});
