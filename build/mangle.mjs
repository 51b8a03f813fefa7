// Property mangling (STYLE.md "Size and allocation"): properties whose name
// ends in "_" are internal and renamed to short names in every bundle. The
// short names are pinned in build/mangle-cache.json, so every bundle (and
// any later one built against the others) uses the same name for the same
// property, as preact's mangle.json does.
//
//   node build/build.mjs --mangle-cache    pin names for new properties
//   node build/build.mjs --mangle-cache --fresh    hand out all names anew
//
// esbuild uses a pinned name as given, without looking for collisions, so
// the pinned names are chosen (and the gate checks) to be none of the
// property names core spells out.
import ts from "typescript";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Internal properties: a name ending in one "_" (not "__x__"). */
export const MANGLE_PROPS = /[^_]_$/;

/** Words that may not be property names on Espruino's parser (or read oddly anywhere). */
const RESERVED = new Set(("break case catch class const continue debugger default delete do else enum export "
  + "extends false finally for function if import in instanceof let new null of return static super switch "
  + "this throw true try typeof var void while with yield await implements interface package private "
  + "protected public arguments eval undefined NaN Infinity").split(" "));

/** The *.ts files under `dir`, recursively. */
export function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/**
 * Every name the sources use as a property (accesses, object literal keys,
 * class and interface members, string literals that look like names) and
 * how often each mangled one occurs.
 */
