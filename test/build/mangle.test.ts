// Property mangling (build/mangle.mjs): every bundle's "_" properties have
// pinned short names in build/mangle-cache.json, the committed cache is what
// `node build/build.mjs --mangle-cache` writes, names never merge two
// properties of one bundle, and a bundle over shared modules may not rename
// their fields.
import t from "tap";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  updateMangleCache(entries: Entry[], path: string): Promise<Record<string, string>>;
};
const mangle = (await import(`${ROOT}build/mangle.mjs`)) as {
  assignNames(uses: Map<string, Map<string, number>>, reserved: Set<string>, alphabet?: string): Record<string, string>;
  checkMangleCache(cache: Record<string, string>, uses: [string, Set<string>][], reserved: Set<string>): string[];
};

t.test("the committed cache is current and pins every mangled property", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rsp-mangle-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = await build.updateMangleCache(build.ENTRIES, join(dir, "cache.json"));
  const committed = JSON.parse(readFileSync(build.MANGLE_CACHE, "utf8")) as Record<string, string>;
  t.same(committed, fresh, "run `node build/build.mjs --mangle-cache` and commit build/mangle-cache.json");
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
  const cache = mangle.assignNames(uses, new Set(["x"]), "xyz");
  t.equal(cache.often_, "y", "most frequent gets the first free name ('x' is a property name)");
  t.equal(cache.other_, "y", "never in a bundle with often_: may share its name");
  t.equal(cache.rare_, "z", "meets both: a name of its own");
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
