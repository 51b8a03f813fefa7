import t from "tap";
import { Harness } from "../support/client-harness.js";
import { EVENT_REGISTERED, EVENT_REGISTRAR_UP, EVENT_RESOLVED } from "../../core/client/events.js";

t.test("smoke: hunt, register, resolve", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 0x101, asapPort: 3863 });
  const c = h.client("c", ["10.0.1.1"], { registrars: [{ addresses: ["10.0.0.1"], port: 3863 }], announce: false });
  const id = c.run((cl, now) => cl.registerPoolElement(now, "EchoPool", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(100);
  t.equal(c.of(EVENT_REGISTRAR_UP).length, 1);
  t.equal(c.of(EVENT_REGISTERED).length, 1);
  t.ok(pr.machine.find("EchoPool", id));
  const rq = c.run((cl, now) => cl.resolve(now, "EchoPool", { items: 1 }));
  h.advance(100);
  const r = c.of(EVENT_RESOLVED);
  t.equal(r.length, 1);
  t.equal(r[0].request, rq);
  t.equal(r[0].poolElements[0].identifier, id);
  t.same(c.errors, []);
});
