import t from "tap";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkEspruinoTraps, checkFiles, collectTsFiles, type Violation } from "../../core/no-globals/checker.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = `${ROOT}test/no-globals/fixtures/`;
const CLI = `${ROOT}dist/core/no-globals/cli.js`;

/** `file:line:rule` for every `// expect: rule` comment in the fixture files. */
function expected(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    readFileSync(file, "utf8").split("\n").forEach((text, i) => {
      const m = /\/\/ expect: ([a-z-]+)/.exec(text);
      if (m !== null) out.push(`${basename(file)}:${i + 1}:${m[1]}`);
    });
  }
  return out.sort();
}

function found(violations: Violation[]): string[] {
  return violations.map((v) => `${basename(v.file)}:${v.line}:${v.rule}`).sort();
}

t.test("every module-level-state and host-global rule is caught with file and line", async (t) => {
  const files = collectTsFiles([`${FIXTURES}bad`]);
  t.equal(files.length, 3);
  const violations = checkFiles(files);
  const want = expected(files);
  t.ok(want.length >= 30, "the fixtures mark every rule");
  t.same(found(violations), want);
  const rules = new Set(violations.map((v) => v.rule));
  for (const rule of ["top-level-let", "top-level-var", "top-level-call", "top-level-new", "top-level-init",
    "unfrozen-literal", "mutable-static", "static-block", "forbidden-global", "host-import", "enum"]) {
    t.ok(rules.has(rule), `rule ${rule} fires`);
  }
  for (const v of violations) {
    t.ok(v.column >= 1 && v.message.length > 0, `${v.rule} has a column and a message`);
  }
  const math = violations.find((v) => /Math\.random/.test(v.message));
  t.ok(math !== undefined && basename(math.file) === "globals.ts" && math.line === 8, "Math.random is located");
});

t.test("clean sources pass: functions, types, frozen literals, consts, classes, locals, shadowing", async (t) => {
  const files = collectTsFiles([`${FIXTURES}clean`]);
  t.equal(files.length, 3);
  t.same(checkFiles(files), []);
  t.same(checkEspruinoTraps(files), []);
});

t.test("the real core passes both rule sets", async (t) => {
  const files = collectTsFiles([`${ROOT}core`]);
  t.ok(files.length > 0);
  t.notOk(files.some((f) => f.includes("no-globals")), "the checker does not check itself");
  t.same(checkFiles(files), []);
  t.same(checkEspruinoTraps(files), []);
});

t.test("Espruino traps: loop closures, use before declaration, class fields", async (t) => {
  const files = collectTsFiles([`${FIXTURES}traps`]);
  const violations = checkEspruinoTraps(files);
  t.same(found(violations), expected(files));
  t.same(checkFiles([`${FIXTURES}traps/traps.ts`]).filter((v) => v.rule !== "top-level-call"), [],
    "trap rules are a separate set");
});

t.test("the CLI prints file:line:col lines and exits 1, or exits 0 when clean", async (t) => {
  const bad = spawnSync(process.execPath, [CLI, `${FIXTURES}bad`], { encoding: "utf8", cwd: ROOT });
  t.equal(bad.status, 1);
  t.match(bad.stdout, /^test\/no-globals\/fixtures\/bad\/state\.ts:4:1: .*\[top-level-let\]$/m);
  t.match(bad.stdout, /^test\/no-globals\/fixtures\/bad\/globals\.ts:5:10: .*'Date'.*\[forbidden-global\]$/m);
  const clean = spawnSync(process.execPath, [CLI, `${FIXTURES}clean`], { encoding: "utf8", cwd: ROOT });
  t.equal(clean.status, 0, clean.stdout + clean.stderr);
  const traps = spawnSync(process.execPath, [CLI, "--traps", `${FIXTURES}traps`], { encoding: "utf8", cwd: ROOT });
  t.equal(traps.status, 1);
  t.match(traps.stdout, /traps\.ts:5:20: .*\[loop-closure\]/);
  const usage = spawnSync(process.execPath, [CLI], { encoding: "utf8", cwd: ROOT });
  t.equal(usage.status, 2);
});
