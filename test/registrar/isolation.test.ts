// Two complete registrars from ONE bundle instance do not interfere
// (ARCHITECTURE.md "no module-level state"): the core (createRegistrar +
// createDriver) is bundled once with esbuild, evaluated once in a node:vm
// context that has no timers, no process and no console, and both
// registrars (and their drivers) come from that single evaluation, each on
// its own virtual platform.
import t from "tap";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import type { Registrar, RegistrarConfig, RegistrarEvent } from "../../core/registrar/index.js";
import type { Driver, DriverOptions } from "../../core/driver/index.js";
import type { Machine } from "../../core/driver/machine.js";
import type { Platform } from "../../core/driver/platform.js";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION_RESPONSE,
  CAUSE_UNKNOWN_POOL_HANDLE,
} from "../../core/wire/index.js";
import { clientNode } from "../support/asap-client.js";
import { VirtualNetwork } from "../support/virtual-platform.js";
import { causes, identifiers, registration, resolution } from "./fixture.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const build = (await import(`${ROOT}build/build.mjs`)) as {
  bundle(entry: { name: string; entry: string; profile: string }, minify: boolean): Promise<{ code: string; inputs: string[] }>;
};
const bundled = await build.bundle({ name: "isolation", entry: "test/registrar/isolation-entry.ts", profile: "server" }, true);

interface Core {
  createRegistrar(options: Partial<RegistrarConfig>): Registrar;
  createDriver<M extends Machine<E>, E>(platform: Platform, machine: M, options: DriverOptions<E>): Driver<M>;
}

// No host services, and frozen built-ins and prototypes: the bundle can
// neither find a clock or timer nor park state on a shared object. (A vm
// global cannot be frozen; the test checks instead that it gains no names.)
const context = vm.createContext({});
vm.runInContext(
  `delete globalThis.console;
  [Object, Array, Function, Uint8Array, Int32Array, Uint32Array, Float64Array, DataView, Math, JSON].forEach(function (o) {
    Object.freeze(o);
    if (o.prototype) Object.freeze(o.prototype);
  });`,
  context,
);
const GLOBAL_NAMES = vm.runInContext("Object.getOwnPropertyNames(globalThis).join()", context) as string;
const core = vm.runInContext(`(function () {\n${bundled.code}\nreturn RSP;\n})()`, context, {
  filename: "isolation.min.js",
}) as Core;

t.test("the bundle is core only and the context has no host services", async (t) => {
  t.ok(bundled.inputs.every((path) => path.startsWith("core/") || path.startsWith("test/registrar/")), "no platform/* module");
  for (const name of ["setTimeout", "setInterval", "process", "console", "queueMicrotask", "Buffer", "require"]) {
    t.equal(vm.runInContext(`typeof ${name}`, context), "undefined", `${name} is absent`);
  }
  t.equal(vm.runInContext("Object.isFrozen(Array.prototype) && Object.isFrozen(Object)", context), true, "built-ins frozen");
  t.equal(typeof core.createRegistrar, "function");
  t.equal(typeof core.createDriver, "function");
});

