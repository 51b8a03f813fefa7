// The shipped client bundle (build/build.mjs entry "client": ES module,
// internal fields mangled, shared modules imported) runs: a PE and a PU
// built from it register, resolve, open a session and fail over with the
// cookie, against the real registrar.
import t from "tap";
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Harness } from "../support/client-harness.js";
import type { Client } from "../../core/client/client.js";
import type { ClientConfig } from "../../core/client/config.js";
import { createRegistrar } from "../../core/registrar/registrar.js";
import {
  EVENT_COOKIE_ECHO,
  EVENT_DATA,
  EVENT_FAILOVER_COMPLETE,
  EVENT_REGISTERED,
  EVENT_RESOLVED,
  EVENT_SESSION_ACCEPTED,
  EVENT_SESSION_UP,
  FLAG_COOKIE_ECHOED,
} from "../../core/client/events.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
interface Entry { name: string; entry: string; profile: string }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  bundle(entry: Entry, minify: boolean): Promise<{ code: string }>;
};

t.test("the client bundle works as built", async (t) => {
  const entry = build.ENTRIES.find((e) => e.name === "client") as Entry;
  const { code } = await build.bundle(entry, true);
  t.match(code, /from"\.\/core\/wire\//, "shared modules stay imports");
  t.notMatch(code, /sessionsDirty_|queued_/, "internal fields are mangled");
  // At the root of dist/ the bundle's "./core/..." imports are the compiled shared modules.
  const file = `${ROOT}dist/client.bundle.test.mjs`;
  writeFileSync(file, code);
  const bundled = (await import(pathToFileURL(file).href)) as { createClient(c: Partial<ClientConfig>): Client; EVENT_DATA: number };
  t.equal(bundled.EVENT_DATA, EVENT_DATA, "constants exported");
  const create = bundled.createClient;

  const h = new Harness({ abortOnKill: true });
  h.network.addHost("pr", ["10.0.0.1"]);
  const prPlatform = h.network.createPlatform("pr");
  const registrar = createRegistrar({ random: (b) => prPlatform.random(b), enrpTransports: [], enrpAnnounce: false, asapAnnounce: false });
  const pr = h.machineOn("pr", registrar);
  pr.driver.run(() => registrar.start(pr.platform.now()), null);
  const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];
  const pes = ["10.0.2.1", "10.0.2.2"].map((address, i) => {
    const node = h.client("pe" + i, [address], { announce: false, registrars: STATIC }, create);
    node.run((cl, now) => {
      cl.listen(now, { port: 7000 });
      cl.registerPoolElement(now, "Echo", { addresses: [address], port: 7000, controlChannel: true });
    });
    node.react = (e) => {
      if (e.kind === EVENT_DATA) {
        node.run((cl, now) => {
          cl.send(now, e.session, e.stream, e.ppid, e.bytes as Uint8Array);
          cl.sendCookie(now, e.session, e.bytes as Uint8Array);
        });
      }
    };
    return node;
  });
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC }, create);
  h.advance(100);
  t.ok(pes.every((p) => p.of(EVENT_REGISTERED).length === 1), "registered");
  const rq = pu.run((cl, now) => cl.resolve(now, "Echo", { items: 2 }));
  h.advance(20);
  t.equal(pu.of(EVENT_RESOLVED).find((e) => e.request === rq)?.poolElements.length, 2, "resolved");
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(20);
  t.equal(pu.of(EVENT_SESSION_UP).length, 1, "session up");
  pu.run((cl, now) => cl.send(now, session, 0, 38, Uint8Array.of(9)));
  h.advance(20);
  t.same(Array.from(pu.of(EVENT_DATA)[0]?.bytes ?? []), [9], "echoed");
  const first = pes.find((p) => p.of(EVENT_SESSION_ACCEPTED).length > 0) as (typeof pes)[0];
  const second = pes.find((p) => p !== first) as (typeof pes)[0];
  h.network.kill(first.platform, { abort: true });
  h.advance(100);
  t.equal(pu.of(EVENT_FAILOVER_COMPLETE)[0]?.flags, FLAG_COOKIE_ECHOED, "failed over with the cookie");
  t.same(Array.from(second.of(EVENT_COOKIE_ECHO)[0]?.bytes ?? []), [9]);
});
