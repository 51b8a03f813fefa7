// Mechanical checks of the core's contract (ARCHITECTURE.md "The core's
// contract", runtimes.md "Espruino"). Tooling, not core: it runs on Node,
// uses the TypeScript compiler API, is excluded from core/tsconfig.json and
// from the bundles, and does not check itself.
//
// checkFiles: no module-level state and no ambient host globals.
// checkEspruinoTraps: constructs Espruino mis-runs that the esbuild gate
// cannot see (closures over a for-loop `let`, use of a function before its
// declaration, class fields).
import ts from "typescript";
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

export interface Violation {
  /** Path as given (absolute or relative to the working directory). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  rule: string;
  message: string;
}

/** Host globals that must never be referenced from core (clock, timers, I/O, randomness, eval). */
export const FORBIDDEN_GLOBALS: readonly string[] = [
  "Date", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate",
  "clearImmediate", "console", "process", "Buffer", "globalThis", "window", "self", "global",
  "require", "queueMicrotask", "eval", "Function", "TextEncoder", "TextDecoder", "performance",
  "crypto",
];

const FORBIDDEN = new Set(FORBIDDEN_GLOBALS);
/** Global identifiers that are constants (allowed in top-level const initialisers). */
const CONSTANT_GLOBALS = new Set(["undefined", "NaN", "Infinity"]);

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Core's own environment: with no Node types, `process` & co. resolve to
  // nothing, which is how a global reference is recognised.
  lib: ["lib.es2020.d.ts"],
  types: [],
  noEmit: true,
  skipLibCheck: true,
  strict: true,
};

/** Every .ts file (not .d.ts) under the given files/directories, skipping core/no-globals itself. */
export function collectTsFiles(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (path: string, top: boolean): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const parts = resolve(path).split(sep);
      const n = parts.length;
      if (parts[n - 1] === "no-globals" && parts[n - 2] === "core") return;
      if (parts[n - 1] === "node_modules") return;
      for (const name of readdirSync(path).sort()) visit(join(path, name), false);
    } else if (top || (path.endsWith(".ts") && !path.endsWith(".d.ts"))) {
      out.push(path);
    }
  };
  for (const p of paths) visit(p, true);
  return out;
}

interface Context {
  checker: ts.TypeChecker;
  source: ts.SourceFile;
  file: string;
  out: Violation[];
}

