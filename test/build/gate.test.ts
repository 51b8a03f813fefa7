import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BUILD = `${ROOT}build/build.mjs`;
const FIXTURES = "test/build/fixtures";

interface Entry { name: string; entry: string; profile: string }
interface BuildModule {
  ENTRIES: Entry[];
  gate(entries: Entry[]): Promise<string[]>;
}
const build = (await import(BUILD)) as BuildModule;

function entry(name: string, profile = "client"): Entry {
  return { name, entry: `${FIXTURES}/${name}.ts`, profile };
}

// Each bad source, the rule that must refuse it, and the line the report must name.
const BAD: [string, string, RegExp][] = [
  ["destructuring", "espruino-syntax", /destructuring\.ts:2:\d+: Transforming destructuring/],
  ["default-param", "espruino-syntax", /default-param\.ts:1:\d+: Transforming default arguments/],
  ["for-of", "espruino-syntax", /for-of\.ts:3:\d+: Transforming for-of/],
  ["class-field", "class-field", /class-field\.ts:2:3: /],
  ["named-class", "named-class-expression", /named-class\.ts\): named class expression 'class Link'/],
  ["static-self", "named-class-expression", /static-self\.ts\): named class expression 'class _Registry'/],
  ["loop-closure", "loop-closure", /loop-closure\.ts:3:46: closure captures loop variable 'i'/],
  ["use-before", "use-before-declaration", /use-before\.ts:2:10: 'inner' is used before/],
  ["uses-map", "espruino-builtin", /uses-map\.ts\): 'Map' is not available/],
];

for (const [name, rule, where] of BAD) {
  t.test(`the gate refuses ${name}`, async (t) => {
    const problems = await build.gate([entry(name)]);
    t.ok(problems.some((p) => p.endsWith(`[${rule}]`) && where.test(p)), problems.join("\n") || "no problems");
  });
}

t.test("a self-referencing class is also caught in the minified bundle (=class X)", async (t) => {
  const problems = await build.gate([entry("named-class")]);
  t.ok(problems.some((p) => /minified bundle .*'=class [A-Za-z_$]/.test(p)), problems.join("\n"));
});

t.test("client-profile built-in scan: statics and ES2015 methods", async (t) => {
  const problems = (await build.gate([entry("uses-statics")])).join("\n");
  for (const what of ["Number.isInteger", "Array.from", "Math.imul", ".includes()"]) {
    t.ok(problems.includes(`'${what}'`), what);
  }
});

t.test("syntax esbuild passes through but Espruino refuses is caught in the bundle", async (t) => {
  const problems = await build.gate([entry("syntax-passthrough")]);
  for (const rule of ["computed-key", "label", "tagged-template", "arrow-arguments", "extends-error", "reserved-identifier"]) {
    t.ok(problems.some((p) => p.endsWith(`[${rule}]`) && p.includes("syntax-passthrough.ts")), rule);
  }
  t.notOk(problems.some((p) => p.includes("named-class-expression")), "`=class extends` is not a named class");
});

t.test("a server-profile entry may use Map", async (t) => {
  t.same(await build.gate([entry("uses-map", "server")]), []);
});

t.test("a good source passes, and so does every shipped entry", async (t) => {
  t.same(await build.gate([entry("good")]), []);
  t.ok(build.ENTRIES.some((e) => e.name === "wire" && e.profile === "client"));
  t.same(await build.gate(build.ENTRIES), []);
});

t.test("the CLI exits 1 with the problem on stdout, 0 when clean", async (t) => {
  const bad = spawnSync(process.execPath, [BUILD, "--gate", "--entry", `x=${FIXTURES}/for-of.ts`], { cwd: ROOT, encoding: "utf8" });
  t.equal(bad.status, 1);
  t.match(bad.stdout, /^x: test\/build\/fixtures\/for-of\.ts:3:\d+: .*\[espruino-syntax\]$/m);
  const good = spawnSync(process.execPath, [BUILD, "--gate", "--entry", `x=${FIXTURES}/good.ts:client`], { cwd: ROOT, encoding: "utf8" });
  t.equal(good.status, 0, good.stdout + good.stderr);
});
