// An Espruino-like world for the shim bundle, in a Node `vm` context:
//   - the built-ins Espruino lacks are deleted from the context (Map, Set,
//     Symbol, WeakMap, Proxy, Reflect, TextEncoder, RangeError, Object.freeze,
//     Array.from, Number.isInteger, Math.imul, and the ES2015+ methods the
//     gate refuses ...);
//   - require("net") is a fake with Espruino's semantics (string chunks,
//     on("data"|"close"|"error"), write(string), end(), connect({host, port}, cb),
//     createServer(cb).listen(port)) bridged to real Node sockets on 127.0.0.1;
//   - setTimeout / clearTimeout return integer ids (as Espruino's do), and
//     getTime() gives seconds as a float;
//   - E (toString / toUint8Array) is plain JS inside the context, counting calls.
// Everything the harness opens is closed by close().

import net from "node:net";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

interface Entry { name: string; entry: string; profile: string; mangle?: boolean }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  bundle(entry: Entry, minify: boolean): Promise<{ code: string }>;
};

let cachedBundle: string | null = null;

/** The shipped bundle: build/build.mjs entry "espruino-shim", minified (what `npm run build` writes). */
export async function espruinoBundle(): Promise<string> {
  if (cachedBundle !== null) return cachedBundle;
  const entry = build.ENTRIES.find((e) => e.name === "espruino-shim");
  if (entry === undefined) throw new Error("no espruino-shim entry in build/build.mjs");
  cachedBundle = (await build.bundle(entry, true)).code;
  return cachedBundle;
}

