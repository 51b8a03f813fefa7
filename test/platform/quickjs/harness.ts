// A QuickJS host for the QuickJS platform bundle, in quickjs-emscripten:
// the VM has no timers and no I/O, so this host plays qjs's event loop.
//
//   os   (VM side, JS) setTimeout returns a timer OBJECT and there is no
//        os.now, as in QuickJS 2021-03-27; setReadHandler / setWriteHandler
//        register per-fd callbacks; the host fires them.
//   net  (VM side, JS over host functions) the binding of net.d.ts, bridged
//        to real Node sockets on loopback. Descriptors are small integers.
//        Readiness is level-triggered like select(): while a watched fd is
//        ready, its handler runs again on every loop round. Writes are
//        throttled (at most WRITE_BUDGET bytes per fd per round, then
//        -EAGAIN) so the platform's partial-write queue is exercised.
//        tcpListen binds asynchronously underneath: give it a fixed port
//        (localPort reports the requested one).
//
// After every host-to-VM call the host runs executePendingJobs. Everything
// is torn down by dispose(), after which no callback reaches the VM.

import net from "node:net";
import { fileURLToPath } from "node:url";
import { newQuickJSWASMModule, RELEASE_SYNC } from "quickjs-emscripten";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

interface Entry { name: string; entry: string; profile: string; mangle?: boolean }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  bundle(entry: Entry, minify: boolean): Promise<{ code: string }>;
};

let cachedBundle: string | null = null;
let cachedModule: QuickJSWASMModule | null = null;

/** The shipped bundle: build/build.mjs entry "quickjs-platform", minified. */
export async function quickjsBundle(): Promise<string> {
  if (cachedBundle !== null) return cachedBundle;
  const entry = build.ENTRIES.find((e) => e.name === "quickjs-platform");
  if (entry === undefined) throw new Error("no quickjs-platform entry in build/build.mjs");
  cachedBundle = (await build.bundle(entry, true)).code;
  return cachedBundle;
}

const EAGAIN = 11;
const ECONNREFUSED = 111;
const ECONNRESET = 104;
const EBADF = 9;
/** Bytes a socket takes per loop round before write returns -EAGAIN. */
export const WRITE_BUDGET = 1000;
/** Largest read the host hands out (one segment's worth). */
const READ_MAX = 1460;

// VM side: os and net over the __host functions.
const PRELUDE = `
var os = (function () {
  var timers = {}, readers = {}, writers = {}, next = 1;
  function Timer(id) { this.id = id; }
  return {
    setTimeout: function (fn, ms) {
      if (typeof fn !== "function") throw new TypeError("not a function");
      var t = new Timer(next++);
      timers[t.id] = fn;
      __host.setTimer(t.id, ms);
      return t;
    },
    clearTimeout: function (t) {
      if (!(t instanceof Timer)) throw new TypeError("clearTimeout: not a timer object");
      if (timers[t.id]) { delete timers[t.id]; __host.clearTimer(t.id); }
    },
    setReadHandler: function (fd, fn) {
      if (fn) readers[fd] = fn; else delete readers[fd];
      __host.watch(fd, 0, fn ? 1 : 0);
    },
    setWriteHandler: function (fd, fn) {
      if (fn) writers[fd] = fn; else delete writers[fd];
      __host.watch(fd, 1, fn ? 1 : 0);
    },
    fire: function (id) { var fn = timers[id]; if (fn) { delete timers[id]; fn(); } },
    ready: function (fd, kind) { var fn = kind === 0 ? readers[fd] : writers[fd]; if (fn) fn(); }
  };
})();
var net = {
  EAGAIN: ${EAGAIN},
  tcpConnect: function (host, port, localAddress, localPort) { return __host.connect(host, port, localAddress, localPort); },
  tcpListen: function (host, port) { return __host.listen(host, port); },
  accept: function (fd) { return __host.accept(fd); },
  read: function (fd, buffer, offset, length) {
    var r = __host.read(fd, length);
    if (typeof r === "number") return r;
    new Uint8Array(buffer, offset, r.byteLength).set(new Uint8Array(r));
    return r.byteLength;
  },
  write: function (fd, buffer, offset, length) { return __host.write(fd, buffer.slice(offset, offset + length)); },
  shutdown: function (fd) { __host.shutdown(fd); },
  close: function (fd, reset) { __host.close(fd, reset ? 1 : 0); },
  socketError: function (fd) { return __host.socketError(fd); },
  localPort: function (fd) { return __host.localPort(fd); },
  remoteAddress: function (fd) { return __host.remoteAddress(fd); },
  remotePort: function (fd) { return __host.remotePort(fd); }
};
`;

