// node dist/core/no-globals/cli.js [--traps] <dir|file>...
// Checks every .ts file under the given paths (skipping core/no-globals) and
// prints `file:line:col: message [rule]` per violation. Exit 0 clean, 1 on
// violations, 2 on a usage error. --traps adds the Espruino trap rules.
import { checkEspruinoTraps, checkFiles, collectTsFiles, displayPath, formatViolation } from "./checker.js";

export function run(args: string[]): number {
  const traps = args.includes("--traps");
  const paths = args.filter((a) => a !== "--traps");
  if (paths.length === 0 || paths.some((p) => p.startsWith("-"))) {
    process.stderr.write("usage: node dist/core/no-globals/cli.js [--traps] <dir|file>...\n");
    return 2;
  }
  let files: string[];
  try {
    files = collectTsFiles(paths);
  } catch (err) {
    process.stderr.write(`no-globals: ${(err as Error).message}\n`);
    return 2;
  }
  const violations = checkFiles(files);
  if (traps) violations.push(...checkEspruinoTraps(files));
  const cwd = process.cwd();
  for (const v of violations) process.stdout.write(formatViolation({ ...v, file: displayPath(v.file, cwd) }) + "\n");
  if (violations.length > 0) {
    process.stderr.write(`no-globals: ${violations.length} violation(s) in ${files.length} file(s)\n`);
    return 1;
  }
  process.stdout.write(`no-globals: ${files.length} file(s) clean\n`);
  return 0;
}

process.exitCode = run(process.argv.slice(2));
