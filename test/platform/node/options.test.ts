import t from "tap";
import { parseOptions, formatHelp, UsageError, type OptionSpec } from "../../../platform/node/options.js";

const SPECS: OptionSpec[] = [
  { name: "registrar", kind: "list", help: "static registrar", aliases: ["registrar"], metavar: "ADDR:PORT" },
  { name: "pool", kind: "string", help: "pool handle", aliases: ["poolhandle"], default: "EchoPool" },
  { name: "keep-alive-interval", kind: "integer", help: "ms", aliases: ["endpointkeepalivetransmissioninterval"], default: 5000, min: 300, max: 300000 },
  { name: "echo", kind: "flag", help: "echo service", aliases: ["echo"] },
  { name: "log-format", kind: "string", help: "log format", choices: ["text", "json"], default: "text" },
];

t.test("defaults apply when nothing is given", async (t) => {
  const { values, positionals } = parseOptions(SPECS, []);
  t.same(values, { registrar: [], pool: "EchoPool", "keep-alive-interval": 5000, echo: false, "log-format": "text" });
  t.same(positionals, []);
});

t.test("GNU long forms and rsplib single-dash spellings mean the same", async (t) => {
  const gnu = parseOptions(SPECS, ["--registrar", "127.0.0.1:3863", "--pool=Other", "--keep-alive-interval", "0x400", "--echo"]);
  const rsp = parseOptions(SPECS, ["-registrar=127.0.0.1:3863", "-poolhandle=Other", "-endpointkeepalivetransmissioninterval=1024", "-echo"]);
  t.same(gnu.values, rsp.values);
  t.equal(gnu.values["keep-alive-interval"], 1024);
});

t.test("lists accumulate over repeats and commas; the default is replaced, not appended to", async (t) => {
  const { values } = parseOptions(SPECS, ["-registrar=a:1,b:2", "--registrar", "c:3"]);
  t.same(values.registrar, ["a:1", "b:2", "c:3"]);
});

t.test("flags take --no- and on/off values; choices are case-insensitive", async (t) => {
  t.equal(parseOptions(SPECS, ["--echo", "--no-echo"]).values.echo, false);
  t.equal(parseOptions(SPECS, ["-echo=off"]).values.echo, false);
  t.equal(parseOptions(SPECS, ["--log-format", "JSON"]).values["log-format"], "json");
});

t.test("bad input is a UsageError naming the option", async (t) => {
  t.throws(() => parseOptions(SPECS, ["--nope"]), new UsageError("unknown option '--nope'"));
  t.throws(() => parseOptions(SPECS, ["--keep-alive-interval", "12"]), /below the minimum 300/);
  t.throws(() => parseOptions(SPECS, ["--keep-alive-interval", "1e3"]), /not an integer/);
  t.throws(() => parseOptions(SPECS, ["-poolhandle"]), /needs a value/);
  t.throws(() => parseOptions(SPECS, ["--log-format", "xml"]), /not one of text, json/);
  t.throws(() => parseOptions(SPECS, ["-echo=maybe"]), /not on\/off/);
});

t.test("positionals and -- pass through", async (t) => {
  const { values, positionals } = parseOptions(SPECS, ["x", "--", "--echo"]);
  t.same(positionals, ["x", "--echo"]);
  t.equal(values.echo, false);
});

t.test("help lists every option with its aliases and defaults", async (t) => {
  const help = formatHelp("rserpool x [options]", "Does x.", SPECS);
  for (const spec of SPECS) t.match(help, `--${spec.name}`);
  t.match(help, "-endpointkeepalivetransmissioninterval=...");
  t.match(help, "(default 5000)");
  t.match(help, "[text|json]");
  t.equal(parseOptions(SPECS, ["-h"]).values.help, true);
});
