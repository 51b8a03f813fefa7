import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { ENTRIES } from "./build.mjs";
const e = ENTRIES.find((x) => x.name === "client");
const names = process.argv[2];
const { relative, resolve } = await import("node:path");
const ROOT = process.cwd();
const r = await esbuild.build({ entryPoints: [e.entry], bundle: true, format: "esm", minify: true, write: false, target: "es2015",
 mangleProps: names ? new RegExp("^(" + names + ")$") : undefined,
 plugins: [{ name: "s", setup(b) { b.onResolve({ filter: /^\.\.?\// }, (a) => { const p = relative(ROOT, resolve(a.resolveDir, a.path)); if (e.inline.includes(p.replace(/\.js$/, ".ts"))) return; return e.shared.some((x) => p.startsWith(x)) ? { path: "./" + p, external: true } : undefined; }); } }] });
console.log(r.outputFiles[0].contents.length, gzipSync(r.outputFiles[0].contents, { level: 9 }).length);
