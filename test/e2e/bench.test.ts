// `rserpool bench e2e`: it runs against a real registrar process on each
// transport, answers are checked, the registrar stops cleanly, a PE kill
// yields a failover sample with its detection path, and --json has the
// documented shape. Figures are the benchmark's business, not asserted here
// (only that they were measured).
import t from "tap";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

function bench(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, "bench", "e2e", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 60000);
    p.once("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

t.test("bench e2e --json over SCTP and TCP, with one PE kill each", { timeout: 90000 }, async (t) => {
  const r = await bench(["--json", "--seconds", "0.3", "--pools", "4", "--per-pool", "25", "--failovers", "1"]);
  t.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { bench: string; targets: Record<string, number>; results: Array<Record<string, unknown>> };
  t.equal(doc.bench, "e2e");
  t.same(doc.targets, { resolutionsPerSecond: 20000, failoverMs: 1000 });
  t.same(doc.results.map((x) => x.transport), ["sctp", "tcp"], "both transports by default");
  for (const x of doc.results) {
    const name = String(x.transport);
    t.equal(x.poolElements, 100, `${name}: 4 x 25 PEs`);
    for (const key of ["registrationsPerSecond", "deregistrationsPerSecond", "reregistrationsPerSecond", "resolutionsPerSecond", "coldRegistrationMs"]) {
      t.ok((x[key] as number) > 0, `${name}: ${key} measured`);
    }
    t.ok((x.resolutionsChecked as number) > 0, `${name}: answers decoded and checked`);
    t.same(x.registrarOptions, ["--max-hr-rate", "0", "--max-pes-per-association", "128", "--max-bad-pe-reports", "1"], `${name}: registrar options named`);
    const failovers = x.failovers as Array<Record<string, unknown>>;
    t.equal(failovers.length, 1, `${name}: one failover sample`);
    t.ok((failovers[0].completeMs as number) > 0 && (failovers[0].detectMs as number) <= (failovers[0].completeMs as number), `${name}: detection before completion`);
    t.not(failovers[0].downReason, "unknown", `${name}: the PU's association to the killed PE went down (${failovers[0].downReason})`);
    t.match(String(x.detection), /^(aborted|closed)/, `${name}: detection path named`);
    t.equal(x.registrarExit, "exit 0", `${name}: the registrar exited 0 on SIGTERM`);
  }
});

t.test("bench e2e: one transport, text output; bad options refused; --help", async (t) => {
  const r = await bench(["--transport", "tcp", "--seconds=0.2", "--pools", "2", "--per-pool", "10", "--failovers", "0"]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^e2e over tcp \(registrar process pid \d+/);
  t.notMatch(r.stdout, /e2e over sctp/);
  t.match(r.stdout, /resolutions\/s +[\d,]+ +\(4 associations x 64 outstanding/);
  t.match(r.stdout, /registrar +exit 0 on SIGTERM/);
  const help = await bench(["--help"]);
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: rserpool bench e2e/);
  for (const bad of [["--transport", "udp"], ["--frobnicate"], ["--window", "0"], ["--seconds", "-1"]]) {
    t.equal((await bench(bad)).status, 2, `refused: ${bad.join(" ")}`);
  }
});
