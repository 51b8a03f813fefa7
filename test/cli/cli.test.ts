import t from "tap";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));

t.test("rserpool --help lists commands and exits 0", async (t) => {
  const r = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  t.equal(r.status, 0);
  t.match(r.stdout, /Usage: rserpool <command>/);
});

t.test("an unknown command is refused with exit status 2", async (t) => {
  const r = spawnSync(process.execPath, [BIN, "no-such-command"], { encoding: "utf8" });
  t.equal(r.status, 2);
  t.match(r.stderr, /unknown command 'no-such-command'/);
});