/** Runs each rule over each file in one program; violations sorted by file and position. */
function runRules(paths: string[], rules: ((ctx: Context) => void)[]): Violation[] {
  const program = ts.createProgram(paths.map((p) => resolve(p)), COMPILER_OPTIONS);
  const checker = program.getTypeChecker();
  const out: Violation[] = [];
  for (const file of paths) {
    const source = program.getSourceFile(resolve(file));
    if (source === undefined) throw new Error(`no-globals: cannot read ${file}`);
    const ctx: Context = { checker, source, file, out };
    for (const rule of rules) rule(ctx);
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

function report(ctx: Context, node: ts.Node, rule: string, message: string): void {
  const at = ctx.source.getLineAndCharacterOfPosition(node.getStart(ctx.source));
  ctx.out.push({ file: ctx.file, line: at.line + 1, column: at.character + 1, rule, message });
}

/** Formats a violation as `file:line:col: message [rule]`. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}:${v.column}: ${v.message} [${v.rule}]`;
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return mods !== undefined && mods.some((m) => m.kind === kind);
}

function unwrap(expr: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isTypeAssertionExpression(expr)
      || ts.isSatisfiesExpression(expr) || ts.isNonNullExpression(expr)) expr = expr.expression;
    else return expr;
  }
}

/** The symbol an identifier refers to, following import aliases. */
function resolveSymbol(checker: ts.TypeChecker, id: ts.Identifier): ts.Symbol | undefined {
  let sym = ts.isShorthandPropertyAssignment(id.parent) && id.parent.name === id
    ? checker.getShorthandAssignmentValueSymbol(id.parent)
    : checker.getSymbolAtLocation(id);
  if (sym !== undefined && sym.flags & ts.SymbolFlags.Alias) {
    try { sym = checker.getAliasedSymbol(sym); } catch { /* unresolved import */ }
  }
  return sym;
}

/** True when the identifier refers to a host global (undeclared, or declared only ambiently). */
function isGlobalReference(checker: ts.TypeChecker, id: ts.Identifier): boolean {
  const sym = checker.getSymbolAtLocation(id);
  if (sym === undefined) return true;
  if (sym.flags & ts.SymbolFlags.Alias) return false; // an import: a module's own binding
  const decls = sym.declarations ?? [];
  if (decls.length === 0) return true;
  return decls.every((d) => d.getSourceFile().isDeclarationFile || isAmbient(d));
}

function isAmbient(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (hasModifier(n, ts.SyntaxKind.DeclareKeyword)) return true;
    if (ts.isVariableDeclarationList(n) || ts.isVariableDeclaration(n)) continue;
    if (ts.isVariableStatement(n) || ts.isModuleDeclaration(n)) continue;
    if (!ts.isModuleBlock(n)) return false;
  }
  return false;
}

/** Identifier positions that are names, not references (property names, declared names, labels). */
function isNameNotReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return true;
  if (ts.isQualifiedName(p) && p.right === id) return true;
  if ((ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) && p.label === id) return true;
  if ((ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) && (p.name === id || p.propertyName === id)) return true;
  if (ts.isBindingElement(p) && p.propertyName === id) return true;
  if (ts.isShorthandPropertyAssignment(p)) return false; // `{ x }` reads x
  if (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)
    || ts.isPropertySignature(p) || ts.isMethodSignature(p) || ts.isGetAccessorDeclaration(p)
    || ts.isSetAccessorDeclaration(p) || ts.isEnumMember(p) || ts.isVariableDeclaration(p)
    || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p)
    || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isInterfaceDeclaration(p)
    || ts.isTypeAliasDeclaration(p) || ts.isEnumDeclaration(p) || ts.isModuleDeclaration(p)
    || ts.isBindingElement(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)
    || ts.isTypeParameterDeclaration(p) || ts.isImportEqualsDeclaration(p)) {
    return (p as ts.NamedDeclaration).name === id;
  }
  return false;
}

/** Nodes whose subtree is types only (nothing runs). */
function isTypeOnly(node: ts.Node): boolean {
  if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return true;
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword) return true;
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return true;
  return hasModifier(node, ts.SyntaxKind.DeclareKeyword);
}

