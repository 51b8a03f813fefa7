// `npm start`'s orchestrator on a shortened schedule: it runs to completion,
// its output shows the killed PE, the terminal's failover to another PE and
// replies from that PE afterwards, and no child process is left behind.
import t from "tap";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../../bin/rserpool.js", import.meta.url));

function runDemo(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, "demo", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 30000);
    p.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const transports of ["sctp,tcp", "tcp"]) {
  t.test(`the demo shows a failover (${transports}) and stops by itself`, async (t) => {
    const { code, out } = await runDemo(["--transports", transports], {
      RSERPOOL_DEMO_DURATION: "6000",
      RSERPOOL_DEMO_KILL_AFTER: "2000",
      RSERPOOL_DEMO_INTERVAL: "250",
    });
    t.equal(code, 0, "exit 0");
    const lines = out.split("\n");
    const line = (re: RegExp) => lines.find((l) => re.test(l));
    t.ok(line(/registrar \| ready .*asapPort=\d+/), "the registrar is ready");
    t.equal(lines.filter((l) => /pe-\d +\| ready pe=0x[0-9a-f]{8} pool=EchoPool/.test(l)).length, 3, "three echo PEs");
    const connected = /terminal +\| connected pool=EchoPool pe=(0x[0-9a-f]{8})/.exec(out);
    const killed = /killing (pe-\d) \(PE (0x[0-9a-f]{8}), serving the terminal\) with SIGKILL/.exec(out);
    const failover = /terminal +\| failover pool=EchoPool lost=(0x[0-9a-f]{8})/.exec(out);
    const complete = /terminal +\| failover-complete pool=EchoPool pe=(0x[0-9a-f]{8})/.exec(out);
    t.ok(connected && killed && failover && complete, "connected, killed, failover, failover-complete");
    if (!(connected && killed && failover && complete)) {
      t.comment(out);
      return;
    }
    t.equal(killed[2], connected[1], "the PE serving the terminal was killed");
    t.equal(failover[1], killed[2], "the terminal lost that PE");
    t.not(complete[1], killed[2], "and went on with another");
    const after = out.slice(out.indexOf(complete[0]));
    t.match(after, new RegExp(`terminal +\\| \\[${complete[1]}\\] hello \\d+`), "replies from the new PE");
    t.notMatch(after, new RegExp(`\\[${killed[2]}\\] hello`), "none from the dead one");
    t.match(out, /done: \d+ lines sent, \d+ replies, pe-\d killed, failover completed in \d+ ms/);
    const pids = [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    t.equal(pids.length, 4, "registrar and PE pids");
    t.same(pids.filter(alive), [], "no child left running");
  });
}
