// rserpool bench <what>|all [options]: benchmark dispatcher. Each benchmark
// is a lazily loaded module with run(args); add one line to BENCHES per
// benchmark. `all` runs every registered one in table order with the same
// options (with --json each prints its own JSON document).

interface Bench {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const BENCHES: Record<string, Bench> = {
  wire: { summary: "ASAP/ENRP codec: decode/encode rate and bytes allocated per message", load: () => import("./bench-wire.js") },
  handlespace: { summary: "handlespace: register/re-register/resolve/deregister/expire rates, bytes per PE", load: () => import("./bench-handlespace.js") },
  registrar: { summary: "registrar machine: registrations/s, handle resolutions/s with 10,000 PEs", load: () => import("./bench-registrar.js") },
  e2e: { summary: "registrar process over loopback (SCTP, TCP): resolutions/s and registrations/s with 1,000 PEs, PU failover time after kill -9", load: () => import("./bench-e2e.js") },
  client: { summary: "client machine: session echo, keep-alive answers, cached resolutions per second and bytes each", load: () => import("./bench-client.js") },
};

function usage(): string {
  const lines = ["Usage: rserpool bench <what>|all [--json] [--seconds S] [options]", "", "Benchmarks:"];
  for (const name of Object.keys(BENCHES)) lines.push(`  ${name.padEnd(12)} ${BENCHES[name].summary}`);
  lines.push(`  ${"all".padEnd(12)} every benchmark above, in order`);
  lines.push("", "Run `rserpool bench <what> --help` for a benchmark's options.");
  return lines.join("\n") + "\n";
}

export async function run(args: string[]): Promise<number> {
  const name = args[0];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const rest = args.slice(1);
  if (name === "all") {
    let status = 0;
    for (const key of Object.keys(BENCHES)) {
      const module = await BENCHES[key].load();
      status = Math.max(status, await module.run(rest));
    }
    return status;
  }
  const bench = BENCHES[name];
  if (bench === undefined) {
    process.stderr.write(`rserpool bench: unknown benchmark '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await bench.load();
  return module.run(rest);
}
