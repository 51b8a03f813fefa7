// Bundles the core entry points with esbuild.
//
//   node build/build.mjs           write build/out/<name>.min.js for every entry
//   node build/build.mjs --gate    build every entry in memory and refuse what
//                                  Espruino cannot run (runtimes.md "esbuild as a
//                                  compile-time gate" and "Three Espruino traps")
//   node build/build.mjs --mangle-cache [--fresh]
//                                  pin short names for new internal "_"
//                                  properties in build/mangle-cache.json
//                                  (--fresh: hand out all names anew)
//   --entry name=path[:profile]    replace the table by one entry (tests, experiments)
//
// Each bundle is a script defining the global RSP (or an ES module, for
// entries with shared folders), built for ES2015 with every feature
// Espruino cannot parse marked unsupported, so esbuild fails instead of
// emitting it; properties ending in "_" are mangled (build/mangle.mjs).
// The gate adds what esbuild cannot see: in the output, named
// class expressions, computed keys, labels, tagged templates, `arguments` in
// arrows, `extends Error`, the identifier `of`; in the bundled sources (TS
// AST, core/no-globals/checker.ts) closures over a for-loop `let`, use of a
// function before its declaration, class fields; for "client" profile
// entries the built-ins Espruino lacks; and that every mangled property has
// a pinned name that merges it with no other (build/mangle.mjs).
import * as esbuild from "esbuild";
import ts from "typescript";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  assignNames, checkMangleCache, crossBoundaryProblems, MANGLE_PROPS, propertyNames, readMangleCache, sourceFiles,
} from "./mangle.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const OUT_DIR = join(ROOT, "build", "out");
export const MANGLE_CACHE = join(ROOT, "build", "mangle-cache.json");

// One line per shipped bundle. profile "client": runs on Espruino, only ES5
// built-ins plus typed arrays, DataView and Promise; "server": Node/QuickJS
// targets (registrar, handlespace) that may use Map.
//
// `shared` (optional): folders of modules other bundles ship (they have their
// own entries and budgets). Imports of them stay imports: the bundle is an
// ES module that measures and gates only its own layer. `inline` names
// files under those folders that are bundled anyway: constant tables, which
// esbuild then inlines. Internal properties (names ending in "_", STYLE.md)
// are renamed to the short names pinned in build/mangle-cache.json
// (build/mangle.mjs) in every bundle; `mangle: false` keeps them. A bundle
// with `shared` folders must not touch "_" properties of the shared
// modules' objects (those stay unmangled where they are imported from).
// `mangleWeight` (default 1) scales how much the entry's properties count
// when the short names are handed out: 12 for the client, whose 8 KiB
// budget is the tightest, so its fields get the shortest names first.
export const ENTRIES = [
  { name: "wire", entry: "core/wire/index.ts", profile: "client" },
  { name: "registrar", entry: "core/registrar/index.ts", profile: "server" },
  // PE + PU + session layer over the shared codec, driver and handlespace.
  { name: "client", entry: "core/client/index.ts", profile: "client",
    shared: ["core/wire/", "core/driver/", "core/handlespace/"],
    inline: ["core/wire/constants.ts", "core/driver/platform.ts"], mangleWeight: 12 },
  // The whole flashable PE/PU stack in one bundle (client, session, driver,
  // handlespace, wire): proves all of it passes the Espruino gate.
  { name: "client-full", entry: "core/client/index.ts", profile: "client" },
  // Embedded platforms, each one IIFE with the driver and the whole client
  // stack (wire, handlespace, client, session) inside: what a board loads.
  { name: "quickjs-platform", entry: "platform/quickjs/index.ts", profile: "client" },
  { name: "espruino-shim", entry: "platform/espruino-shim/index.ts", profile: "client" },
];

// runtimes.md: esbuild cannot lower these, so marking them unsupported makes
// the build fail on anything Espruino cannot parse.
export const ESPRUINO_SUPPORTED = Object.freeze({
  "default-argument": false, "destructuring": false, "rest-argument": false, "array-spread": false,
  "for-of": false, "generator": false, "async-await": false, "async-generator": false,
  "for-await": false, "bigint": false, "exponent-operator": false, "optional-chain": false,
  "nullish-coalescing": false, "class-field": false, "class-static-field": false,
  "optional-catch-binding": false, "logical-assignment": false, "object-rest-spread": false,
  "class-private-field": false, "class-private-method": false, "class-private-accessor": false,
  "class-static-blocks": false,
});