t.test("two registrars from one bundle instance on two platforms do not interfere", async (t) => {
  const network = new VirtualNetwork({ seed: 11, latencyMs: 2 });
  network.addHost("r1", ["10.0.0.1"]);
  network.addHost("r2", ["10.0.0.2"]);
  const nodes = ["r1", "r2"].map((name, i) => {
    const platform = network.createPlatform(name, { seed: 100 + i });
    const registrar = core.createRegistrar({
      random: (into) => platform.random(into),
      asapAnnounce: true,
      asapAddresses: [i === 0 ? "10.0.0.1" : "10.0.0.2"],
      keepAliveTransmissionIntervalMs: i === 0 ? 1000 : 3000,
    });
    const events: RegistrarEvent[] = [];
    const driver = core.createDriver(platform, registrar, { onEvent: (_x: unknown, e: RegistrarEvent) => events.push(e) });
    driver.run(() => registrar.start(platform.now()), null);
    return { platform, registrar, driver, events };
  });
  t.not(nodes[0].registrar.identifier, nodes[1].registrar.identifier, "each drew its own identifier");

  network.addHost("pe1", ["10.0.1.1"]);
  network.addHost("pe2", ["10.0.2.1"]);
  network.addHost("listener", ["10.0.9.9"]);
  const pe1 = clientNode(network.createPlatform("pe1"));
  const pe2 = clientNode(network.createPlatform("pe2"));
  const listener = clientNode(network.createPlatform("listener"));
  listener.run((c) => c.joinGroup(1, "239.0.0.50", 3863));
  let a1 = 0;
  let a2 = 0;
  pe1.run((c) => (a1 = c.connect(["10.0.0.1"], 3863)));
  pe2.run((c) => (a2 = c.connect(["10.0.0.2"], 3863)));
  network.advance(20);
  pe1.client.autoAck.add(a1);
  pe2.client.autoAck.add(a2);
  pe1.run((c) => c.sendMessage(a1, registration("Shared", 1, ["10.0.1.1"])));
  pe2.run((c) => c.sendMessage(a2, registration("Shared", 2, ["10.0.2.1"])));
  pe2.run((c) => c.sendMessage(a2, registration("OnlyTwo", 3, ["10.0.2.1"])));
  network.advance(20);
  t.same(pe1.client.messages(ASAP_REGISTRATION_RESPONSE).map((m) => m.flags), [0]);
  t.same(pe2.client.messages(ASAP_REGISTRATION_RESPONSE).map((m) => m.flags), [0, 0]);

  t.equal(nodes[0].registrar.handlespace.count, 1, "registrar 1 holds only its PE");
  t.equal(nodes[1].registrar.handlespace.count, 2, "registrar 2 holds only its PEs");
  pe1.run((c) => {
    c.sendMessage(a1, resolution("Shared"));
    c.sendMessage(a1, resolution("OnlyTwo"));
  });
  pe2.run((c) => c.sendMessage(a2, resolution("Shared")));
  network.advance(20);
  const [shared1, only] = pe1.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
  t.same(identifiers(shared1), [1], "registrar 1 resolves to its own PE");
  t.equal(shared1.poolElements[0].homeRegistrarIdentifier, nodes[0].registrar.identifier);
  t.same(causes(only), [CAUSE_UNKNOWN_POOL_HANDLE], "registrar 2's pool is unknown at registrar 1");
  t.same(identifiers(pe2.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [2]);

  // Their timers run independently: keep-alives every 1 s vs every 3 s.
  network.advance(9000);
  const kas1 = pe1.client.messages(ASAP_ENDPOINT_KEEP_ALIVE);
  const kas2 = pe2.client.messages(ASAP_ENDPOINT_KEEP_ALIVE);
  t.ok(kas1.length >= 8 && kas1.length <= 9, `registrar 1: ${kas1.length} keep-alives in 9 s`);
  t.ok(kas2.length >= 4 && kas2.length <= 6, `registrar 2: ${kas2.length} keep-alives in 9 s (2 PEs x every 3 s)`);
  t.ok(kas1.every((m) => m.serverIdentifier === nodes[0].registrar.identifier), "each from its own registrar");
  t.ok(kas2.every((m) => m.serverIdentifier === nodes[1].registrar.identifier));
  const announcers = new Set(listener.client.datagrams.map((d) => d.message?.serverIdentifier));
  t.same([...announcers].sort(), [nodes[0].registrar.identifier, nodes[1].registrar.identifier].sort(), "both announce");
  t.equal(nodes[0].registrar.statistics.registrations, 1);
  t.equal(nodes[1].registrar.statistics.registrations, 2);

  // Stopping one leaves the other running.
  nodes[0].driver.run(() => nodes[0].registrar.stop(nodes[0].platform.now()), null);
  network.advance(4000);
  t.equal(pe1.client.downs.length, 1, "registrar 1's PE was disconnected");
  t.equal(pe2.client.downs.length, 0, "registrar 2's PE was not");
  t.equal(nodes[1].registrar.isRunning(), true);
  t.equal(nodes[1].registrar.handlespace.count, 2);
  t.ok(pe2.client.messages(ASAP_ENDPOINT_KEEP_ALIVE).length > kas2.length, "registrar 2 keeps supervising");
  t.equal(vm.runInContext("Object.getOwnPropertyNames(globalThis).join()", context), GLOBAL_NAMES,
    "the context's global gained no names");
});