function isObjectFreeze(ctx: Context, call: ts.CallExpression): boolean {
  const callee = unwrap(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === "freeze"
    && ts.isIdentifier(callee.expression) && callee.expression.text === "Object"
    && isGlobalReference(ctx.checker, callee.expression);
}

// ---------------------------------------------------------------------------
// No module-level state.

/** Checks a value evaluated at load time: it must be a constant or a frozen literal. */
function checkConstant(ctx: Context, node: ts.Expression): void {
  const expr = unwrap(node);
  switch (expr.kind) {
    case ts.SyntaxKind.NumericLiteral:
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
    case ts.SyntaxKind.BigIntLiteral:
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.FunctionExpression:
      return;
    case ts.SyntaxKind.RegularExpressionLiteral:
      report(ctx, expr, "top-level-init", "a RegExp literal is a mutable object (lastIndex): module-level state");
      return;
    case ts.SyntaxKind.CallExpression: {
      const call = expr as ts.CallExpression;
      if (isObjectFreeze(ctx, call) && call.arguments.length === 1) {
        const arg = unwrap(call.arguments[0]);
        if (ts.isObjectLiteralExpression(arg) || ts.isArrayLiteralExpression(arg)) {
          checkLiteralMembers(ctx, arg);
          return;
        }
      }
      report(ctx, expr, "top-level-call", "call evaluated at module load (only Object.freeze of a literal is allowed)");
      return;
    }
    case ts.SyntaxKind.TaggedTemplateExpression:
      report(ctx, expr, "top-level-call", "tagged template call evaluated at module load");
      return;
    case ts.SyntaxKind.NewExpression:
      report(ctx, expr, "top-level-new", "`new` evaluated at module load: module-level state");
      return;
    case ts.SyntaxKind.ObjectLiteralExpression:
    case ts.SyntaxKind.ArrayLiteralExpression:
      report(ctx, expr, "unfrozen-literal", "module-level object/array literal must be wrapped in Object.freeze()");
      checkLiteralMembers(ctx, expr as ts.ObjectLiteralExpression | ts.ArrayLiteralExpression);
      return;
    case ts.SyntaxKind.TemplateExpression:
      for (const span of (expr as ts.TemplateExpression).templateSpans) checkConstant(ctx, span.expression);
      return;
    case ts.SyntaxKind.PrefixUnaryExpression: {
      const u = expr as ts.PrefixUnaryExpression;
      if (u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken) break;
      checkConstant(ctx, u.operand);
      return;
    }
    case ts.SyntaxKind.TypeOfExpression:
    case ts.SyntaxKind.VoidExpression:
      checkConstant(ctx, (expr as ts.TypeOfExpression | ts.VoidExpression).expression);
      return;
    case ts.SyntaxKind.BinaryExpression: {
      const b = expr as ts.BinaryExpression;
      const op = b.operatorToken.kind;
      if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) break;
      checkConstant(ctx, b.left);
      checkConstant(ctx, b.right);
      return;
    }
    case ts.SyntaxKind.ConditionalExpression: {
      const c = expr as ts.ConditionalExpression;
      checkConstant(ctx, c.condition);
      checkConstant(ctx, c.whenTrue);
      checkConstant(ctx, c.whenFalse);
      return;
    }
    case ts.SyntaxKind.PropertyAccessExpression:
      // `ns.NAME` of an imported namespace or a frozen table: a read, no state.
      checkConstant(ctx, (expr as ts.PropertyAccessExpression).expression);
      return;
    case ts.SyntaxKind.Identifier:
      checkConstantIdentifier(ctx, expr as ts.Identifier);
      return;
    case ts.SyntaxKind.ClassExpression:
      report(ctx, expr, "top-level-init", "class expression at module level (use a class declaration)");
      return;
  }
  report(ctx, expr, "top-level-init", `module-level value is not a constant expression (${ts.SyntaxKind[expr.kind]})`);
}

function checkConstantIdentifier(ctx: Context, id: ts.Identifier): void {
  if (CONSTANT_GLOBALS.has(id.text) && isGlobalReference(ctx.checker, id)) return;
  const sym = resolveSymbol(ctx.checker, id);
  const decls = sym?.declarations ?? [];
  const ok = decls.length > 0 && decls.every((d) =>
    ts.isFunctionDeclaration(d) || ts.isClassDeclaration(d) || ts.isSourceFile(d) || ts.isEnumMember(d)
    || (ts.isVariableDeclaration(d) && ts.isVariableDeclarationList(d.parent)
      && (d.parent.flags & ts.NodeFlags.Const) !== 0 && !d.getSourceFile().isDeclarationFile));
  if (!ok) report(ctx, id, "top-level-init", `module-level value refers to '${id.text}', which is not a module constant`);
}

/** Members of a frozen (or reported unfrozen) literal: constants; nested literals frozen too. */
function checkLiteralMembers(ctx: Context, lit: ts.ObjectLiteralExpression | ts.ArrayLiteralExpression): void {
  if (ts.isArrayLiteralExpression(lit)) {
    for (const el of lit.elements) {
      if (ts.isOmittedExpression(el)) continue;
      checkConstant(ctx, ts.isSpreadElement(el) ? el.expression : el);
    }
    return;
  }
  for (const prop of lit.properties) {
    if (prop.name !== undefined && ts.isComputedPropertyName(prop.name)) checkConstant(ctx, prop.name.expression);
    if (ts.isPropertyAssignment(prop)) checkConstant(ctx, prop.initializer);
    else if (ts.isShorthandPropertyAssignment(prop)) checkConstantIdentifier(ctx, prop.name);
    else if (ts.isSpreadAssignment(prop)) checkConstant(ctx, prop.expression);
    // methods and accessors are functions: fine
  }
}

