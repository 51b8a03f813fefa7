// The command-line tools: every option is in --help, rsplib's spellings
// parse to the same configuration as the long names, defaults match
// rsplib's (except the registrar's well-known ports), and the processes are
// scriptable (a JSON "ready" record with the bound ports, clean exits).
import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { parseOptions } from "../../../platform/node/options.js";
import type { OptionSpec } from "../../../platform/node/options.js";
import { REGISTRAR_SPECS, registrarSetup } from "../../../platform/node/tool-registrar.js";
import { SERVER_SPECS, serverSetup } from "../../../platform/node/tool-server.js";
import { TERMINAL_SPECS, terminalSetup } from "../../../platform/node/tool-terminal.js";
import { HSDUMP_SPECS } from "../../../platform/node/tool-hsdump.js";
import { DEMO_SPECS } from "../../../platform/node/demo.js";
import { parsePolicy } from "../../../platform/node/policy.js";
import { defaultRegistrarConfig } from "../../../core/registrar/index.js";
import { POLICY_LEAST_USED, POLICY_LEAST_USED_DEGRADATION, POLICY_WEIGHTED_ROUND_ROBIN } from "../../../core/wire/constants.js";

const BIN = fileURLToPath(new URL("../../../../bin/rserpool.js", import.meta.url));

const TOOLS: Array<[string, OptionSpec[]]> = [
  ["registrar", REGISTRAR_SPECS],
  ["server", SERVER_SPECS],
  ["terminal", TERMINAL_SPECS],
  ["hsdump", HSDUMP_SPECS],
  ["demo", DEMO_SPECS],
];

for (const [tool, specs] of TOOLS) {
  t.test(`rserpool ${tool} --help names every option and alias`, async (t) => {
    const r = spawnSync(process.execPath, [BIN, tool, "--help"], { encoding: "utf8", timeout: 10000 });
    t.equal(r.status, 0, "exit 0");
    t.match(r.stdout, `Usage: rserpool ${tool}`);
    for (const spec of specs) {
      t.ok(r.stdout.includes(`--${spec.name}`), `--${spec.name}`);
      for (const alias of spec.aliases ?? []) t.ok(r.stdout.includes(`-${alias}`), `-${alias}`);
      if (spec.choices !== undefined) t.ok(r.stdout.includes(`[${spec.choices.join("|")}]`), `${spec.name} choices`);
    }
    t.ok(r.stdout.includes("--help"));
  });
}

t.test("the rserpool command lists the tools; a usage error exits 2", async (t) => {
  const r = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  for (const tool of ["registrar", "server", "terminal", "hsdump", "demo", "wire", "bench"]) t.match(r.stdout, `  ${tool} `);
  const bad = spawnSync(process.execPath, [BIN, "registrar", "--no-such-option"], { encoding: "utf8" });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown option '--no-such-option'/);
  const badPolicy = spawnSync(process.execPath, [BIN, "server", "-policy=Fastest"], { encoding: "utf8" });
  t.equal(badPolicy.status, 2);
  t.match(badPolicy.stderr, /unknown policy 'Fastest'/);
  const two = spawnSync(process.execPath, [BIN, "server", "-echo", "-discard"], { encoding: "utf8" });
  t.equal(two.status, 2);
});

t.test("registrar: rsplib spellings and long names give the same configuration", async (t) => {
  const rsplib = [
    "-asap=127.0.0.1:3900", "-enrp=127.0.0.1:9950", "-asapannounce=off", "-enrpannounce=239.1.2.3:4000",
    "-announcettl=7", "-serverannouncecycle=2000", "-autoclosetimeout=60",
    "-endpointkeepalivetransmissioninterval=1500", "-endpointkeepalivetimeoutinterval=700", "-maxbadpereports=5",
    "-maxhresitems=9", "-maxincrement=2", "-minaddressscope=loopback", "-distancestep=20", "-disable-ipv6",
    "-maxhrrate=50", "-maxeurate=4", "-identifier=0x1234", "-maxelementsperhtrequest=64",
    "-mentordiscoverytimeout=3000", "-peerheartbeatcycle=3000", "-peermaxtimelastheard=4000",
    "-peermaxtimenoresponse=2000", "-takeoverexpiryinterval=6000", "-supporttakeoversuggestion",
    "-peer=10.0.0.2:9901", "-peer=10.0.0.3", "-cspserver=127.0.0.1:2960", "-cspinterval=500",
  ];
  const long = [
    "--asap", "127.0.0.1:3900", "--enrp=127.0.0.1:9950", "--asap-announce", "none", "--enrp-announce", "239.1.2.3:4000",
    "--announce-ttl", "7", "--server-announce-cycle", "2000", "--auto-close-timeout", "60",
    "--keep-alive-interval", "1500", "--keep-alive-timeout", "700", "--max-bad-pe-reports", "5",
    "--max-hres-items", "9", "--max-increment", "2", "--min-address-scope", "LOOPBACK", "--distance-step", "20", "--disable-ipv6",
    "--max-hr-rate", "50", "--max-eu-rate", "4", "--identifier", "4660", "--max-elements-per-ht-request", "64",
    "--mentor-discovery-timeout", "3000", "--peer-heartbeat-cycle", "3000", "--peer-max-time-last-heard", "4000",
    "--peer-max-time-no-response", "2000", "--takeover-expiry-interval", "6000", "--support-takeover-suggestion",
    "--peer", "10.0.0.2:9901,10.0.0.3", "--csp-server", "127.0.0.1:2960", "--csp-interval", "500",
  ];
  const a = registrarSetup(parseOptions(REGISTRAR_SPECS, rsplib).values);
  const b = registrarSetup(parseOptions(REGISTRAR_SPECS, long).values);
  t.same(a, b, "same setup");
  const c = a.options.config ?? {};
  t.same([c.asapAddresses, c.asapPort, c.enrpAddresses, c.enrpPort], [["127.0.0.1"], 3900, ["127.0.0.1"], 9950]);
  t.equal(c.asapAnnounce, false);
  t.same([c.enrpAnnounceAddress, c.enrpAnnouncePort], ["239.1.2.3", 4000]);
  t.equal(c.autoCloseTimeoutMs, 60000, "auto-close in seconds on the command line, ms in the config");
  t.same([c.keepAliveTransmissionIntervalMs, c.keepAliveTimeoutIntervalMs, c.identifier], [1500, 700, 0x1234]);
  t.same(c.peers, ["10.0.0.2:9901", "10.0.0.3:9901"], "peers with the default ENRP port");
  t.equal(c.minAddressScope, "loopback");
});