// Globals Espruino does not have (runtimes.md "Espruino", Features.md).
const MISSING_GLOBALS = new Set([
  "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy",
  "Reflect", "BigInt", "BigInt64Array", "BigUint64Array", "TextEncoder", "TextDecoder",
  "SharedArrayBuffer", "Atomics", "RangeError", "AggregateError", "structuredClone",
  "queueMicrotask",
]);
// Static members Espruino lacks, by object.
const TYPED_ARRAYS = ["Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
  "Float32Array", "Float64Array", "Uint8ClampedArray"];
const MISSING_STATICS = new Map([
  ["Array", ["from", "of"]],
  ["Number", ["isInteger", "isFinite", "isNaN", "isSafeInteger", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER",
    "EPSILON", "parseInt", "parseFloat"]],
  ["Math", ["imul", "trunc", "clz32", "log2", "log10", "sign", "fround", "hypot", "cbrt", "expm1", "log1p"]],
  ["Object", ["freeze", "seal", "is", "isFrozen", "isSealed", "preventExtensions", "fromEntries",
    "getOwnPropertySymbols"]],
  ["String", ["raw", "fromCodePoint"]],
  ["ArrayBuffer", ["isView"]],
  ["Promise", ["race", "allSettled", "any"]],
  ...TYPED_ARRAYS.map((name) => [name, ["from", "of"]]),
]);
// ES2015+ prototype methods that only Espruino builds with spare flash have
// ("Official" features): flagged when called as methods.
const MISSING_METHODS = new Set([
  "includes", "padStart", "padEnd", "startsWith", "endsWith", "repeat", "find", "findIndex",
  "findLast", "findLastIndex", "codePointAt", "normalize", "trimStart", "trimEnd", "flat", "flatMap",
  "at", "replaceAll", "matchAll", "copyWithin",
]);

/** An esbuild plugin leaving imports of the `shared` folders external (paths from the root). */
function sharedPlugin(shared, inline) {
  return {
    name: "shared",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = relative(ROOT, resolve(args.resolveDir, args.path)).split("\\").join("/");
        if (inline.includes(path.replace(/\.js$/, ".ts"))) return undefined;
        return shared.some((prefix) => path.startsWith(prefix)) ? { path: "./" + path, external: true } : undefined;
      });
    },
  };
}

/** True for entries that import shared folders (an ES module, not a script). */
function isModule(entry) {
  return Array.isArray(entry.shared) && entry.shared.length > 0;
}

/**
 * esbuild options shared by the artifact build and the gate. Every entry is
 * built as an ES module; script entries are then wrapped by scriptFrom().
 */
export function esbuildOptions(entry, minify, mangleCache = readMangleCache(MANGLE_CACHE)) {
  const shared = isModule(entry);
  const mangle = entry.mangle !== false;
  return {
    absWorkingDir: ROOT,
    entryPoints: [entry.entry],
    bundle: true,
    format: "esm",
    plugins: shared ? [sharedPlugin(entry.shared, entry.inline ?? [])] : [],
    mangleProps: mangle ? MANGLE_PROPS : undefined,
    mangleCache: mangle ? { ...mangleCache } : undefined,
    platform: "neutral",
    target: "es2015",
    supported: { ...ESPRUINO_SUPPORTED },
    minify,
    write: false,
    metafile: true,
    logLevel: "silent",
    legalComments: "none",
  };
}

/**
 * The script form of an ES module bundle: `var RSP=(()=>{...; return {name: value, ...}})();`.
 * esbuild's own iife format exports through a getter per name plus its
 * __export/__toCommonJS helpers; a plain object literal is smaller and,
 * since core exports only functions and constants, means the same.
 * Returns null when the module does not end in one export clause.
 */
export function scriptFrom(code, minify = true) {
  const m = /\bexport\s*\{([^}]*)\};?\s*$/.exec(code);
  if (m === null) return null;
  const fields = m[1].split(",").map((item) => item.trim()).filter((item) => item !== "").map((item) => {
    const parts = item.split(/\s+as\s+/);
    return parts.length === 2 ? `${parts[1]}:${parts[0]}` : `${parts[0]}:${parts[0]}`;
  });
  // Unminified: the body starts on its own line, so module comments stay at line starts.
  return `"use strict";var RSP=(()=>{${minify ? "" : "\n"}${code.slice(0, m.index)}return{${fields.join(",")}}})();\n`;
}

