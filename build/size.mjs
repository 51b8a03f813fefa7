// Size budgets: node build/size.mjs [--budget FILE] [--root DIR] [--no-build]
//
// Builds the bundles (unless --no-build), then checks every artifact listed in
// the budget file (default <root>/size-budget.json: [{name, file, gzipBytes}],
// `file` relative to the root) against its limit after gzip -9. Prints size,
// limit, headroom and the change since the previous run; exits 1 when an
// artifact is over budget or missing, 2 on a bad budget file or usage.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";

const DEFAULT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Minified bytes gzipped at level 9. */
export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

/** Parses and validates a budget file; throws with a readable message. */
export function readBudget(path) {
  const budget = JSON.parse(readFileSync(path, "utf8"));
  if (!Array.isArray(budget)) throw new Error(`${path}: expected a JSON array`);
  const names = new Set();
  for (const [i, b] of budget.entries()) {
    if (b === null || typeof b !== "object" || typeof b.name !== "string" || typeof b.file !== "string"
      || !Number.isInteger(b.gzipBytes) || b.gzipBytes <= 0) {
      throw new Error(`${path}: entry ${i} must be {"name": string, "file": string, "gzipBytes": positive integer}`);
    }
    if (names.has(b.name)) throw new Error(`${path}: duplicate name '${b.name}'`);
    names.add(b.name);
  }
  return budget;
}

/** Measures each budget entry: {name, file, gzipBytes, size (null when missing), over}. */
export function measure(budget, root) {
  return budget.map((b) => {
    const path = join(root, b.file);
    const size = existsSync(path) ? gzipSize(readFileSync(path)) : null;
    return { ...b, size, over: size === null || size > b.gzipBytes };
  });
}

function pad(s, n) {
  return String(s).padStart(n);
}

/** One line per artifact; `previous` maps name -> last measured size. */
export function formatReport(rows, previous) {
  return rows.map((r) => {
    if (r.size === null) return `size: ${r.name}: MISSING ${r.file} (run \`npm run build\`)`;
    const headroom = r.gzipBytes - r.size;
    const pct = ((headroom / r.gzipBytes) * 100).toFixed(1);
    const before = previous[r.name];
    const change = typeof before === "number" && before !== r.size
      ? ` (${r.size > before ? "+" : ""}${r.size - before} B since last run)` : "";
    const verdict = headroom < 0 ? `OVER BUDGET by ${-headroom} B` : `headroom ${headroom} B (${pct} %)`;
    return `size: ${r.name}: ${pad(r.size, 6)} B gzip -9 of ${r.file}, limit ${r.gzipBytes} B, ${verdict}${change}`;
  }).join("\n");
}

async function main(args) {
  let root = DEFAULT_ROOT;
  let budgetPath = null;
  let build = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--budget" && i + 1 < args.length) budgetPath = resolve(args[++i]);
    else if (args[i] === "--root" && i + 1 < args.length) root = resolve(args[++i]);
    else if (args[i] === "--no-build") build = false;
    else {
      process.stderr.write("usage: node build/size.mjs [--budget FILE] [--root DIR] [--no-build]\n");
      return 2;
    }
  }
  let budget;
  try {
    budget = readBudget(budgetPath ?? join(root, "size-budget.json"));
  } catch (err) {
    process.stderr.write(`size: ${err.message}\n`);
    return 2;
  }
  if (build) {
    const { buildAll } = await import("./build.mjs");
    await buildAll();
  }
  const rows = measure(budget, root);
  const lastPath = join(root, "build", "out", "size-last.json");
  let previous = {};
  try { previous = JSON.parse(readFileSync(lastPath, "utf8")); } catch { /* first run */ }
  process.stdout.write(formatReport(rows, previous) + "\n");
  const current = { ...previous };
  for (const r of rows) if (r.size !== null) current[r.name] = r.size;
  try {
    mkdirSync(dirname(lastPath), { recursive: true });
    writeFileSync(lastPath, JSON.stringify(current, null, 2) + "\n");
  } catch { /* read-only tree: no history */ }
  const failed = rows.filter((r) => r.over);
  if (failed.length > 0) {
    process.stderr.write(`size: ${failed.map((r) => r.name).join(", ")} over budget or missing\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`size: ${err.stack ?? err}\n`); process.exitCode = 1; });
}