function checkClass(ctx: Context, cls: ts.ClassLikeDeclaration, topLevel: boolean): void {
  for (const clause of cls.heritageClauses ?? []) {
    if (clause.token === ts.SyntaxKind.ExtendsKeyword && topLevel) {
      for (const t of clause.types) checkConstant(ctx, t.expression);
    }
  }
  for (const member of cls.members) {
    if (ts.isClassStaticBlockDeclaration(member)) {
      report(ctx, member, "static-block", "static block runs at module load: module-level state");
      continue;
    }
    if (member.name !== undefined && ts.isComputedPropertyName(member.name) && topLevel) {
      checkConstant(ctx, member.name.expression);
    }
    if (!hasModifier(member, ts.SyntaxKind.StaticKeyword)) continue;
    if (ts.isPropertyDeclaration(member)) {
      if (!hasModifier(member, ts.SyntaxKind.ReadonlyKeyword) || hasModifier(member, ts.SyntaxKind.AccessorKeyword)) {
        report(ctx, member, "mutable-static", "static property without `readonly`: module-level state");
      } else if (member.initializer !== undefined && topLevel) {
        checkConstant(ctx, member.initializer);
      }
    }
  }
}

function checkTopLevel(ctx: Context): void {
  for (const stmt of ctx.source.statements) {
    if (hasModifier(stmt, ts.SyntaxKind.DeclareKeyword)) continue; // ambient: no code
    switch (stmt.kind) {
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration:
      case ts.SyntaxKind.InterfaceDeclaration:
      case ts.SyntaxKind.TypeAliasDeclaration:
      case ts.SyntaxKind.EmptyStatement:
      case ts.SyntaxKind.FunctionDeclaration:
        continue;
      case ts.SyntaxKind.ClassDeclaration:
        continue; // checked with every class below
      case ts.SyntaxKind.EnumDeclaration:
        report(ctx, stmt, "enum", "TS enum compiles to module-level code; use const literals");
        continue;
      case ts.SyntaxKind.ModuleDeclaration:
        report(ctx, stmt, "namespace", "namespace compiles to module-level code");
        continue;
      case ts.SyntaxKind.ExportAssignment:
        checkConstant(ctx, (stmt as ts.ExportAssignment).expression);
        continue;
      case ts.SyntaxKind.VariableStatement: {
        const list = (stmt as ts.VariableStatement).declarationList;
        if ((list.flags & ts.NodeFlags.Const) === 0) {
          const kind = list.flags & ts.NodeFlags.Let ? "let" : list.flags & ts.NodeFlags.BlockScoped ? "using" : "var";
          report(ctx, stmt, `top-level-${kind}`, `top-level \`${kind}\`: module-level state`);
          continue;
        }
        for (const decl of list.declarations) {
          if (!ts.isIdentifier(decl.name)) {
            report(ctx, decl, "top-level-init", "destructuring at module level runs code at load");
          } else if (decl.initializer !== undefined) {
            checkConstant(ctx, decl.initializer);
          }
        }
        continue;
      }
      case ts.SyntaxKind.ExpressionStatement: {
        const expr = unwrap((stmt as ts.ExpressionStatement).expression);
        if (ts.isStringLiteral(expr)) continue; // directive prologue ("use strict")
        if (ts.isCallExpression(expr) || ts.isTaggedTemplateExpression(expr)) {
          report(ctx, stmt, "top-level-call", "call at module level runs at load");
        } else if (ts.isNewExpression(expr)) {
          report(ctx, stmt, "top-level-new", "`new` at module level: module-level state");
        } else {
          report(ctx, stmt, "top-level-statement", "statement at module level runs at load");
        }
        continue;
      }
      default:
        report(ctx, stmt, "top-level-statement", `${ts.SyntaxKind[stmt.kind]} at module level runs at load`);
    }
  }
}