/**
 * Bundles one entry; returns {code, inputs, warnings, unpinned}; throws
 * esbuild's failure (with .errors). `unpinned`: mangled properties that
 * build/mangle-cache.json (or `mangleCache`) does not pin.
 */
export async function bundle(entry, minify, mangleCache = readMangleCache(MANGLE_CACHE)) {
  const result = await esbuild.build(esbuildOptions(entry, minify, mangleCache));
  let code = result.outputFiles[0].text;
  if (!isModule(entry)) {
    const script = scriptFrom(code, minify);
    if (script === null) throw new Error(`${entry.name}: the ES module bundle does not end in an export clause`);
    code = script;
  }
  return {
    code: code,
    inputs: Object.keys(result.metafile.inputs),
    warnings: result.warnings,
    unpinned: Object.keys(result.mangleCache ?? {}).filter((name) => !Object.prototype.hasOwnProperty.call(mangleCache, name)),
  };
}

/** The TypeScript sources of a bundle (its metafile inputs), as absolute paths. */
function tsInputs(inputs) {
  return inputs.filter((input) => /\.[cm]?tsx?$/.test(input) && !input.includes("node_modules")).map((input) => join(ROOT, input));
}

/** Property names core spells out: pinned short names must be none of them. */
function coreProperties() {
  return propertyNames(sourceFiles(join(ROOT, "core"))).names;
}

/**
 * Rewrites build/mangle-cache.json for every entry's mangled properties and
 * returns the cache. Names already pinned stay (unless `fresh`); new
 * properties get names, properties no bundle uses any more are dropped.
 */
export async function updateMangleCache(entries = ENTRIES, path = MANGLE_CACHE, fresh = false) {
  const uses = new Map();
  for (const entry of entries) {
    if (entry.mangle === false) continue;
    const { inputs } = await bundle(entry, false, {});
    uses.set(entry.name, propertyNames(tsInputs(inputs)).counts);
  }
  const weights = new Map(entries.map((entry) => [entry.name, entry.mangleWeight ?? 1]));
  const cache = assignNames(uses, coreProperties(), weights, fresh ? {} : readMangleCache(path));
  writeFileSync(path, JSON.stringify(cache, null, 2) + "\n");
  return cache;
}

/** Whether a file (absolute path) is in one of the entry's shared folders and not inlined. */
function sharedTest(entry) {
  return (file) => {
    const path = relative(ROOT, file).split("\\").join("/");
    return !(entry.inline ?? []).includes(path) && entry.shared.some((prefix) => path.startsWith(prefix));
  };
}

function coreCompilerOptions() {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, "core", "tsconfig.json"), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
  });
  return { ...parsed.options, noEmit: true };
}

function formatMessage(m, rule) {
  const loc = m.location;
  const where = loc ? `${loc.file}:${loc.line}:${loc.column + 1}: ` : "";
  return `${where}${m.text} [${rule}]`;
}

/** Parses `name=path[:profile]`. */
export function parseEntry(spec) {
  const m = /^([^=]+)=([^:]+)(?::(client|server))?$/.exec(spec);
  if (m === null) throw new Error(`bad --entry '${spec}' (want name=path[:client|server])`);
  return { name: m[1], entry: m[2], profile: m[3] ?? "client" };
}

/** Writes build/out/<name>.min.js for each entry; returns the written paths. */
export async function buildAll(entries = ENTRIES, outDir = OUT_DIR) {
  mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const entry of entries) {
    const { code, warnings, unpinned } = await bundle(entry, true);
    for (const w of warnings) process.stderr.write(`build: ${entry.name}: warning: ${formatMessage(w, "esbuild")}\n`);
    if (unpinned.length > 0) {
      process.stderr.write(`build: ${entry.name}: warning: no pinned name for ${unpinned.join(", ")} (run \`node build/build.mjs --mangle-cache\`)\n`);
    }
    const file = join(outDir, `${entry.name}.min.js`);
    writeFileSync(file, code);
    written.push(file);
  }
  return written;
}

