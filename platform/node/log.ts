// Log records of the command-line tools: one line per record, as text
// ("2025-01-01T12:00:00.000Z registrar info registered pool=EchoPool pe=0x1a2b")
// or as JSON lines ({"time":...,"tool":"registrar","level":"info","event":"registered",...}),
// so scripts can read them. Levels: error < warn < info < debug.

import fs from "node:fs";

export type LogFormat = "text" | "json";
export type LogLevel = "error" | "warn" | "info" | "debug";
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS: LogLevel[] = ["error", "warn", "info", "debug"];

export interface Logger {
  readonly format: LogFormat;
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  /** Waits until written lines are flushed (for exits). */
  flush(): Promise<void>;
}

export interface LoggerOptions {
  tool: string;
  format?: LogFormat;
  level?: LogLevel;
  /** Default process.stdout. */
  stream?: NodeJS.WritableStream;
  /** Write to this file instead (rsplib -logfile); `append` keeps its content (-logappend). */
  file?: string;
  append?: boolean;
}

/** rsplib -loglevel=0..9 to ours: 0 errors only ... 3 info (rsplib's default), >= 4 debug. */
export function levelFromNumber(n: number): LogLevel {
  if (n <= 0) return "error";
  if (n <= 2) return "warn";
  if (n === 3) return "info";
  return "debug";
}

function textValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]*$/.test(value) && value !== "" ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? "text";
  const level = options.level ?? "info";
  const rank = LOG_LEVELS.indexOf(level);
  let stream: NodeJS.WritableStream = options.stream ?? process.stdout;
  if (options.file !== undefined && options.file !== "") {
    stream = fs.createWriteStream(options.file, { flags: options.append === true ? "a" : "w" });
  }
  const tool = options.tool;

  function log(l: LogLevel, event: string, fields: LogFields = {}): void {
    if (LOG_LEVELS.indexOf(l) > rank) return;
    const time = new Date().toISOString();
    let line: string;
    if (format === "json") {
      const record: LogFields = { time, tool, level: l, event };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = v instanceof Error ? v.message : v;
      line = JSON.stringify(record);
    } else {
      const parts = [time, tool, l, event];
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${k}=${textValue(v)}`);
      line = parts.join(" ");
    }
    stream.write(line + "\n");
  }

  return {
    format,
    level,
    enabled: (l) => LOG_LEVELS.indexOf(l) <= rank,
    log,
    error: (e, f) => log("error", e, f),
    warn: (e, f) => log("warn", e, f),
    info: (e, f) => log("info", e, f),
    debug: (e, f) => log("debug", e, f),
    flush: () =>
      new Promise((resolve) => {
        if (stream === process.stdout || stream === process.stderr) {
          // An empty write's callback runs after what was queued before it.
          stream.write("", () => resolve());
        } else {
          (stream as fs.WriteStream).end(() => resolve());
        }
      }),
  };
}

/** Options every tool shares, for its option table. */
export const LOG_OPTION_SPECS = [
  {
    name: "log-format",
    kind: "string" as const,
    help: "log record format: text lines or JSON lines (one object per line)",
    choices: ["text", "json"],
    default: "text",
    metavar: "FORMAT",
  },
  {
    name: "log-level",
    kind: "string" as const,
    help: "most verbose level logged",
    choices: ["error", "warn", "info", "debug"],
    default: "info",
    metavar: "LEVEL",
  },
  {
    name: "loglevel",
    kind: "integer" as const,
    help: "rsplib log level 0-9 (0-2 error/warn, 3 info, 4-9 debug); overrides --log-level",
    min: 0,
    max: 9,
    metavar: "N",
  },
  {
    name: "log-file",
    kind: "string" as const,
    help: "write log records to this file instead of the standard stream",
    aliases: ["logfile"],
    metavar: "FILE",
  },
  { name: "log-append", kind: "flag" as const, help: "append to --log-file instead of truncating it", aliases: ["logappend"] },
  { name: "quiet", kind: "flag" as const, help: "log errors only (rsplib -quiet / -logquiet)", aliases: ["logquiet"] },
];

export function loggerFromOptions(tool: string, values: Record<string, unknown>, stream?: NodeJS.WritableStream): Logger {
  let level = values["log-level"] as LogLevel;
  if (typeof values["loglevel"] === "number") level = levelFromNumber(values["loglevel"] as number);
  if (values["quiet"] === true) level = "error";
  return createLogger({
    tool,
    format: values["log-format"] as LogFormat,
    level,
    stream,
    file: values["log-file"] as string | undefined,
    append: values["log-append"] === true,
  });
}
