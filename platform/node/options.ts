// Command-line options for the rserpool tools: GNU long options
// (`--name value`, `--name=value`, `--flag`, `--no-flag`) plus rsplib's
// single-dash spellings (`-name=value`, `-flag`) as aliases, and a --help
// text generated from the same table so it cannot drift from the parser.

export type OptionKind = "string" | "integer" | "flag" | "list";

export interface OptionSpec {
  /** Long name without dashes, e.g. "keep-alive-interval". */
  name: string;
  kind: OptionKind;
  help: string;
  /** rsplib spellings without the dash, e.g. ["endpointkeepalivetransmissioninterval"]. */
  aliases?: string[];
  /** Placeholder in --help, e.g. "MS". */
  metavar?: string;
  default?: string | number | boolean | string[];
  min?: number;
  max?: number;
  /** Allowed values for strings (case-insensitive). */
  choices?: string[];
}

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends Error {
  readonly code = "ERR_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const HELP: OptionSpec = { name: "help", kind: "flag", help: "print this help and exit", aliases: ["h"] };

function lookup(specs: OptionSpec[], key: string): OptionSpec | undefined {
  const lower = key.toLowerCase();
  for (const spec of specs) {
    if (spec.name === lower) return spec;
    if (spec.aliases !== undefined && spec.aliases.some((a) => a.toLowerCase() === lower)) return spec;
  }
  return undefined;
}

function convert(spec: OptionSpec, raw: string, shown: string): string | number {
  if (spec.kind === "integer") {
    const text = raw.trim();
    const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) throw new UsageError(`${shown}: '${raw}' is not an integer`);
    if (spec.min !== undefined && value < spec.min) throw new UsageError(`${shown}: ${value} is below the minimum ${spec.min}`);
    if (spec.max !== undefined && value > spec.max) throw new UsageError(`${shown}: ${value} is above the maximum ${spec.max}`);
    return value;
  }
  if (spec.choices !== undefined) {
    const match = spec.choices.find((c) => c.toLowerCase() === raw.toLowerCase());
    if (match === undefined) throw new UsageError(`${shown}: '${raw}' is not one of ${spec.choices.join(", ")}`);
    return match;
  }
  return raw;
}

/**
 * Parses `args` against `specs`. Unknown options, missing values and bad
 * numbers throw UsageError naming the option. `--` ends option parsing.
 */
export function parseOptions(specs: OptionSpec[], args: string[]): { values: OptionValues; positionals: string[] } {
  const all = specs.concat([HELP]);
  const values: OptionValues = {};
  for (const spec of specs) {
    if (spec.default !== undefined) values[spec.name] = Array.isArray(spec.default) ? spec.default.slice() : spec.default;
    else if (spec.kind === "flag") values[spec.name] = false;
    else if (spec.kind === "list") values[spec.name] = [];
  }
  const seenList = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const body = arg.slice(long ? 2 : 1);
    const eq = body.indexOf("=");
    const key = eq >= 0 ? body.slice(0, eq) : body;
    let inline: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec = lookup(all, key);
    let negated = false;
    if (spec === undefined && long && key.startsWith("no-")) {
      const positive = lookup(all, key.slice(3));
      if (positive !== undefined && positive.kind === "flag") {
        spec = positive;
        negated = true;
      }
    }
    if (spec === undefined) throw new UsageError(`unknown option '${arg}'`);
    const shown = (long ? "--" : "-") + key;
    if (spec.kind === "flag") {
      if (inline !== undefined) {
        const v = inline.toLowerCase();
        if (v === "on" || v === "true" || v === "yes" || v === "1") values[spec.name] = !negated;
        else if (v === "off" || v === "false" || v === "no" || v === "0") values[spec.name] = negated;
        else throw new UsageError(`${shown}: '${inline}' is not on/off`);
      } else {
        values[spec.name] = !negated;
      }
      continue;
    }
    if (inline === undefined) {
      // rsplib spellings always use '='; the GNU form may take the next argument.
      if (!long || i + 1 >= args.length) throw new UsageError(`${shown} needs a value`);
      inline = args[++i];
    }
    if (spec.kind === "list") {
      if (!seenList.has(spec.name)) {
        values[spec.name] = [];
        seenList.add(spec.name);
      }
      const list = values[spec.name] as string[];
      for (const part of inline.split(",")) if (part.trim() !== "") list.push(part.trim());
    } else {
      values[spec.name] = convert(spec, inline, shown);
    }
  }
  return { values, positionals };
}

/** The --help text: usage line, summary, then one entry per option with aliases and default. */
export function formatHelp(usage: string, summary: string, specs: OptionSpec[], epilogue?: string): string {
  const lines = [`Usage: ${usage}`, "", summary, "", "Options:"];
  for (const spec of specs.concat([HELP])) {
    const value = spec.kind === "flag" ? "" : ` ${spec.metavar ?? spec.kind.toUpperCase()}`;
    let head = `  --${spec.name}${value}`;
    const aliases = (spec.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `-${a}${spec.kind === "flag" ? "" : "=..."}`));
    if (aliases.length > 0) head += `  (${aliases.join(", ")})`;
    let help = spec.help;
    if (spec.choices !== undefined) help += ` [${spec.choices.join("|")}]`;
    if (spec.default !== undefined && spec.default !== false && !(Array.isArray(spec.default) && spec.default.length === 0)) {
      help += ` (default ${Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default)})`;
    }
    lines.push(head, `      ${help}`);
  }
  if (epilogue !== undefined) lines.push("", epilogue);
  return lines.join("\n") + "\n";
}
