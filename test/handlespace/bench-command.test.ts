// `rserpool bench handlespace`: options and the shape of --json (figures are
// not asserted: they belong to the benchmark, not to tests).
import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
const SMALL = ["--pes", "300", "--pools", "30", "--resolves", "2000"];

function bench(args: string[]) {
  return spawnSync(process.execPath, [BIN, "bench", "handlespace", ...args], { encoding: "utf8", timeout: 120_000 });
}

t.test("bench handlespace is listed and documents its options", async (t) => {
  const list = spawnSync(process.execPath, [BIN, "bench", "--help"], { encoding: "utf8" });
  t.match(list.stdout, /\n {2}handlespace +handlespace:/);
  const help = bench(["--help"]);
  t.equal(help.status, 0);
  for (const option of ["--pes", "--pools", "--policy", "--json", "--resolves", "--associations"]) {
    t.match(help.stdout, option);
  }
});

t.test("--json prints one object with the rates and bytes per PE", async (t) => {
  const r = bench([...SMALL, "--policy", "rr", "--json"]);
  t.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.same(Object.keys(doc), ["pes", "pools", "policy", "register", "reregister", "resolve", "deregister", "expire",
    "bytesPerPe"]);
  t.equal(doc.pes, 300);
  t.equal(doc.pools, 30);
  t.equal(doc.policy, "RoundRobin");
  for (const key of ["register", "reregister", "resolve", "deregister", "expire"]) {
    t.ok(typeof doc[key] === "number" && (doc[key] as number) > 0, key);
  }
  t.type(doc.bytesPerPe, "number");
});

t.test("policy names: rsplib spellings in any case and short forms", async (t) => {
  const cases: [string, string][] = [
    ["LeastUsed", "LeastUsed"],
    ["leastuseddegradation", "LeastUsedDegradation"],
    ["WRAND", "WeightedRandom"],
    ["rplud", "RandomizedPriorityLeastUsedDegradation"],
    ["plud-dpf", "PriorityLeastUsedDegradationDPF"],
  ];
  for (const [name, expected] of cases) {
    const r = bench([...SMALL, "--policy", name, "--json"]);
    t.equal(r.status, 0, r.stderr);
    t.equal((JSON.parse(r.stdout) as { policy: string }).policy, expected, name);
  }
  const bad = bench([...SMALL, "--policy", "fastest"]);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown policy 'fastest'/);
  const badNumber = bench(["--pes", "0"]);
  t.equal(badNumber.status, 2);
});

t.test("the table form names every phase", async (t) => {
  const r = bench([...SMALL, "--policy", "prio", "--associations", "7"]);
  t.equal(r.status, 0, r.stderr);
  for (const phase of ["register", "re-register", "resolve \\(3\\)", "deregister", "expire", "bytes/PE"]) {
    t.match(r.stdout, new RegExp(phase));
  }
  t.match(r.stdout, /policy Priority, 7 associations/);
});
