// rserpool <command> ...: the command-line entry point. Each command lives in
// its own module and is loaded only when asked for.

interface Command {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  registrar: { summary: "run a pool registrar (rsplib rspregistrar)", load: () => import("./tool-registrar.js") },
  server: { summary: "run a pool element with a demo service (rsplib rspserver)", load: () => import("./tool-server.js") },
  terminal: { summary: "pool user: send stdin lines to a pool, print replies (rsplib rspterminal)", load: () => import("./tool-terminal.js") },
  hsdump: { summary: "print a registrar's handlespace via ENRP (rsplib hsdump)", load: () => import("./tool-hsdump.js") },
  demo: { summary: "registrar, three echo PEs and a terminal on loopback, with a failover (npm start)", load: () => import("./demo.js") },
  bench: { summary: "run benchmarks: bench <what>|all [--json]", load: () => import("./bench.js") },
  wire: { summary: "decode/encode ASAP and ENRP messages (hex <-> JSON)", load: () => import("./wire-cli.js") },
  "bench-transport": { summary: "loopback figures for the SCTP and TCP-mapping transports", load: () => import("./bench-transport.js") },
};

export function usage(): string {
  const lines = ["Usage: rserpool <command> [options]", "", "Commands:"];
  for (const name of Object.keys(COMMANDS)) lines.push(`  ${name.padEnd(16)} ${COMMANDS[name].summary}`);
  lines.push("", "Run `rserpool <command> --help` for a command's options.");
  return lines.join("\n") + "\n";
}

export async function main(args: string[]): Promise<number> {
  const name = args[0];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`rserpool: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(args.slice(1));
}
