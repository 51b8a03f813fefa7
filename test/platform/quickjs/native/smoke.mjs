// Smoke check of the quickjs-platform bundle on a native QuickJS 2021-03-27
// (run.sh builds it): os.now is absent and os.setTimeout returns an object
// there; platform timers fire in deadline order; a driven client machine
// times out a resolution without a registrar (ERROR_NO_REGISTRAR = 1).
import * as std from "std";
import * as os from "os";
std.loadScript(scriptArgs[1]);
const out = [];
out.push("os.now: " + typeof os.now + ", setTimeout returns: " + typeof os.setTimeout(function () {}, 0));
const platform = RSP.createQuickJSPlatform({ os: os, net: null, now: Date.now });
const t0 = platform.now();
const fired = [];
platform.setTimer(t0 + 30, function (x) { fired.push(x + "@" + Math.round(platform.now() - t0)); }, "c");
platform.setTimer(t0 + 10, function (x) { fired.push(x + "@" + Math.round(platform.now() - t0)); }, "a");
const drop = platform.setTimer(t0 + 15, function (x) { fired.push("dropped"); }, "x");
platform.setTimer(t0 + 20, function (x) { fired.push(x + "@" + Math.round(platform.now() - t0)); }, "b");
platform.clearTimer(drop);
const client = RSP.createClient({ random: platform.random, registrars: [], announce: false, registrarRequestTimeoutMs: 100 });
const driver = RSP.createDriver(platform, client, { onEvent: function (t, e) {
  if (e.kind === RSP.EVENT_RESOLVED) out.push("resolved: error " + e.error + " after " + Math.round(platform.now() - t0) + " ms");
} });
driver.run(function () { client.resolve(platform.now(), "EchoPool", null); }, null);
os.setTimeout(function () {
  out.push("timers fired: " + fired.join(" "));
  out.push("platform timers left: " + platform.timers());
  driver.close(); platform.close();
  print(out.join("\n"));
}, 400);