/** Import of anything but a relative path (core may not depend on host modules). */
function checkImports(ctx: Context): void {
  for (const stmt of ctx.source.statements) {
    let spec: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(stmt)) {
      spec = stmt.moduleSpecifier;
      typeOnly = stmt.importClause?.isTypeOnly === true;
    } else if (ts.isExportDeclaration(stmt)) {
      spec = stmt.moduleSpecifier;
      typeOnly = stmt.isTypeOnly;
    }
    if (spec !== undefined && ts.isStringLiteral(spec) && !spec.text.startsWith(".") && !typeOnly) {
      report(ctx, spec, "host-import", `import of '${spec.text}': core imports only its own modules`);
    }
  }
}

function checkGlobalsAndClasses(ctx: Context): void {
  const visit = (node: ts.Node, depth: number): void => {
    if (isTypeOnly(node)) return;
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      checkClass(ctx, node, depth === 0 && ts.isClassDeclaration(node));
    }
    if (ts.canHaveDecorators(node) && (ts.getDecorators(node)?.length ?? 0) > 0) {
      report(ctx, node, "top-level-call", "decorators are calls that run at module load");
    }
    if (ts.isIdentifier(node)) {
      if (FORBIDDEN.has(node.text) && !isNameNotReference(node) && isGlobalReference(ctx.checker, node)) {
        report(ctx, node, "forbidden-global", `'${node.text}' is a host global; core gets time, I/O and randomness from the Platform`);
      }
      return;
    }
    if ((ts.isPropertyAccessExpression(node) && node.name.text === "random")
      || (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)
        && node.argumentExpression.text === "random")) {
      const base = unwrap(node.expression);
      if (ts.isIdentifier(base) && base.text === "Math" && isGlobalReference(ctx.checker, base)) {
        report(ctx, node, "forbidden-global", "'Math.random' is forbidden; randomness comes from the Platform");
      }
    }
    const inner = ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isBlock(node) ? depth + 1 : depth;
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  for (const stmt of ctx.source.statements) visit(stmt, 0);
}

/**
 * Checks core sources for module-level state and host globals.
 * `paths` are .ts files; returns every violation, sorted by file and position.
 */
export function checkFiles(paths: string[]): Violation[] {
  return runRules(paths, [checkTopLevel, checkImports, checkGlobalsAndClasses]);
}

// ---------------------------------------------------------------------------
// Espruino traps the esbuild gate cannot see (runtimes.md "Three Espruino traps").

/** The function (or file) whose activation evaluates `node`. */
function evaluationScope(node: ts.Node): ts.Node {
  for (let n = node.parent; n !== undefined; n = n.parent) {
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassStaticBlockDeclaration(n)) return n;
  }
  return node.getSourceFile();
}

function collectBindingSymbols(checker: ts.TypeChecker, name: ts.BindingName, into: Set<ts.Symbol>): void {
  if (ts.isIdentifier(name)) {
    const sym = checker.getSymbolAtLocation(name);
    if (sym !== undefined) into.add(sym);
    return;
  }
  for (const el of name.elements) {
    if (!ts.isOmittedExpression(el)) collectBindingSymbols(checker, el.name, into);
  }
}