t.test("registrar: every core registrar option is reachable from the command line", async (t) => {
  const config = registrarSetup(parseOptions(REGISTRAR_SPECS, []).values).options.config ?? {};
  for (const key of Object.keys(defaultRegistrarConfig())) {
    if (key === "random") continue;
    t.ok(key in config, key);
  }
});

t.test("registrar defaults: rsplib's, but on the well-known ports (3863, 9901, UDP 9899) over SCTP and TCP", async (t) => {
  const s = registrarSetup(parseOptions(REGISTRAR_SPECS, []).values);
  const c = s.options.config ?? {};
  t.same([c.asapPort, c.enrpPort, s.options.sctpUdpPort], [3863, 9901, 9899]);
  t.same([c.asapAddresses, c.asapTransports, c.enrpTransports], [[], ["sctp", "tcp"], ["sctp", "tcp"]]);
  t.same([c.asapAnnounce, c.announceAddress, c.announcePort], [true, "239.0.0.50", 3863]);
  t.same([c.keepAliveTransmissionIntervalMs, c.keepAliveTimeoutIntervalMs, c.maxBadPeReports, c.maxHandleResolutionItems], [5000, 5000, 3, 3]);
  t.same([c.minAddressScope, c.autoCloseTimeoutMs, c.maxElementsPerHandleTableRequest], ["sitelocal", 300000, 128]);
});

t.test("server: rsplib spellings, default pools per service, policies", async (t) => {
  const rsplib = serverSetup(parseOptions(SERVER_SPECS, [
    "-pingpong", "-poolhandle=MyPool", "-policy=LeastUsedDegradation:5%", "-registrar=127.0.0.1:3863",
    "-rereginterval=1000", "-identifier=77", "-pppfailureafter=4", "-asapannounce=off", "-registrarconnecttimeout=900",
  ]).values);
  const long = serverSetup(parseOptions(SERVER_SPECS, [
    "--service", "pingpong", "--pool", "MyPool", "--policy", "lud:0.05", "--registrar", "127.0.0.1",
    "--reregister-interval", "1000", "--identifier", "77", "--ppp-failure-after", "4", "--asap-announce", "off",
    "--registrar-connect-timeout", "900",
  ]).values);
  t.same(rsplib, long, "same setup");
  t.equal(rsplib.service, "pingpong");
  t.equal(rsplib.pe.poolHandle, "MyPool");
  t.equal(rsplib.pe.reregistrationInterval, 1000);
  t.same(rsplib.pe.registrars, [{ addresses: ["127.0.0.1"], port: 3863, udpPort: 9899 }]);
  t.equal(rsplib.pe.announce, false);
  t.equal(rsplib.serviceOptions.ppid, 33, "PingPong's PPID");
  t.equal(rsplib.serviceOptions.pingpongFailureAfter, 4);
  const policy = rsplib.pe.policy as ReturnType<typeof parsePolicy>;
  t.equal(policy.type, POLICY_LEAST_USED_DEGRADATION);
  t.equal(policy.loadDegradation, Math.round(0.05 * 0xffffffff));

  const pools: Record<string, string> = { echo: "EchoPool", discard: "DiscardPool", daytime: "DaytimePool", chargen: "CharGenPool", pingpong: "PingPongPool", calcapp: "CalcAppPool" };
  for (const [service, pool] of Object.entries(pools)) {
    t.equal(serverSetup(parseOptions(SERVER_SPECS, [`-${service}`]).values).pe.poolHandle, pool, `-${service}: ${pool}`);
    t.equal(serverSetup(parseOptions(SERVER_SPECS, ["--service", service]).values).pe.poolHandle, pool);
  }
  const d = serverSetup(parseOptions(SERVER_SPECS, []).values);
  t.same([d.service, d.pe.poolHandle, d.pe.reregistrationInterval, d.pe.announce], ["echo", "EchoPool", 30000, true], "rsplib defaults; announces without --registrar");
  t.equal(parsePolicy("leastused").type, POLICY_LEAST_USED, "case-insensitive rsplib spelling");
  t.equal(parsePolicy("WRR:7").weight, 7);
  t.equal(parsePolicy("WeightedRoundRobin").type, POLICY_WEIGHTED_ROUND_ROBIN);
  t.throws(() => parsePolicy("rr:1"), /at most 0/);
  t.throws(() => parsePolicy("lud:2"), /fraction/);
});

