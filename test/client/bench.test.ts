// `rserpool bench client`: options and the shape of --json (figures are the
// benchmark's business, not asserted here).
import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

function bench(args: string[]) {
  return spawnSync(process.execPath, [BIN, "bench", "client", ...args], { encoding: "utf8", timeout: 120_000 });
}

t.test("bench client --json", async (t) => {
  const r = bench(["--json", "--seconds", "0.05"]);
  t.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.equal(doc.bench, "client");
  t.equal(doc.poolElements, 1000);
  for (const key of ["echoMessagesPerSecond", "keepAlivesPerSecond", "cachedResolutionsPerSecond"]) {
    t.ok((doc[key] as number) > 0, `${key} measured`);
  }
  const bytes = doc.bytesAllocated as Record<string, unknown>;
  t.type(bytes, "object", "allocation figures");
  for (const key of ["echo", "keepAlive", "resolve"]) t.ok(bytes[key] === null || typeof bytes[key] === "number", key);
});

t.test("bench client refuses bad options and explains itself", async (t) => {
  const help = bench(["--help"]);
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: rserpool bench client/);
  t.equal(bench(["--frobnicate"]).status, 2);
});