interface Connection {
  kind: "connection";
  node: net.Socket;
  inbox: Buffer[];
  eof: boolean;
  /** errno of a failed connect or a broken connection, else 0. */
  error: number;
  connected: boolean;
  /** shutdown() was called (Node's end()). */
  ended: boolean;
  budget: number;
  watchRead: boolean;
  watchWrite: boolean;
}

interface Server {
  kind: "server";
  server: net.Server;
  pending: net.Socket[];
  port: number;
  error: number;
  watchRead: boolean;
  watchWrite: boolean;
}

type Descriptor = Connection | Server;

export interface HostCounters {
  /** Loop rounds that found a ready fd. */
  rounds: number;
  readCallbacks: number;
  writeCallbacks: number;
  timerCallbacks: number;
  /** write() calls that took less than asked (partial or -EAGAIN). */
  shortWrites: number;
  bytesWritten: number;
  bytesRead: number;
}

export interface QuickJSHost {
  runtime: QuickJSRuntime;
  vm: QuickJSContext;
  counters: HostCounters;
  /** Errors thrown by VM callbacks the host ran (timers, readiness). */
  errors: string[];
  /** Evaluates code in the VM, runs pending jobs, returns the dumped result (throws on a VM exception). */
  eval(code: string): unknown;
  /** Descriptors still open on the host side. */
  openDescriptors(): number;
  /** The VM's heap as QuickJS counts it ("memory used" of dumpMemoryUsage), -1 when unknown. */
  heapBytes(): number;
  dispose(): void;
}

function errnoOf(e: NodeJS.ErrnoException): number {
  if (e.code === "ECONNREFUSED") return ECONNREFUSED;
  if (e.code === "ECONNRESET" || e.code === "EPIPE") return ECONNRESET;
  return typeof e.errno === "number" && e.errno < 0 ? -e.errno : 5;
}

/**
 * A runtime with `memoryLimit` bytes, the bundle loaded, os and net defined;
 * `report(kind, value)` receives the VM's __host.report calls.
 */
