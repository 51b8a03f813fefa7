// Shared by the QuickJS and Espruino platform tests: an echo pool element
// written in ES5 for the embedded engine (it runs inside QuickJS or an
// Espruino-like vm context, over the bundle's RSP global), plus host-side
// helpers (a free port, a report collector with deadlines).

import net from "node:net";

/**
 * The PE script: an expression evaluating to a function(config, host).
 * `platformExpression` builds the platform (it may use `config`).
 * The function starts the PE and returns {stop(), deregister(), timers(),
 * associations()}; it reports through host.report(kind, value):
 * "identifier", "registered", "registration-failed", "session", "echoed",
 * "deregistered", "error".
 */
export function echoPoolElementScript(platformExpression: string): string {
  return `(function (config, host) {
  var platform = ${platformExpression};
  var client = RSP.createClient({
    random: platform.random,
    registrars: [{ addresses: ["127.0.0.1"], port: config.registrarPort }],
    transport: "tcp", sessionTransport: "tcp", announce: false,
    maxRequests: 16, maxPoolElements: 4, maxCachePools: 4, maxCacheElements: 16,
    maxSessions: 8, maxQueuedMessages: 8, maxRegistrars: 2
  });
  var identifier = 0;
  var driver = RSP.createDriver(platform, client, {
    onEvent: function (target, e) {
      if (e.kind === RSP.EVENT_REGISTERED) host.report("registered", e.identifier >>> 0);
      else if (e.kind === RSP.EVENT_REGISTRATION_FAILED) host.report("registration-failed", e.error + "/" + e.cause);
      else if (e.kind === RSP.EVENT_SESSION_ACCEPTED) host.report("session", e.session);
      else if (e.kind === RSP.EVENT_DEREGISTERED) host.report("deregistered", e.error);
      else if (e.kind === RSP.EVENT_DATA) {
        var length = e.bytes.length;
        driver.run(function () { client.send(platform.now(), e.session, e.stream, e.ppid, e.bytes); }, null);
        host.report("echoed", length);
      }
    },
    onError: function (target, code, number, detail) { host.report("error", code + " " + number + " " + detail); }
  });
  driver.run(function () {
    var now = platform.now();
    client.start(now);
    client.listen(now, { addresses: ["127.0.0.1"], port: config.port, transport: "tcp" });
    identifier = client.registerPoolElement(now, "EchoPool", {
      addresses: ["127.0.0.1"], port: config.port, protocol: RSP.PARAM_TCP_TRANSPORT, controlChannel: true
    }) >>> 0;
  }, null);
  host.report("identifier", identifier);
  return {
    deregister: function () {
      driver.run(function () { client.deregisterPoolElement(platform.now(), "EchoPool", identifier); }, null);
    },
    stop: function () { driver.close(); platform.close(); },
    timers: function () { return platform.timers(); },
    associations: function () { return platform.tcp.associations(); }
  };
})`;
}

/** A free TCP port on 127.0.0.1 (bound then released; good enough on loopback). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Waiter {
  kind: string;
  count: number;
  resolve: (value: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Collects host.report(kind, value) calls; `next` waits for the n-th report of a kind, with a deadline. */
export class Reports {
  readonly all: Array<{ kind: string; value: unknown }> = [];
  private waiters: Waiter[] = [];

  report(kind: string, value: unknown): void {
    this.all.push({ kind, value });
    for (const w of this.waiters.slice()) {
      if (w.kind === kind && this.of(kind).length >= w.count) {
        clearTimeout(w.timer);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(this.of(kind)[w.count - 1]);
      }
    }
  }

  of(kind: string): unknown[] {
    return this.all.filter((r) => r.kind === kind).map((r) => r.value);
  }

  /** The `count`-th value reported as `kind` (1-based), or a rejection after `ms`. */
  next(kind: string, count: number, ms: number): Promise<unknown> {
    const have = this.of(kind);
    if (have.length >= count) return Promise.resolve(have[count - 1]);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        kind,
        count,
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no '${kind}' report #${count} within ${ms} ms; reports: ${JSON.stringify(this.all)}`));
        }, ms),
      };
      this.waiters.push(w);
    });
  }

  cancel(): void {
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters = [];
  }
}
