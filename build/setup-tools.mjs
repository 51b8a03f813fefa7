// pretest: make sure the Debian tools the test suite uses are installed.
// As root with apt-get available we install what is missing; otherwise we
// say what is missing (tests that need a tool fail under CI=true and skip
// with a message elsewhere).
import { execFileSync, spawnSync } from "node:child_process";

const TOOLS = [
  { command: "tshark", package: "tshark" },
  { command: "/usr/lib/usrsctp/echo_server", package: "libusrsctp-examples" },
];

function have(command) {
  if (command.startsWith("/")) return spawnSync("test", ["-x", command]).status === 0;
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

const missing = TOOLS.filter((t) => !have(t.command)).map((t) => t.package);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (!isRoot || !have("apt-get")) {
  process.stderr.write(`setup-tools: missing Debian packages: ${missing.join(" ")} (install them as root to run every test)\n`);
  process.exit(0);
}
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
process.stderr.write(`setup-tools: installing ${missing.join(" ")}\n`);
execFileSync("sh", ["-c", 'echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections'], { stdio: "inherit", env });
execFileSync("apt-get", ["update"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit", env });