/** Espruino has no per-iteration binding: closures made in `for (let i…)` all see the last value. */
function checkLoopClosures(ctx: Context): void {
  const visit = (node: ts.Node): void => {
    if (isTypeOnly(node)) return;
    if ((ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node))
      && node.initializer !== undefined && ts.isVariableDeclarationList(node.initializer)
      && (node.initializer.flags & ts.NodeFlags.BlockScoped) !== 0) {
      const loopVars = new Set<ts.Symbol>();
      for (const d of node.initializer.declarations) collectBindingSymbols(ctx.checker, d.name, loopVars);
      const reported = new Set<string>();
      const scan = (n: ts.Node, closure: ts.Node | undefined): void => {
        if (isTypeOnly(n)) return;
        if (ts.isFunctionLike(n)) closure = n;
        if (closure !== undefined && ts.isIdentifier(n) && !isNameNotReference(n)) {
          const sym = ctx.checker.getSymbolAtLocation(n);
          const key = `${closure.pos}:${n.text}`;
          if (sym !== undefined && loopVars.has(sym) && !reported.has(key)) {
            reported.add(key);
            report(ctx, n, "loop-closure", `closure captures loop variable '${n.text}'; Espruino has no per-iteration binding (all closures see the last value)`);
          }
        }
        ts.forEachChild(n, (c) => scan(c, closure));
      };
      ts.forEachChild(node, (c) => scan(c, undefined));
    }
    ts.forEachChild(node, visit);
  };
  visit(ctx.source);
}

/** Espruino does not hoist functions: a use before the declaration, in the same activation, sees nothing. */
function checkUseBeforeDeclaration(ctx: Context): void {
  const names = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name !== undefined && n.body !== undefined) names.add(n.name.text);
    ts.forEachChild(n, collect);
  };
  collect(ctx.source);
  if (names.size === 0) return;
  const visit = (node: ts.Node): void => {
    if (isTypeOnly(node)) return;
    if (ts.isIdentifier(node) && names.has(node.text) && !isNameNotReference(node)) {
      const sym = ctx.checker.getSymbolAtLocation(node);
      const decl = sym?.valueDeclaration;
      if (decl !== undefined && ts.isFunctionDeclaration(decl) && decl.body !== undefined
        && decl.getSourceFile() === ctx.source && node.getStart(ctx.source) < decl.getStart(ctx.source)
        && evaluationScope(node) === evaluationScope(decl)) {
        report(ctx, node, "use-before-declaration", `'${node.text}' is used before its declaration in the same scope; Espruino does not hoist functions`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ctx.source);
}

/** Class fields (initialisers, parameter properties, #private, accessor) are outside Espruino's class support. */
function checkClassFields(ctx: Context): void {
  const visit = (node: ts.Node): void => {
    if (isTypeOnly(node)) return;
    if (ts.isPropertyDeclaration(node) && !hasModifier(node, ts.SyntaxKind.StaticKeyword)
      && !hasModifier(node, ts.SyntaxKind.AbstractKeyword)) {
      if (node.initializer !== undefined) {
        report(ctx, node, "class-field", "class field initialiser; assign fields in the constructor");
      } else if (ts.isPrivateIdentifier(node.name) || hasModifier(node, ts.SyntaxKind.AccessorKeyword)) {
        report(ctx, node, "class-field", "#private or accessor field; use plain fields assigned in the constructor");
      }
    } else if (ts.isParameter(node) && ts.isConstructorDeclaration(node.parent) && ts.isParameterPropertyDeclaration(node, node.parent)) {
      report(ctx, node, "class-field", "TS parameter property is a class field; assign it in the constructor body");
    } else if ((ts.isMethodDeclaration(node) || ts.isAccessor(node)) && ts.isPrivateIdentifier(node.name)) {
      report(ctx, node, "class-field", `#private member '${node.name.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(ctx.source);
}

/**
 * Checks sources for the Espruino traps that parse fine but run wrong:
 * closures over a for-loop `let`/`const` ("loop-closure"), a function used
 * before its declaration in the same activation ("use-before-declaration"),
 * and class fields ("class-field").
 */
export function checkEspruinoTraps(paths: string[]): Violation[] {
  return runRules(paths, [checkLoopClosures, checkUseBeforeDeclaration, checkClassFields]);
}

/** `path` relative to `from` when it lies below it, else as is (for messages). */
export function displayPath(path: string, from: string): string {
  const rel = relative(from, path);
  return rel.startsWith("..") ? path : rel;
}
