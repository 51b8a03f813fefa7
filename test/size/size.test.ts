import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SIZE = `${ROOT}build/size.mjs`;

interface Budget { name: string; file: string; gzipBytes: number }
const build = (await import(`${ROOT}build/build.mjs`)) as { ENTRIES: { name: string }[] };

// Deterministic, poorly compressible bytes (xorshift32, fixed seed).
function noise(n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function fixture(t: Test, budget: Budget[], artifacts: Record<string, Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "rsp-size-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [file, bytes] of Object.entries(artifacts)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), bytes);
  }
  writeFileSync(join(dir, "budget.json"), JSON.stringify(budget));
  return dir;
}

function run(dir: string, ...extra: string[]) {
  return spawnSync(process.execPath, [SIZE, "--no-build", "--root", dir, "--budget", join(dir, "budget.json"), ...extra],
    { encoding: "utf8" });
}

const BLOB = noise(2000);
const BLOB_GZIP = gzipSync(BLOB, { level: 9 }).length;

t.test("within budget: exit 0, size and headroom printed", async (t) => {
  const dir = fixture(t, [{ name: "a", file: "out/a.min.js", gzipBytes: BLOB_GZIP + 100 }], { "out/a.min.js": BLOB });
  const r = run(dir);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, new RegExp(`a: +${BLOB_GZIP} B gzip -9 of out/a\\.min\\.js, limit ${BLOB_GZIP + 100} B, headroom 100 B`));
});

t.test("one byte over budget: exit 1, names the artifact", async (t) => {
  const dir = fixture(t, [
    { name: "ok", file: "ok.js", gzipBytes: 10000 },
    { name: "big", file: "big.js", gzipBytes: BLOB_GZIP - 1 },
  ], { "ok.js": Buffer.from("x"), "big.js": BLOB });
  const r = run(dir);
  t.equal(r.status, 1);
  t.match(r.stdout, /big: .*OVER BUDGET by 1 B/);
  t.match(r.stderr, /big over budget/);
});

t.test("a missing artifact fails", async (t) => {
  const dir = fixture(t, [{ name: "gone", file: "out/gone.min.js", gzipBytes: 1000 }], {});
  const r = run(dir);
  t.equal(r.status, 1);
  t.match(r.stdout, /gone: MISSING out\/gone\.min\.js/);
});

t.test("the change since the previous run is printed", async (t) => {
  const dir = fixture(t, [{ name: "a", file: "a.js", gzipBytes: 100000 }], { "a.js": BLOB });
  t.equal(run(dir).status, 0);
  writeFileSync(join(dir, "a.js"), Buffer.concat([BLOB, noise(300)]));
  const r = run(dir);
  t.equal(r.status, 0);
  t.match(r.stdout, /\(\+\d+ B since last run\)/);
});

t.test("a malformed budget is a usage error", async (t) => {
  const dir = fixture(t, [{ name: "a", file: "a.js", gzipBytes: -5 }], { "a.js": BLOB });
  t.equal(run(dir).status, 2);
});

t.test("building, then checking a real artifact against a tiny --budget fails", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rsp-size-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const budget = join(dir, "tiny.json");
  writeFileSync(budget, JSON.stringify([{ name: "wire", file: "build/out/wire.min.js", gzipBytes: 10 }]));
  const r = spawnSync(process.execPath, [SIZE, "--budget", budget], { encoding: "utf8", cwd: ROOT });
  t.equal(r.status, 1);
  t.match(r.stdout, /wire: .*OVER BUDGET/);
});

t.test("size-budget.json lists only artifacts that `npm run build` produces", async (t) => {
  const budget = JSON.parse(readFileSync(`${ROOT}size-budget.json`, "utf8")) as Budget[];
  t.ok(budget.length >= 1);
  const built = new Set(build.ENTRIES.map((e) => `build/out/${e.name}.min.js`));
  for (const b of budget) t.ok(built.has(b.file), `${b.name}: ${b.file} is built`);
  t.ok(budget.some((b) => b.name === "wire"));
});