export function propertyNames(files) {
  const names = new Set();
  const counts = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2020, true);
    const visit = (node) => {
      let name = null;
      if ((ts.isPropertyAccessExpression(node) || ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)
        || ts.isMethodDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isPropertySignature(node)
        || ts.isMethodSignature(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node))
        && node.name !== undefined && ts.isIdentifier(node.name)) {
        name = node.name.text;
      } else if (ts.isStringLiteral(node) && /^[A-Za-z_$][\w$]*$/.test(node.text)) {
        name = node.text;
      }
      if (name !== null) {
        names.add(name);
        if (MANGLE_PROPS.test(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { names, counts };
}

/**
 * Name characters, most frequent in our minified bundles first (measured
 * once, as esbuild orders its own short names: names made of common
 * characters compress best). Fixed, so pinned names do not move when code
 * changes.
 */
const ALPHABET = "etnrsliouaf0hc1pd2gEm4A5y3RbPTI86S7wO9vCNDkxLUHMFVYGKqBWQjzZJX";

/** Short names in order: one letter, then two characters; none of `taken`. */
function* shortNames(taken, alphabet = ALPHABET) {
  const first = alphabet.replace(/[0-9]/g, "");
  const rest = alphabet;
  for (const c of first) if (!taken.has(c)) yield c;
  for (const c of first) {
    for (const d of rest) {
      const name = c + d;
      if (!taken.has(name) && !RESERVED.has(name)) yield name;
    }
  }
  throw new Error("mangle: out of short names");
}

/**
 * Pins a short name for every mangled property. `uses` maps each bundle to
 * the mangled properties it contains and how often; `weights` (bundle ->
 * number, default 1) scales a bundle's counts (a byte saved in a small
 * budget counts more). `pinned` (a previous cache) is kept for every
 * property it names that is still used and still merges with nothing, so
 * names do not move when code changes; the other properties, most frequent
 * (weighted, summed over the bundles) first, get the shortest name that is
 * no property name of `reserved` and not already given to a property they
 * share a bundle with: properties that never meet in one bundle may share a
 * name (the registrar's internals and the client's, say), which keeps every
 * bundle's names short.
 */
export function assignNames(uses, reserved, weights = new Map(), pinned = {}) {
  const total = new Map();
  const bundlesOf = new Map();
  for (const [bundle, counts] of uses) {
    for (const [name, n] of counts) {
      total.set(name, (total.get(name) ?? 0) + n * (weights.get(bundle) ?? 1));
      if (!bundlesOf.has(name)) bundlesOf.set(name, new Set());
      bundlesOf.get(name).add(bundle);
    }
  }
  const taken = new Map(); // bundle -> short names given in it
  const cache = {};
  const give = (name, short) => {
    cache[name] = short;
    for (const b of bundlesOf.get(name)) {
      if (!taken.has(b)) taken.set(b, new Set());
      taken.get(b).add(short);
    }
  };
  const free = (name, short) => [...bundlesOf.get(name)].every((b) => !taken.get(b)?.has(short));
  const order = [...total.keys()].sort((a, b) => total.get(b) - total.get(a) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of order) {
    const short = Object.prototype.hasOwnProperty.call(pinned, name) ? pinned[name] : null;
    if (typeof short === "string" && !reserved.has(short) && free(name, short)) give(name, short);
  }
  for (const name of order) {
    if (Object.prototype.hasOwnProperty.call(cache, name)) continue;
    for (const short of shortNames(reserved, ALPHABET)) {
      if (free(name, short)) {
        give(name, short);
        break;
      }
    }
  }
  const sorted = {};
  for (const name of Object.keys(cache).sort()) sorted[name] = cache[name];
  return sorted;
}

export function readMangleCache(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    if (err.code === "ENOENT") return {};
    throw new Error(`${path}: ${err.message}`);
  }
}

/**
 * Problems with a pinned cache: a bundle's mangled properties without a
 * pinned name or sharing one (`uses`: bundle -> its mangled property names),
 * pinned names that are property names in the sources (esbuild would
 * silently merge the two properties) or not usable names.
 */
export function checkMangleCache(cache, uses, reserved) {
  const problems = [];
  for (const [bundle, names] of uses) {
    const seen = new Map();
    for (const name of [...names].sort()) {
      if (!Object.prototype.hasOwnProperty.call(cache, name)) {
        problems.push(`${bundle}: property '${name}' has no pinned name in build/mangle-cache.json (run \`node build/build.mjs --mangle-cache\`) [mangle-cache]`);
        continue;
      }
      const short = cache[name];
      if (seen.has(short)) problems.push(`${bundle}: '${seen.get(short)}' and '${name}' are both '${short}' in build/mangle-cache.json (run \`node build/build.mjs --mangle-cache\`) [mangle-cache]`);
      seen.set(short, name);
    }
  }
  for (const [name, short] of Object.entries(cache)) {
    if (reserved.has(short)) problems.push(`build/mangle-cache.json: '${name}' -> '${short}', which core also uses as a property name [mangle-cache]`);
    if (RESERVED.has(short) || !/^[A-Za-z_$][\w$]*$/.test(short)) problems.push(`build/mangle-cache.json: '${name}' -> '${short}' is not a usable name [mangle-cache]`);
  }
  return problems;
}

/**
 * For a bundle that imports `shared` folders unmangled: accesses, in the
 * bundled files, of "_" properties declared in a shared file (the bundle
 * would rename them, the shared module would not). Returns problem lines.
 */
export function crossBoundaryProblems(files, isShared, compilerOptions) {
  const program = ts.createProgram(files, compilerOptions);
  const checker = program.getTypeChecker();
  const problems = [];
  for (const file of files) {
    if (isShared(file)) continue;
    const source = program.getSourceFile(file);
    if (source === undefined) continue;
    const visit = (node) => {
      if (ts.isPropertyAccessExpression(node) && MANGLE_PROPS.test(node.name.text)) {
        const symbol = checker.getSymbolAtLocation(node.name);
        for (const d of symbol?.declarations ?? []) {
          const where = d.getSourceFile().fileName;
          if (isShared(where)) {
            const { line, character } = source.getLineAndCharacterOfPosition(node.name.getStart(source));
            problems.push(`${file}:${line + 1}:${character + 1}: '${node.name.text}' belongs to shared ${where}, which is not mangled with this bundle [mangle-shared]`);
            break;
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return problems;
}
