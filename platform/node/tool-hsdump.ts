// rserpool hsdump: prints a registrar's handlespace. Like rsplib's hsdump it
// pretends to be an ENRP peer: it connects to the registrar's ENRP endpoint
// and sends HANDLE_TABLE_REQUEST (RFC 5353 s2.2) until a response comes
// without the M flag, then prints the pools, PEs, policies and owners.

import { createDriver } from "../../core/driver/driver.js";
import type { Machine, MachineAction, MachineTransmit } from "../../core/driver/machine.js";
import { LISTENER_NONE } from "../../core/driver/machine.js";
import {
  createActionQueue,
  createTransmitQueue,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueClose,
  queueConnect,
} from "../../core/driver/output-queue.js";
import {
  ENRP_FLAG_MORE_TO_SEND,
  ENRP_FLAG_OWN_CHILDREN_ONLY,
  ENRP_FLAG_REJECT,
  ENRP_HANDLE_TABLE_REQUEST,
  ENRP_HANDLE_TABLE_RESPONSE,
  PPID_ENRP,
} from "../../core/wire/constants.js";
import { decodeEnrp, encodeEnrp } from "../../core/wire/enrp.js";
import { createDecoder } from "../../core/wire/decoder.js";
import { createWriter } from "../../core/wire/writer.js";
import { newEnrpMessage } from "../../core/wire/build.js";
import { randomBytes } from "node:crypto";
import { buildStack, describePoolElement, handleText, hex, RSerPoolError, settleAndClose } from "./api.js";
import type { PoolElementInfo, TransportName } from "./api.js";
import type { OptionSpec, OptionValues } from "./options.js";
import { ENRP_PORT, parseEndpoint, SCTP_UDP_PORT } from "./plumbing.js";
import { formatPolicy } from "./policy.js";
import { allLogSpecs, parseToolOptions, toolLogger, transportsFrom, TRANSPORTS_SPEC, UsageError, usageFailure } from "./tool-common.js";
import { newPolicy } from "../../core/wire/build.js";

export const HSDUMP_SPECS: OptionSpec[] = [
  { name: "json", kind: "flag", help: "print one JSON document instead of text" },
  { name: "own", kind: "flag", help: "only the PEs the registrar owns (W flag, own children only)" },
  { name: "identifier", kind: "integer", help: "server identifier to send as (0 = random)", default: 0, min: 0, max: 4294967295, metavar: "ID" },
  { name: "udp-port", kind: "integer", help: "UDP encapsulation port of the registrar's SCTP endpoint", default: SCTP_UDP_PORT, min: 1, max: 65535, metavar: "PORT" },
  { name: "timeout", kind: "integer", help: "give up after this long, ms", default: 5000, min: 100, max: 3600000, metavar: "MS" },
  { ...TRANSPORTS_SPEC },
  ...allLogSpecs(),
];

/** One HANDLE_TABLE walk over one association. */
class TableRequester implements Machine<never> {
  readonly transmits = createTransmitQueue(64);
  readonly actions = createActionQueue(16);
  readonly writer = createWriter(64);
  readonly decoder = createDecoder();
  readonly pools = new Map<string, PoolElementInfo[]>();
  association = 2;
  pages = 0;
  done = false;
  error: string | null = null;
  onDone: (() => void) | null = null;

  constructor(readonly identifier: number, readonly own: boolean) {}

  start(addresses: string[], port: number, transport: string): void {
    queueConnect(this.actions, this.association, transport, addresses, port, [], 0);
  }

  private ask(): void {
    const m = newEnrpMessage(ENRP_HANDLE_TABLE_REQUEST);
    m.flags = this.own ? ENRP_FLAG_OWN_CHILDREN_ONLY : 0;
    m.senderServerIdentifier = this.identifier;
    m.receiverServerIdentifier = 0;
    pushTransmit(this.transmits, this.association, 0, PPID_ENRP, encodeEnrp(this.writer, m));
  }

  private finish(error: string | null): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    queueClose(this.actions, this.association);
    if (this.onDone !== null) this.onDone();
  }

  handleAssociationUp(_now: number, association: number, _r: string[], _p: number, listener: number): void {
    if (listener === LISTENER_NONE && association === this.association) this.ask();
  }
  handleAssociationDown(_now: number, association: number, reason: number): void {
    if (association === this.association && !this.done) {
      this.finish(reason === 2 ? "cannot connect to the registrar's ENRP endpoint" : "the registrar closed the association");
    }
  }
  handleMessage(_now: number, association: number, _stream: number, ppid: number, bytes: Uint8Array): void {
    if (association !== this.association || ppid !== PPID_ENRP || this.done) return;
    const m = decodeEnrp(this.decoder, bytes, 0, bytes.length);
    if (m === null || m.type !== ENRP_HANDLE_TABLE_RESPONSE) return;
    if ((m.flags & ENRP_FLAG_REJECT) !== 0) {
      this.finish("the registrar rejected the handle table request");
      return;
    }
    this.pages++;
    for (const e of m.poolEntries) {
      const h = handleText(e.poolHandle);
      let list = this.pools.get(h);
      if (list === undefined) this.pools.set(h, (list = []));
      for (const pe of e.poolElements) list.push(describePoolElement(pe));
    }
    if ((m.flags & ENRP_FLAG_MORE_TO_SEND) !== 0 && this.pages < 100000) this.ask();
    else this.finish(null);
  }
  handleDatagram(): void {}
  handleTimeout(): void {}
  pollTransmit(): MachineTransmit | null {
    return pollTransmitQueue(this.transmits);
  }
  pollAction(): MachineAction | null {
    return pollActionQueue(this.actions);
  }
  pollEvent(): never | null {
    return null;
  }
  pollTimeout(): number {
    return -1;
  }
}