/** Globals and statics Espruino does not have (runtimes.md, build.mjs MISSING_*). */
export const REMOVED_GLOBALS = [
  "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy", "Reflect",
  "BigInt", "BigInt64Array", "BigUint64Array", "TextEncoder", "TextDecoder", "SharedArrayBuffer", "Atomics",
  "RangeError", "AggregateError", "structuredClone", "queueMicrotask",
];
export const REMOVED_STATICS: Array<[string, string[]]> = [
  ["Object", ["freeze", "seal", "is", "isFrozen", "isSealed", "preventExtensions", "fromEntries", "getOwnPropertySymbols"]],
  ["Array", ["from", "of"]],
  ["Number", ["isInteger", "isFinite", "isNaN", "isSafeInteger", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER", "EPSILON"]],
  ["Math", ["imul", "trunc", "clz32", "log2", "log10", "sign", "fround", "hypot", "cbrt", "expm1", "log1p"]],
  ["String", ["raw", "fromCodePoint"]],
  ["ArrayBuffer", ["isView"]],
  ["Promise", ["race", "allSettled", "any"]],
  ["Uint8Array", ["from", "of"]],
];
/** ES2015+ prototype methods only big Espruino builds have. */
export const REMOVED_METHODS: Array<[string, string[]]> = [
  ["Array", ["includes", "find", "findIndex", "findLast", "findLastIndex", "flat", "flatMap", "at", "copyWithin"]],
  ["String", ["includes", "padStart", "padEnd", "startsWith", "endsWith", "repeat", "codePointAt", "normalize", "trimStart", "trimEnd", "at", "replaceAll", "matchAll"]],
];

const STRIP = `(function (g, globals, statics, methods) {
  for (var i = 0; i < globals.length; i++) delete g[globals[i]];
  for (var j = 0; j < statics.length; j++) {
    for (var k = 0; k < statics[j][1].length; k++) delete g[statics[j][0]][statics[j][1][k]];
  }
  // Typed arrays share one %TypedArray% constructor for from/of, and its
  // prototype for copyWithin, includes, find, at ...
  var TA = Object.getPrototypeOf(Uint8Array);
  delete TA.from; delete TA.of;
  for (var m = 0; m < methods.length; m++) {
    for (var n = 0; n < methods[m][1].length; n++) {
      delete g[methods[m][0]].prototype[methods[m][1][n]];
      delete TA.prototype[methods[m][1][n]];
    }
  }
})`;

const E_SOURCE = `var E = { calls: 0,
  toString: function (bytes) { E.calls++; var s = ""; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; },
  toUint8Array: function (text) { E.calls++; var u = new Uint8Array(text.length); for (var i = 0; i < text.length; i++) u[i] = text.charCodeAt(i) & 255; return u; }
};`;

type Listener = (a?: unknown) => void;

/** A socket with Espruino's net.Socket behaviour over a Node socket. */
class FakeSocket {
  readonly node: net.Socket;
  private listeners: { [event: string]: Listener[] } = {};
  writes = 0;

  constructor(node: net.Socket) {
    this.node = node;
    node.on("data", (b: Buffer) => this.emit("data", b.toString("latin1")));
    node.on("error", (e: NodeJS.ErrnoException) => this.emit("error", { code: e.code === "ECONNREFUSED" ? -9 : -10, message: e.message }));
    node.on("close", (hadError: boolean) => this.emit("close", hadError));
  }

  on(event: string, fn: Listener): FakeSocket {
    (this.listeners[event] ??= []).push(fn);
    return this;
  }

  emit(event: string, value?: unknown): void {
    for (const fn of this.listeners[event] ?? []) fn(value);
  }

  write(data: unknown): boolean {
    // Espruino would stringify anything else; the shim must hand it bytes as a string.
    if (typeof data !== "string") throw new TypeError(`fake Espruino socket: write(${typeof data}), expected a string`);
    this.writes++;
    if (!this.node.destroyed) this.node.write(Buffer.from(data, "latin1"));
    return false;
  }

  end(): void {
    if (!this.node.destroyed) this.node.end();
  }
}

export interface EspruinoWorld {
  context: vm.Context;
  /** The bundle's global. */
  RSP: Record<string, unknown>;
  /** Evaluates ES5 source in the context. */
  run(source: string): unknown;
  /** Node sockets the fake net opened or accepted. */
  sockets: net.Socket[];
  /** Calls the fake E made (toString + toUint8Array). */
  eCalls(): number;
  close(): void;
}

export async function createEspruinoWorld(): Promise<EspruinoWorld> {
  const code = await espruinoBundle();
  const sockets: net.Socket[] = [];
  const servers: net.Server[] = [];
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextTimer = 1;
  let closed = false;

  const fakeNet = {
    connect(options: { host: string; port: number }, callback?: (socket: FakeSocket) => void): FakeSocket {
      const node = net.connect({ host: options.host, port: options.port });
      sockets.push(node);
      const socket = new FakeSocket(node);
      node.once("connect", () => {
        if (callback !== undefined) callback(socket);
      });
      return socket;
    },
    createServer(callback: (socket: FakeSocket) => void) {
      const server = net.createServer((node) => {
        sockets.push(node);
        callback(new FakeSocket(node));
      });
      servers.push(server);
      return {
        listen(port: number) {
          server.listen(port, "127.0.0.1");
          return this;
        },
        close() {
          server.close();
        },
      };
    },
  };

  const context = vm.createContext({});
  const hostGlobals: Record<string, unknown> = {
    require(name: string) {
      if (name === "net") return fakeNet;
      throw new Error(`Module ${name} not found`);
    },
    getTime: () => performance.now() / 1000,
    setTimeout(fn: () => void, ms: number): number {
      const id = nextTimer++;
      if (closed) return id;
      timers.set(id, setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms));
      return id;
    },
    clearTimeout(id: number): void {
      const t = timers.get(id);
      if (t !== undefined) clearTimeout(t);
      timers.delete(id);
    },
  };
  for (const name of Object.keys(hostGlobals)) context[name] = hostGlobals[name];
  const strip = vm.runInContext(STRIP, context) as (g: unknown, a: unknown, b: unknown, c: unknown) => void;
  strip(vm.runInContext("this", context), REMOVED_GLOBALS, REMOVED_STATICS, REMOVED_METHODS);
  vm.runInContext(E_SOURCE, context);
  vm.runInContext(code, context, { filename: "espruino-shim.min.js" });
  return {
    context,
    RSP: context.RSP as Record<string, unknown>,
    run: (source: string) => vm.runInContext(source, context),
    sockets,
    eCalls: () => (context.E as { calls: number }).calls,
    close(): void {
      if (closed) return;
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      for (const s of servers) s.close();
    },
  };
}