/** 1-based line of `pos` in `code`, and the nearest esbuild `// path` module comment above it. */
function bundleLocation(code, pos) {
  const before = code.slice(0, pos);
  const line = before.split("\n").length;
  const modules = [...before.matchAll(/^\s*\/\/ (\S+\.[cm]?[jt]sx?)$/gm)];
  const from = modules.length > 0 ? modules[modules.length - 1][1] : "esbuild runtime";
  return `bundle line ${line} (from ${from})`;
}

function isDeclarationName(id) {
  const p = id.parent;
  return (ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p)
    || ts.isParameter(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isBindingElement(p))
    && p.name === id;
}

function isPropertyName(id) {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return true;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p)
    || ts.isSetAccessorDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === id) return true;
  if (ts.isBindingElement(p) && p.propertyName === id) return true;
  return (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) && p.label === id;
}

const ERROR_CLASSES = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"]);

/** The nearest enclosing function-like node, or undefined at the top. */
function enclosingFunction(node) {
  for (let n = node.parent; n !== undefined; n = n.parent) if (ts.isFunctionLike(n)) return n;
  return undefined;
}

/**
 * Scans a bundle for syntax Espruino parses differently or not at all and
 * esbuild passes through: named class expressions, computed keys, labels,
 * tagged templates, `arguments` in an arrow, `extends Error`, identifiers
 * Espruino reserves (`of`); for the client profile also the built-ins
 * Espruino lacks. Returns problem lines.
 */
