#!/usr/bin/env node
// The one command-line entry point; the code is compiled to dist/ by `npm ci` (prepare).
import { main } from "../dist/platform/node/cli.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`rserpool: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