export interface HandlespaceDump {
  registrar: string;
  pages: number;
  pools: Array<{ poolHandle: string; policy: string; elements: PoolElementInfo[] }>;
}

/** Fetches a registrar's handle table over ENRP. */
export async function fetchHandlespace(
  target: string,
  options: { transports?: TransportName[]; udpPort?: number; own?: boolean; identifier?: number; timeoutMs?: number } = {},
): Promise<HandlespaceDump> {
  const e = parseEndpoint(target, ENRP_PORT);
  if (e.addresses.length === 0) throw new RSerPoolError("ERR_INVALID_ARGUMENT", `'${target}' has no address`);
  const routes = new Map<string, number>();
  for (const a of e.addresses) routes.set(`${a}|${e.port}`, options.udpPort ?? SCTP_UDP_PORT);
  const stack = buildStack({ transports: options.transports }, 0, routes, false);
  const id = options.identifier !== undefined && options.identifier !== 0 ? options.identifier : randomBytes(4).readUInt32BE(0) || 1;
  const machine = new TableRequester(id >>> 0, options.own === true);
  const driver = createDriver(stack.platform, machine, {});
  try {
    await new Promise<void>((resolve) => {
      machine.onDone = resolve;
      const timer = setTimeout(() => {
        machine.error = `no complete answer within ${options.timeoutMs ?? 5000} ms`;
        resolve();
      }, options.timeoutMs ?? 5000);
      machine.onDone = () => {
        clearTimeout(timer);
        resolve();
      };
      driver.run(() => machine.start(e.addresses, e.port, stack.connectTransport), null);
    });
  } finally {
    driver.close();
    await settleAndClose(stack, 500);
  }
  if (machine.error !== null) throw new RSerPoolError("ERR_NO_REGISTRAR", `${target}: ${machine.error}`);
  const pools = Array.from(machine.pools.entries()).map(([poolHandle, elements]) => ({
    poolHandle,
    policy: elements.length > 0 ? elements[0].policy.name : "",
    elements,
  }));
  return { registrar: target, pages: machine.pages, pools };
}

function policyText(p: PoolElementInfo["policy"]): string {
  const full = 0xffffffff;
  return formatPolicy({
    ...newPolicy(p.type),
    weight: p.weight,
    priority: p.priority,
    load: Math.round(p.load * full),
    loadDegradation: Math.round(p.loadDegradation * full),
    loadDpf: Math.round(p.loadDpf * full),
    weightDpf: Math.round(p.weightDpf * full),
    distance: p.distance,
  });
}

function endpointText(t: { protocol: string; port: number; addresses: string[] }): string {
  const a = t.addresses.map((x) => (x.includes(":") ? `[${x}]` : x)).join(",");
  return `${t.protocol}:${a}:${t.port}`;
}

export function formatDump(d: HandlespaceDump): string {
  const lines: string[] = [];
  const count = d.pools.reduce((n, p) => n + p.elements.length, 0);
  lines.push(`Handlespace of ${d.registrar}: ${d.pools.length} pool(s), ${count} pool element(s)`);
  for (const p of d.pools) {
    lines.push(`  pool "${p.poolHandle}"  policy ${p.policy}  ${p.elements.length} PE(s)`);
    for (const pe of p.elements) {
      const life = pe.registrationLife < 0 ? "infinite" : `${pe.registrationLife} ms`;
      lines.push(
        `    PE ${hex(pe.identifier)}  ${endpointText(pe.transport)}${pe.transport.controlChannel ? " +control" : ""}  ` +
          `${policyText(pe.policy)}  home ${hex(pe.homeRegistrar)}  life ${life}` +
          (pe.asapTransport !== null ? `  asap ${endpointText(pe.asapTransport)}` : ""),
      );
    }
  }
  return lines.join("\n") + "\n";
}

export async function run(args: string[]): Promise<number> {
  let values: OptionValues;
  let target: string;
  try {
    const parsed = parseToolOptions(
      HSDUMP_SPECS,
      args,
      "rserpool hsdump [options] [ADDR[:PORT]]",
      "Prints a registrar's handlespace: pools, their PEs with transport, policy, home registrar (owner),\n" +
        "registration life and ASAP transport. Like rsplib's hsdump it acts as an ENRP peer and sends\n" +
        "HANDLE_TABLE_REQUEST to the registrar's ENRP endpoint (default 127.0.0.1:9901), following the\n" +
        "M (more) flag until the whole table has arrived.",
      "Exit status 0 on success, 1 when the registrar cannot be reached or does not answer, 2 on a usage error.",
    );
    if (parsed === null) return 0;
    if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
    values = parsed.values;
    target = parsed.positionals[0] ?? "127.0.0.1:9901";
    transportsFrom(values);
  } catch (e) {
    return usageFailure("hsdump", e);
  }
  const log = toolLogger("hsdump", values, process.stderr);
  try {
    const dump = await fetchHandlespace(target, {
      transports: transportsFrom(values),
      udpPort: values["udp-port"] as number,
      own: values["own"] === true,
      identifier: values["identifier"] as number,
      timeoutMs: values["timeout"] as number,
    });
    process.stdout.write(values["json"] === true ? JSON.stringify(dump, null, 2) + "\n" : formatDump(dump));
  } catch (e) {
    log.error("failed", { error: (e as Error).message, code: (e as RSerPoolError).code });
    await log.flush();
    return 1;
  }
  await log.flush();
  return 0;
}
