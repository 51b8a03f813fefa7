// `rserpool bench registrar`: options and the shape of --json (figures are
// the benchmark's business, not asserted here).
import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

function bench(args: string[]) {
  return spawnSync(process.execPath, [BIN, "bench", "registrar", ...args], { encoding: "utf8", timeout: 120_000 });
}

t.test("bench registrar --json on a small handlespace", async (t) => {
  const r = bench(["--json", "--seconds", "0.05", "--pools", "4", "--per-pool", "5", "--items", "2"]);
  t.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.equal(doc.bench, "registrar");
  t.match(doc.method as string, /expose-gc/);
  t.equal(doc.poolElements, 20);
  t.equal(doc.resolutionItems, 2);
  for (const key of ["registrationsPerSecond", "reregistrationsPerSecond", "resolutionsPerSecond"]) {
    t.ok((doc[key] as number) > 0, `${key} measured`);
  }
  t.type(doc.bytesAllocatedPerResolution, "number", "an allocation figure");
  t.type(doc.meetsTarget, "boolean");
});

t.test("bench registrar refuses bad options and explains itself", async (t) => {
  const help = bench(["--help"]);
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: rserpool bench registrar/);
  const bad = bench(["--pools", "0"]);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--pools needs a positive number/);
  t.equal(bench(["--frobnicate"]).status, 2);
});
