// What each module costs in a shipped bundle:
//
//   node build/cost.mjs [name ...]    (default: every entry of build.mjs)
//
// Builds the entry as shipped (minified, mangled as configured) with a
// source map, attributes every output byte to the module it came from, and
// prints per module: its minified bytes and its marginal gzip -9 cost (the
// bundle's gzip size minus the gzip size of the bundle without that
// module's bytes). Marginal costs do not add up to the total exactly (gzip
// shares repeats between modules), but they rank what to work on.
// esbuild's own analyzeMetafile table (minified bytes) follows.
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { relative, resolve } from "node:path";
import { ENTRIES, ROOT, esbuildOptions, scriptFrom } from "./build.mjs";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Source index (into map.sources) of every character of `code`; -1 when unmapped. */
function owners(code, map) {
  const owner = new Int32Array(code.length).fill(-1);
  const lines = code.split("\n");
  let start = 0;
  let source = 0;
  const mappings = map.mappings.split(";");
  for (let line = 0; line < lines.length; line++) {
    const segments = [];
    let column = 0;
    for (const segment of (mappings[line] ?? "").split(",")) {
      if (segment === "") continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0];
      if (values.length > 1) source += values[1];
      segments.push([column, values.length > 1 ? source : -1]);
    }
    for (let i = 0; i < segments.length; i++) {
      const end = i + 1 < segments.length ? segments[i + 1][0] : lines[line].length;
      for (let c = segments[i][0]; c < end; c++) owner[start + c] = segments[i][1];
    }
    start += lines[line].length + 1;
  }
  return owner;
}

/** [{module, minified, gzipCost}] sorted by gzip cost, and the totals. */
export async function cost(entry) {
  const result = await esbuild.build({ ...esbuildOptions(entry, true), sourcemap: "external", outfile: "cost.js" });
  const code = result.outputFiles.find((f) => f.path.endsWith(".js")).text;
  const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith(".map")).text);
  const owner = owners(code, map);
  // As shipped: script entries are wrapped (build.mjs scriptFrom); the
  // export clause is esbuild's own, so it survives every module's removal.
  const shipped = (text) => (entry.shared === undefined ? scriptFrom(text) ?? text : text);
  const total = gzipSync(shipped(code), { level: 9 }).length;
  const rows = map.sources.map((source, index) => {
    let rest = "";
    let minified = 0;
    for (let i = 0; i < code.length; i++) {
      if (owner[i] === index) minified++;
      else rest += code[i];
    }
    const module = relative(ROOT, resolve(ROOT, source.replace(/^(\.\.\/)+/, "/"))).startsWith("..")
      ? source : relative(ROOT, resolve(ROOT, source));
    return { module, minified, gzipCost: total - gzipSync(shipped(rest), { level: 9 }).length };
  });
  rows.sort((a, b) => b.gzipCost - a.gzipCost);
  return { rows, minified: code.length, gzip: total, analysis: await esbuild.analyzeMetafile(result.metafile) };
}

async function main(names) {
  const entries = names.length === 0 ? ENTRIES : names.map((n) => {
    const e = ENTRIES.find((x) => x.name === n);
    if (e === undefined) throw new Error(`no entry '${n}' in build/build.mjs`);
    return e;
  });
  for (const entry of entries) {
    const c = await cost(entry);
    process.stdout.write(`${entry.name}: ${c.minified} B minified, ${c.gzip} B gzip -9\n`);
    process.stdout.write("  gzip cost  minified  module\n");
    for (const r of c.rows) {
      process.stdout.write(`  ${String(r.gzipCost).padStart(9)}  ${String(r.minified).padStart(8)}  ${r.module}\n`);
    }
    process.stdout.write(c.analysis + "\n");
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`cost: ${err.stack ?? err}\n`); process.exitCode = 1; });
}