export function scanBundle(code, profile) {
  const source = ts.createSourceFile("bundle.js", code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  const declared = new Set();
  const collect = (node) => {
    if (ts.isIdentifier(node) && isDeclarationName(node)) declared.add(node.text);
    ts.forEachChild(node, collect);
  };
  collect(source);
  const problems = [];
  const add = (node, message, rule) => problems.push(`${bundleLocation(code, node.getStart(source))}: ${message} [${rule}]`);
  const visit = (node) => {
    if (ts.isClassExpression(node) && node.name !== undefined) {
      add(node, `named class expression 'class ${node.name.text}': Espruino does not bind the name inside it (use a class declaration without self-reference, or \`new this()\`)`, "named-class-expression");
    }
    if (ts.isComputedPropertyName(node)) {
      add(node, "computed property key: Espruino does not parse `{[k]: v}`", "computed-key");
    }
    if (ts.isLabeledStatement(node)) add(node, `label '${node.label.text}': Espruino has no labels`, "label");
    if (ts.isTaggedTemplateExpression(node)) add(node, "tagged template: Espruino has none", "tagged-template");
    if (ts.isIdentifier(node) && node.text === "arguments" && !isPropertyName(node)) {
      const fn = enclosingFunction(node);
      if (fn !== undefined && ts.isArrowFunction(fn)) {
        add(node, "`arguments` inside an arrow function: on Espruino it is the arrow's own (empty) arguments", "arrow-arguments");
      }
    }
    if (ts.isIdentifier(node) && node.text === "of" && !isPropertyName(node)) {
      add(node, "identifier 'of' is a reserved word on Espruino", "reserved-identifier");
    }
    if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ExtendsKeyword) {
      const base = node.types[0].expression;
      if (ts.isIdentifier(base) && ERROR_CLASSES.has(base.text) && !declared.has(base.text)) {
        add(node, `class extends ${base.text}: Espruino fails on super() into a built-in error`, "extends-error");
      }
    }
    if (profile === "client") {
      if (ts.isIdentifier(node) && MISSING_GLOBALS.has(node.text) && !declared.has(node.text)
        && !isPropertyName(node) && !isDeclarationName(node)) {
        add(node, `'${node.text}' is not available on Espruino (client profile)`, "espruino-builtin");
      }
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && !declared.has(node.expression.text)) {
        const members = MISSING_STATICS.get(node.expression.text);
        if (members !== undefined && members.includes(node.name.text)) {
          add(node, `'${node.expression.text}.${node.name.text}' is not available on Espruino (client profile)`, "espruino-builtin");
        }
      }
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)
        && MISSING_METHODS.has(node.expression.name.text)) {
        add(node, `'.${node.expression.name.text}()' is missing on small Espruino builds (client profile: ES5 built-ins only)`, "espruino-builtin");
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

async function loadChecker() {
  const url = pathToFileURL(join(ROOT, "dist", "core", "no-globals", "checker.js"));
  try {
    return await import(url.href);
  } catch (err) {
    throw new Error(`gate: cannot load ${fileURLToPath(url)} (run \`tsc -p tsconfig.json\` first): ${err.message}`);
  }
}

/**
 * The Espruino gate over the given entries. Returns problem lines
 * ("<entry>: <where>: <message> [rule]"); empty when every entry passes.
 */
export async function gate(entries = ENTRIES) {
  const problems = [];
  const sources = new Set();
  const cache = readMangleCache(MANGLE_CACHE);
  const mangledByEntry = [];
  for (const entry of entries) {
    let plain;
    try {
      plain = await bundle(entry, false);
    } catch (err) {
      if (!Array.isArray(err.errors)) throw err;
      for (const e of err.errors) problems.push(`${entry.name}: ${formatMessage(e, "espruino-syntax")}`);
      continue;
    }
    for (const input of plain.inputs) {
      if (/\.[cm]?tsx?$/.test(input) && !input.includes("node_modules")) sources.add(join(ROOT, input));
    }
    for (const p of scanBundle(plain.code, entry.profile)) problems.push(`${entry.name}: ${p}`);
    // runtimes.md: grep the minified bundle for `=class X` too (what actually ships).
    const shipped = await bundle(entry, true, cache);
    const minified = shipped.code;
    if (entry.mangle !== false) {
      const files = tsInputs(plain.inputs);
      mangledByEntry.push([entry.name, new Set(propertyNames(files).counts.keys())]);
      if (isModule(entry)) {
        for (const p of crossBoundaryProblems(files, sharedTest(entry), coreCompilerOptions())) {
          problems.push(`${entry.name}: ${relative(ROOT, p.slice(0, p.indexOf(":")))}${p.slice(p.indexOf(":"))}`);
        }
      }
    }
    for (const m of minified.matchAll(/=class (?!extends\b)[A-Za-z_$][\w$]*/g)) {
      problems.push(`${entry.name}: minified bundle offset ${m.index}: '${m[0]}' named class expression [named-class-expression]`);
    }
    // The minifier picks new names: check them for Espruino's reserved words too.
    for (const p of scanBundle(minified, "server").filter((x) => x.endsWith("[reserved-identifier]"))) {
      problems.push(`${entry.name}: minified ${p}`);
    }
  }
  if (mangledByEntry.length > 0) {
    problems.push(...checkMangleCache(cache, mangledByEntry, coreProperties()));
  }
  if (sources.size > 0) {
    const { checkEspruinoTraps, formatViolation } = await loadChecker();
    for (const v of checkEspruinoTraps([...sources].sort())) {
      problems.push(`sources: ${formatViolation({ ...v, file: relative(ROOT, v.file) })}`);
    }
  }
  return problems;
}

async function main(args) {
  let entries = ENTRIES;
  let gateMode = false;
  let cacheMode = false;
  let fresh = false;
  const custom = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--gate") gateMode = true;
    else if (args[i] === "--mangle-cache") cacheMode = true;
    else if (args[i] === "--fresh") fresh = true;
    else if (args[i] === "--entry" && i + 1 < args.length) custom.push(parseEntry(args[++i]));
    else {
      process.stderr.write("usage: node build/build.mjs [--gate | --mangle-cache [--fresh]] [--entry name=path[:client|server]]...\n");
      return 2;
    }
  }
  if (custom.length > 0) entries = custom;
  if (cacheMode) {
    const cache = await updateMangleCache(entries, MANGLE_CACHE, fresh);
    process.stdout.write(`build: pinned ${Object.keys(cache).length} mangled properties in ${relative(ROOT, MANGLE_CACHE)}\n`);
    return 0;
  }
  if (gateMode) {
    const problems = await gate(entries);
    for (const p of problems) process.stdout.write(`${p}\n`);
    if (problems.length > 0) {
      process.stderr.write(`gate: ${problems.length} problem(s); Espruino would refuse or mis-run these bundles\n`);
      return 1;
    }
    process.stdout.write(`gate: ${entries.map((e) => e.name).join(", ")} pass the Espruino gate\n`);
    return 0;
  }
  try {
    for (const file of await buildAll(entries)) process.stdout.write(`build: wrote ${relative(ROOT, file)}\n`);
  } catch (err) {
    if (!Array.isArray(err.errors)) throw err;
    for (const e of err.errors) process.stderr.write(`build: ${formatMessage(e, "esbuild")}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`build: ${err.stack ?? err}\n`); process.exitCode = 1; });
}