t.test("terminal: rsplib spellings", async (t) => {
  const a = terminalSetup(parseOptions(TERMINAL_SPECS, ["-poolhandle=DaytimePool", "-registrar=[::1]:4000", "-registrarresponsetimeout=700"]).values);
  const b = terminalSetup(parseOptions(TERMINAL_SPECS, ["--pool", "DaytimePool", "--registrar", "[::1]:4000", "--registrar-response-timeout", "700"]).values);
  t.same(a, b);
  t.same(a.pu.registrars, [{ addresses: ["::1"], port: 4000, udpPort: 9899 }]);
  t.equal(terminalSetup(parseOptions(TERMINAL_SPECS, []).values).pool, "EchoPool", "rsplib's default pool");
});

/** Spawns a tool, collects stdout lines, resolves `ready` on its JSON ready record. */
function tool(args: string[]) {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  p.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => p.once("exit", (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready record: ${stderr}`)), 10000);
    readline.createInterface({ input: p.stdout }).on("line", (l) => {
      lines.push(l);
      const r = JSON.parse(l) as Record<string, unknown>;
      if (r.event === "ready") {
        clearTimeout(timer);
        resolve(r);
      }
    });
  });
  return { process: p, lines, exited, ready, stderr: () => stderr };
}

t.test("scriptable processes: JSON ready records with ports, hsdump, clean exits on SIGTERM", async (t) => {
  const reg = tool(["registrar", "--asap", "127.0.0.1:0", "--enrp", "127.0.0.1:0", "--sctp-udp-port", "0", "-asapannounce=off",
    "-minaddressscope=loopback", "--log-format", "json"]);
  t.teardown(() => reg.process.kill("SIGKILL"));
  const ready = await reg.ready;
  t.ok((ready.asapPort as number) > 0 && (ready.enrpPort as number) > 0 && (ready.sctpUdpPort as number) > 0, "ports in the ready record");
  t.equal(ready.pid, reg.process.pid);
  t.match(ready.identifier as string, /^0x[0-9a-f]{8}$/);

  const pe = tool(["server", "-daytime", "-registrar=127.0.0.1:" + ready.asapPort, "--registrar-udp-port", String(ready.sctpUdpPort), "--log-format", "json", "--identifier", "0xabc"]);
  t.teardown(() => pe.process.kill("SIGKILL"));
  const peReady = await pe.ready;
  t.same([peReady.pe, peReady.pool, peReady.registered], ["0x00000abc", "DaytimePool", true]);

  const dump = spawnSync(process.execPath, [BIN, "hsdump", "--json", "--udp-port", String(ready.sctpUdpPort), `127.0.0.1:${ready.enrpPort}`], { encoding: "utf8", timeout: 10000 });
  t.equal(dump.status, 0, dump.stderr);
  const doc = JSON.parse(dump.stdout) as { pools: Array<{ poolHandle: string; elements: Array<{ identifier: number; homeRegistrar: number }> }> };
  t.same(doc.pools.map((p) => [p.poolHandle, p.elements.map((e) => e.identifier)]), [["DaytimePool", [0xabc]]]);
  t.equal(doc.pools[0].elements[0].homeRegistrar, parseInt(ready.identifier as string, 16), "owner");
  const text = spawnSync(process.execPath, [BIN, "hsdump", "--transports", "tcp", `127.0.0.1:${ready.enrpPort}`], { encoding: "utf8", timeout: 10000 });
  t.match(text.stdout, /pool "DaytimePool"\s+policy RoundRobin\s+1 PE\(s\)/);
  t.match(text.stdout, /PE 0x00000abc\s+sctp:127\.0\.0\.1:\d+ \+control\s+RoundRobin\s+home 0x[0-9a-f]{8}\s+life 90000 ms/);

  pe.process.kill("SIGTERM");
  t.equal(await pe.exited, 0, "server: exit 0 after SIGTERM");
  t.ok(pe.lines.some((l) => JSON.parse(l).event === "stopped"), "server logged stopped");
  reg.process.kill("SIGTERM");
  t.equal(await reg.exited, 0, "registrar: exit 0 after SIGTERM");
  const events = reg.lines.map((l) => JSON.parse(l).event);
  t.ok(events.includes("registered") && events.includes("deregistered"), "registrar logged the PE coming and going");
  t.equal(events[events.length - 1], "stopped");
});
