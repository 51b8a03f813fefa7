// Property mangling (build/mangle.mjs): every bundle's "_" properties have
// pinned short names in build/mangle-cache.json, the committed cache is what
// `node build/build.mjs --mangle-cache` keeps (nothing new, nothing stale),
// pinned names stay put when code changes, names never merge two properties
// of one bundle, and a bundle over shared modules may not rename their
// fields.
import t from "tap";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Entry { name: string; entry: string; profile: string; shared?: string[] }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  MANGLE_CACHE: string;
  gate(entries: Entry[]): Promise<string[]>;
  bundle(entry: Entry, minify: boolean): Promise<{ code: string; unpinned: string[] }>;
  updateMangleCache(entries: Entry[], path: string, fresh?: boolean): Promise<Record<string, string>>;
};
const mangle = (await import(`${ROOT}build/mangle.mjs`)) as {
  assignNames(uses: Map<string, Map<string, number>>, reserved: Set<string>, weights?: Map<string, number>,
    pinned?: Record<string, string>): Record<string, string>;
  checkMangleCache(cache: Record<string, string>, uses: [string, Set<string>][], reserved: Set<string>): string[];
};

t.test("the committed cache is current and pins every mangled property", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rsp-mangle-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const committed = JSON.parse(readFileSync(build.MANGLE_CACHE, "utf8")) as Record<string, string>;
  const path = join(dir, "cache.json");
  writeFileSync(path, JSON.stringify(committed));
  const updated = await build.updateMangleCache(build.ENTRIES, path);
  t.same(updated, committed, "run `node build/build.mjs --mangle-cache` and commit build/mangle-cache.json");
  t.ok(Object.keys(committed).length > 100, "internal fields of wire, handlespace, registrar, client are mangled");
  for (const entry of build.ENTRIES) {
    const { unpinned } = await build.bundle(entry, true);
    t.same(unpinned, [], `${entry.name}: nothing mangled without a pinned name`);
  }
});

t.test("shipped bundles carry no internal field names", async (t) => {
  const registrar = (await build.bundle(build.ENTRIES.find((e) => e.name === "registrar") as Entry, true)).code;
  for (const name of ["peBuckets_", "poolTable_", "rec_", "lastActivity_", "records_", "base_"]) {
    t.notOk(registrar.includes(name), name);
  }
  t.ok(registrar.includes("createRegistrar"), "public names stay");
});

t.test("assignNames: shortest names first, distinct within a bundle, shared across disjoint bundles", async (t) => {
  const uses = new Map([
    ["a", new Map([["often_", 9], ["rare_", 1]])],
    ["b", new Map([["other_", 5], ["rare_", 1]])],
  ]);
  const cache = mangle.assignNames(uses, new Set(["e"]));
  t.equal(cache.often_, "t", "most frequent gets the first free name ('e' is a property name)");
  t.equal(cache.other_, "t", "never in a bundle with often_: may share its name");
  t.equal(cache.rare_, "n", "meets both: a name of its own");
  const meet = new Map([["a", new Map([["x_", 5]])], ["b", new Map([["y_", 2]])], ["c", new Map([["x_", 1], ["y_", 1]])]]);
  t.same(mangle.assignNames(meet, new Set()), { x_: "e", y_: "t" }, "x_ (6) before y_ (3)");
  t.same(mangle.assignNames(meet, new Set(), new Map([["b", 3]])), { x_: "t", y_: "e" }, "b weighs 3: y_ (7) before x_ (6)");
});

t.test("assignNames keeps pinned names, drops stale ones, re-pins what would merge", async (t) => {
  const uses = new Map([["a", new Map([["often_", 9], ["new_", 20], ["x_", 1]])]]);
  const cache = mangle.assignNames(uses, new Set(), new Map(), { often_: "q", gone_: "t", x_: "q" });
  t.equal(cache.often_, "q", "pinned name kept although new_ is now more frequent");
  t.equal(cache.new_, "e", "the new property takes the first free name");
  t.notOk("gone_" in cache, "a property nobody uses any more is dropped");
  t.not(cache.x_, "q", "a pin that would merge two properties of one bundle is replaced");
});

t.test("checkMangleCache refuses unpinned, merged and reserved names", async (t) => {
  const problems = mangle.checkMangleCache({ a_: "q", b_: "q", c_: "u", d_: "do" },
    [["one", new Set(["a_", "b_", "e_"])], ["two", new Set(["c_", "d_"])]], new Set(["u"]));
  t.ok(problems.some((p) => p.includes("'e_' has no pinned name")), "unpinned");
  t.ok(problems.some((p) => p.includes("'a_' and 'b_' are both 'q'")), "merged in one bundle");
  t.ok(problems.some((p) => p.includes("'c_' -> 'u', which core also uses")), "collides with a real property");
  t.ok(problems.some((p) => p.includes("'d_' -> 'do' is not a usable name")), "reserved word");
  t.same(mangle.checkMangleCache({ a_: "q", b_: "q" }, [["one", new Set(["a_"])], ["two", new Set(["b_"])]], new Set()), [],
    "the same name in bundles that never meet is fine");
});

t.test("a bundle over shared modules may not use their '_' fields", async (t) => {
  const problems = await build.gate([{
    name: "x", entry: "test/build/fixtures/mangle-user.ts", profile: "client", shared: ["test/build/fixtures/mangle-shared/"],
  }]);
  t.ok(problems.some((p) => /mangle-user\.ts:5:\d+: 'value_' belongs to shared .*box\.ts.*\[mangle-shared\]$/.test(p)), problems.join("\n"));
});