export async function createQuickJSHost(memoryLimit: number, report: (kind: string, value: unknown) => void): Promise<QuickJSHost> {
  const code = await quickjsBundle();
  if (cachedModule === null) cachedModule = await newQuickJSWASMModule(RELEASE_SYNC);
  const runtime = cachedModule.newRuntime();
  runtime.setMemoryLimit(memoryLimit);
  const vm = runtime.newContext();
  const counters: HostCounters = { rounds: 0, readCallbacks: 0, writeCallbacks: 0, timerCallbacks: 0, shortWrites: 0, bytesWritten: 0, bytesRead: 0 };
  const errors: string[] = [];
  const fds = new Map<number, Descriptor>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  // Every Node socket and server ever made, for teardown (closed fds included).
  const everything: Array<net.Socket | net.Server> = [];
  let nextFd = 3;
  let disposed = false;
  let pumpScheduled: ReturnType<typeof setImmediate> | null = null;

  const num = (h: QuickJSHandle) => vm.getNumber(h);
  const str = (h: QuickJSHandle) => vm.getString(h);

  function settle(): void {
    const r = runtime.executePendingJobs();
    if (r.error !== undefined) {
      errors.push(JSON.stringify(vm.dump(r.error)));
      r.error.dispose();
    }
  }

  /** Calls os.fire / os.ready in the VM. */
  function callOs(name: "fire" | "ready", a: number, b: number): void {
    if (disposed) return;
    const os = vm.getProp(vm.global, "os");
    const fn = vm.getProp(os, name);
    const ha = vm.newNumber(a);
    const hb = vm.newNumber(b);
    const r = vm.callFunction(fn, os, ha, hb);
    ha.dispose();
    hb.dispose();
    fn.dispose();
    os.dispose();
    if (r.error !== undefined) {
      errors.push(JSON.stringify(vm.dump(r.error)));
      r.error.dispose();
    } else r.value.dispose();
    settle();
  }

  function readable(d: Descriptor): boolean {
    if (d.kind === "server") return d.pending.length > 0 || d.error !== 0;
    return d.inbox.length > 0 || d.eof || (d.error !== 0 && d.connected);
  }

  function writable(d: Descriptor): boolean {
    // select() reports a failed socket writable (and readable) too.
    return d.kind === "connection" && (d.error !== 0 || (d.connected && !d.node.destroyed));
  }

  // One select() round: every ready watched fd gets its handler once.
  function pump(): void {
    pumpScheduled = null;
    if (disposed) return;
    let any = false;
    for (const [fd, d] of Array.from(fds.entries())) {
      if (d.kind === "connection") d.budget = WRITE_BUDGET;
      if (d.watchRead && readable(d)) {
        any = true;
        counters.readCallbacks++;
        callOs("ready", fd, 0);
      }
      if (disposed) return;
      const again = fds.get(fd);
      if (again !== undefined && again.watchWrite && writable(again)) {
        any = true;
        counters.writeCallbacks++;
        callOs("ready", fd, 1);
      }
      if (disposed) return;
    }
    if (any) {
      counters.rounds++;
      schedule();
    }
  }

  function schedule(): void {
    if (pumpScheduled === null && !disposed) pumpScheduled = setImmediate(pump);
  }

  function addConnection(node: net.Socket, connected: boolean): number {
    const fd = nextFd++;
    const d: Connection = { kind: "connection", node, inbox: [], eof: false, error: 0, connected, ended: false, budget: WRITE_BUDGET, watchRead: false, watchWrite: false };
    fds.set(fd, d);
    everything.push(node);
    node.setNoDelay(true);
    node.on("data", (b: Buffer) => {
      d.inbox.push(b);
      schedule();
    });
    node.on("end", () => {
      d.eof = true;
      schedule();
    });
    node.on("error", (e: NodeJS.ErrnoException) => {
      d.error = errnoOf(e);
      schedule();
    });
    node.on("close", () => {
      d.eof = true;
      schedule();
    });
    if (!connected) {
      node.once("connect", () => {
        d.connected = true;
        schedule();
      });
    }
    return fd;
  }

  function connection(fd: number): Connection | null {
    const d = fds.get(fd);
    return d !== undefined && d.kind === "connection" ? d : null;
  }

  const functions: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | void> = {
    report: (k, v) => {
      report(str(k), vm.dump(v));
    },
    setTimer: (id, ms) => {
      const n = num(id);
      timers.set(n, setTimeout(() => {
        timers.delete(n);
        counters.timerCallbacks++;
        callOs("fire", n, 0);
      }, Math.max(0, num(ms))));
    },
    clearTimer: (id) => {
      const n = num(id);
      const h = timers.get(n);
      if (h !== undefined) clearTimeout(h);
      timers.delete(n);
    },
    watch: (fd, kind, on) => {
      const d = fds.get(num(fd));
      if (d === undefined) return;
      if (num(kind) === 0) d.watchRead = num(on) === 1;
      else d.watchWrite = num(on) === 1;
      schedule();
    },
    connect: (host, port, localAddress, localPort) => {
      const options: net.TcpNetConnectOpts = { host: str(host), port: num(port) };
      const la = vm.typeof(localAddress) === "string" ? str(localAddress) : "";
      const lp = vm.typeof(localPort) === "number" ? num(localPort) : 0;
      if (la !== "") options.localAddress = la;
      if (lp > 0) options.localPort = lp;
      return vm.newNumber(addConnection(net.connect(options), false));
    },
    listen: (host, port) => {
      const fd = nextFd++;
      const requested = num(port);
      const d: Server = { kind: "server", server: net.createServer(), pending: [], port: requested, error: 0, watchRead: false, watchWrite: false };
      everything.push(d.server);
      d.server.on("connection", (s) => {
        d.pending.push(s);
        schedule();
      });
      d.server.on("error", (e: NodeJS.ErrnoException) => {
        d.error = errnoOf(e);
        schedule();
      });
      const h = str(host);
      d.server.listen(requested, h === "" ? "127.0.0.1" : h);
      fds.set(fd, d);
      return vm.newNumber(fd);
    },
    accept: (fd) => {
      const d = fds.get(num(fd));
      if (d === undefined || d.kind !== "server") return vm.newNumber(-EBADF);
      if (d.error !== 0) return vm.newNumber(-d.error);
      const s = d.pending.shift();
      if (s === undefined) return vm.newNumber(-EAGAIN);
      return vm.newNumber(addConnection(s, true));
    },
    read: (fd, length) => {
      const d = connection(num(fd));
      if (d === null) return vm.newNumber(-EBADF);
      if (d.inbox.length > 0) {
        const max = Math.min(num(length), READ_MAX);
        const parts: Buffer[] = [];
        let n = 0;
        while (n < max && d.inbox.length > 0) {
          const b = d.inbox[0];
          const take = Math.min(b.length, max - n);
          parts.push(b.subarray(0, take));
          n += take;
          if (take === b.length) d.inbox.shift();
          else d.inbox[0] = b.subarray(take);
        }
        counters.bytesRead += n;
        const out = Buffer.concat(parts, n);
        return vm.newArrayBuffer(out.buffer.slice(out.byteOffset, out.byteOffset + n));
      }
      if (d.error !== 0) return vm.newNumber(-d.error);
      if (d.eof) return vm.newNumber(0);
      return vm.newNumber(-EAGAIN);
    },
    write: (fd, buffer) => {
      const d = connection(num(fd));
      if (d === null) return vm.newNumber(-EBADF);
      if (d.error !== 0) return vm.newNumber(-d.error);
      if (!d.connected || d.node.destroyed || d.node.writableEnded) return vm.newNumber(-EAGAIN);
      const view = vm.getArrayBuffer(buffer);
      const bytes = Buffer.from(view.value);
      view.dispose();
      const n = Math.min(bytes.length, d.budget);
      if (n < bytes.length) counters.shortWrites++;
      if (n === 0) return vm.newNumber(-EAGAIN);
      d.budget -= n;
      d.node.write(bytes.subarray(0, n));
      counters.bytesWritten += n;
      // The fd stays writable (for the handler) on the next round.
      schedule();
      return vm.newNumber(n);
    },
    shutdown: (fd) => {
      const d = connection(num(fd));
      if (d !== null && !d.node.destroyed) {
        d.ended = true;
        d.node.end();
      }
    },
    close: (fd, reset) => {
      const n = num(fd);
      const d = fds.get(n);
      fds.delete(n);
      if (d === undefined) return;
      if (d.kind === "server") {
        d.server.close();
        for (const s of d.pending) s.destroy();
      } else if (num(reset) === 1 && !d.ended) d.node.resetAndDestroy();
      // RST after FIN: a kernel would send it, but Node 20's end() followed
      // by resetAndDestroy() left the event loop spinning at 100 % CPU in our
      // runs; destroy() is the closest safe equivalent.
      else if (num(reset) === 1) d.node.destroy();
      else {
        d.node.end();
        d.node.once("end", () => d.node.destroy());
      }
    },
    socketError: (fd) => {
      const d = connection(num(fd));
      return vm.newNumber(d === null ? EBADF : d.connected ? 0 : d.error);
    },
    localPort: (fd) => {
      const d = fds.get(num(fd));
      if (d === undefined) return vm.newNumber(0);
      return vm.newNumber(d.kind === "server" ? d.port : (d.node.localPort ?? 0));
    },
    remoteAddress: (fd) => {
      const d = connection(num(fd));
      return vm.newString(d === null ? "" : (d.node.remoteAddress ?? ""));
    },
    remotePort: (fd) => {
      const d = connection(num(fd));
      return vm.newNumber(d === null ? 0 : (d.node.remotePort ?? 0));
    },
  };

  const hostObject = vm.newObject();
  for (const name of Object.keys(functions)) {
    const f = vm.newFunction(name, functions[name]);
    vm.setProp(hostObject, name, f);
    f.dispose();
  }
  vm.setProp(vm.global, "__host", hostObject);
  hostObject.dispose();

  function evaluate(source: string, filename: string): unknown {
    const r = vm.evalCode(source, filename);
    if (r.error !== undefined) {
      const e = vm.dump(r.error);
      r.error.dispose();
      throw new Error(`${filename}: ${JSON.stringify(e)}`);
    }
    const value = vm.dump(r.value);
    r.value.dispose();
    settle();
    return value;
  }

  evaluate(PRELUDE, "prelude.js");
  evaluate(code, "quickjs-platform.min.js");

  return {
    runtime,
    vm,
    counters,
    errors,
    eval: (source: string) => evaluate(source, "eval.js"),
    openDescriptors: () => fds.size,
    heapBytes(): number {
      // "memory used  <count>  <bytes>" of QuickJS's own accounting.
      const m = /memory used\s+\d+\s+(\d+)/.exec(runtime.dumpMemoryUsage());
      return m === null ? -1 : Number(m[1]);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (pumpScheduled !== null) clearImmediate(pumpScheduled);
      for (const h of timers.values()) clearTimeout(h);
      timers.clear();
      for (const d of fds.values()) if (d.kind === "server") for (const s of d.pending) s.destroy();
      for (const x of everything) {
        if (x instanceof net.Server) x.close();
        else x.destroy();
      }
      fds.clear();
      vm.dispose();
      runtime.dispose();
    },
  };
}
