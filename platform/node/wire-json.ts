// JSON form of ASAP and ENRP messages, for `rserpool wire decode|encode` and
// for tests. One JSON object per message; byte fields are lowercase hex,
// addresses are text, policies and transports carry readable names next to
// their codes. The mapping is total in both directions for clean messages:
// jsonToAsap(asapToJson(m)) encodes to the bytes m was decoded from.
//
// Encoding rules (JSON -> record): unknown keys are an error; a missing
// optional key means absent (null, 0 or []); readable companions
// ("poolHandleText", policy "type", cause "codeName") are checked against the
// code or bytes they describe when both are given, and a pool handle may be
// given as text alone.

import {
  ASAP_BUSINESS_CARD,
  ASAP_COOKIE,
  ASAP_COOKIE_ECHO,
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_ERROR,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  CAUSE_INCONSISTENT_DATA_CONTROL,
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INCONSISTENT_TRANSPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_NON_UNIQUE_PE_IDENTIFIER,
  CAUSE_REJECTED_SECURITY,
  CAUSE_UNKNOWN_POOL_HANDLE,
  CAUSE_UNRECOGNIZED_MESSAGE,
  CAUSE_UNRECOGNIZED_PARAMETER,
  CAUSE_UNSPECIFIED,
  ENRP_ERROR,
  ENRP_HANDLE_TABLE_REQUEST,
  ENRP_HANDLE_TABLE_RESPONSE,
  ENRP_HANDLE_UPDATE,
  ENRP_INIT_TAKEOVER,
  ENRP_INIT_TAKEOVER_ACK,
  ENRP_LIST_REQUEST,
  ENRP_LIST_RESPONSE,
  ENRP_PRESENCE,
  ENRP_TAKEOVER_SERVER,
  PARAM_DCCP_TRANSPORT,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
  PARAM_UDP_LITE_TRANSPORT,
  PARAM_UDP_TRANSPORT,
  formatAddress,
  newAsapMessage,
  newEnrpMessage,
  newPolicy,
  newTransport,
  parseAddress,
  policyName,
  policyTypeByName,
} from "../../core/wire/index.js";
import type {
  Address,
  AsapMessage,
  EnrpMessage,
  ErrorCause,
  OperationError,
  Policy,
  PoolElement,
  PoolEntry,
  RawParameter,
  ServerInformation,
  Transport,
} from "../../core/wire/types.js";
import type { Problem, WireError } from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";

export type Protocol = "asap" | "enrp";
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON input the encoder cannot use; `path` names the offending key. */
export class JsonInputError extends Error {
  path: string;
  constructor(path: string, message: string) {
    super(path === "" ? message : `${path}: ${message}`);
    this.path = path;
  }
}

// ---------------------------------------------------------------------------
// Name tables (RFC 5352 s2.2, RFC 5353 s2, RFC 5354 s3.11).

export const ASAP_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [ASAP_REGISTRATION]: "REGISTRATION",
  [ASAP_DEREGISTRATION]: "DEREGISTRATION",
  [ASAP_REGISTRATION_RESPONSE]: "REGISTRATION_RESPONSE",
  [ASAP_DEREGISTRATION_RESPONSE]: "DEREGISTRATION_RESPONSE",
  [ASAP_HANDLE_RESOLUTION]: "HANDLE_RESOLUTION",
  [ASAP_HANDLE_RESOLUTION_RESPONSE]: "HANDLE_RESOLUTION_RESPONSE",
  [ASAP_ENDPOINT_KEEP_ALIVE]: "ENDPOINT_KEEP_ALIVE",
  [ASAP_ENDPOINT_KEEP_ALIVE_ACK]: "ENDPOINT_KEEP_ALIVE_ACK",
  [ASAP_ENDPOINT_UNREACHABLE]: "ENDPOINT_UNREACHABLE",
  [ASAP_SERVER_ANNOUNCE]: "SERVER_ANNOUNCE",
  [ASAP_COOKIE]: "COOKIE",
  [ASAP_COOKIE_ECHO]: "COOKIE_ECHO",
  [ASAP_BUSINESS_CARD]: "BUSINESS_CARD",
  [ASAP_ERROR]: "ERROR",
});

export const ENRP_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [ENRP_PRESENCE]: "PRESENCE",
  [ENRP_HANDLE_TABLE_REQUEST]: "HANDLE_TABLE_REQUEST",
  [ENRP_HANDLE_TABLE_RESPONSE]: "HANDLE_TABLE_RESPONSE",
  [ENRP_HANDLE_UPDATE]: "HANDLE_UPDATE",
  [ENRP_LIST_REQUEST]: "LIST_REQUEST",
  [ENRP_LIST_RESPONSE]: "LIST_RESPONSE",
  [ENRP_INIT_TAKEOVER]: "INIT_TAKEOVER",
  [ENRP_INIT_TAKEOVER_ACK]: "INIT_TAKEOVER_ACK",
  [ENRP_TAKEOVER_SERVER]: "TAKEOVER_SERVER",
  [ENRP_ERROR]: "ERROR",
});

export const CAUSE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [CAUSE_UNSPECIFIED]: "UNSPECIFIED",
  [CAUSE_UNRECOGNIZED_PARAMETER]: "UNRECOGNIZED_PARAMETER",
  [CAUSE_UNRECOGNIZED_MESSAGE]: "UNRECOGNIZED_MESSAGE",
  [CAUSE_INVALID_VALUES]: "INVALID_VALUES",
  [CAUSE_NON_UNIQUE_PE_IDENTIFIER]: "NON_UNIQUE_PE_IDENTIFIER",
  [CAUSE_INCONSISTENT_POLICY]: "INCONSISTENT_POLICY",
  [CAUSE_LACK_OF_RESOURCES]: "LACK_OF_RESOURCES",
  [CAUSE_INCONSISTENT_TRANSPORT]: "INCONSISTENT_TRANSPORT",
  [CAUSE_INCONSISTENT_DATA_CONTROL]: "INCONSISTENT_DATA_CONTROL",
  [CAUSE_UNKNOWN_POOL_HANDLE]: "UNKNOWN_POOL_HANDLE",
  [CAUSE_REJECTED_SECURITY]: "REJECTED_SECURITY",
});

export const TRANSPORT_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [PARAM_SCTP_TRANSPORT]: "sctp",
  [PARAM_TCP_TRANSPORT]: "tcp",
  [PARAM_UDP_TRANSPORT]: "udp",
  [PARAM_UDP_LITE_TRANSPORT]: "udp-lite",
  [PARAM_DCCP_TRANSPORT]: "dccp",
});

function codeByName(table: Readonly<Record<number, string>>, name: string): number {
  for (const key of Object.keys(table)) {
    if (table[Number(key)] === name) return Number(key);
  }
  return -1;
}

/** Message type code for a name such as "REGISTRATION" or "ASAP_REGISTRATION"; -1 when unknown. */
export function messageTypeByName(protocol: Protocol, name: string): number {
  let upper = name.toUpperCase().replace(/[- ]/g, "_");
  const prefix = protocol === "asap" ? "ASAP_" : "ENRP_";
  if (upper.startsWith(prefix)) upper = upper.slice(prefix.length);
  return codeByName(protocol === "asap" ? ASAP_TYPE_NAMES : ENRP_TYPE_NAMES, upper);
}

export function messageTypeName(protocol: Protocol, type: number): string | null {
  const name = (protocol === "asap" ? ASAP_TYPE_NAMES : ENRP_TYPE_NAMES)[type];
  return name === undefined ? null : name;
}

export function causeName(code: number): string | null {
  const name = CAUSE_NAMES[code];
  return name === undefined ? null : name;
}

// ---------------------------------------------------------------------------
// Bytes <-> hex and text.

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Strict hex: even count of [0-9a-fA-F], nothing else. Returns null when malformed. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, "hex"));
}

function printable(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] < 0x20 || bytes[i] > 0x7e) return false;
  }
  return true;
}

function bytesToText(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

// ---------------------------------------------------------------------------
// Record -> JSON.

export function transportToJson(t: Transport): JsonObject {
  const name = TRANSPORT_NAMES[t.type];
  return {
    type: name === undefined ? t.type : name,
    port: t.port,
    transportUse: t.transportUse,
    serviceCode: t.serviceCode,
    addresses: t.addresses.map((a) => formatAddress(a)),
  };
}

export function policyToJson(p: Policy): JsonObject {
  const name = policyName(p.type);
  return {
    type: name === "" ? null : name,
    typeCode: p.type,
    weight: p.weight,
    priority: p.priority,
    load: p.load,
    loadDegradation: p.loadDegradation,
    loadDpf: p.loadDpf,
    weightDpf: p.weightDpf,
    distance: p.distance,
  };
}

export function poolElementToJson(pe: PoolElement): JsonObject {
  return {
    identifier: pe.identifier,
    homeRegistrarIdentifier: pe.homeRegistrarIdentifier,
    registrationLife: pe.registrationLife,
    userTransport: transportToJson(pe.userTransport),
    policy: policyToJson(pe.policy),
    asapTransport: pe.asapTransport === null ? null : transportToJson(pe.asapTransport),
  };
}

function serverInformationToJson(s: ServerInformation): JsonObject {
  return { serverIdentifier: s.serverIdentifier, transport: transportToJson(s.transport) };
}

function rawParameterToJson(p: RawParameter): JsonObject {
  return { type: p.type, value: toHex(p.value) };
}

function causeToJson(c: ErrorCause): JsonObject {
  return {
    code: c.code,
    codeName: causeName(c.code),
    info: toHex(c.info),
    parameter: c.parameter === null ? null : rawParameterToJson(c.parameter),
    policy: c.policy === null ? null : policyToJson(c.policy),
    transport: c.transport === null ? null : transportToJson(c.transport),
    messageType: c.messageType,
    messageFlags: c.messageFlags,
  };
}

function operationErrorToJson(e: OperationError | null): Json {
  if (e === null) return null;
  return { causes: e.causes.map(causeToJson) };
}

/** Adds `key` (hex) and, when every byte is printable ASCII, `keyText`. */
function putPoolHandle(out: JsonObject, handle: Uint8Array | null): void {
  out.poolHandle = handle === null ? null : toHex(handle);
  if (handle !== null && printable(handle)) out.poolHandleText = bytesToText(handle);
}

export function problemsToJson(problems: Problem[]): JsonObject[] {
  return problems.map((p) => ({
    offset: p.offset,
    reason: reasonText(p.reason),
    cause: p.cause,
    info: p.info === null ? null : toHex(p.info),
  }));
}

export function wireErrorToJson(e: WireError): JsonObject {
  return {
    cause: e.cause,
    causeName: causeName(e.cause),
    offset: e.offset,
    reason: reasonText(e.reason),
    info: e.info === null ? null : toHex(e.info),
    report: e.report,
  };
}

export function asapToJson(m: AsapMessage, problems: Problem[]): JsonObject {
  const out: JsonObject = { ok: true, protocol: "asap", type: messageTypeName("asap", m.type), flags: m.flags };
  putPoolHandle(out, m.poolHandle);
  out.poolElements = m.poolElements.map(poolElementToJson);
  out.policy = m.policy === null ? null : policyToJson(m.policy);
  out.peIdentifier = m.peIdentifier;
  out.serverIdentifier = m.serverIdentifier;
  out.transports = m.transports.map(transportToJson);
  out.error = operationErrorToJson(m.error);
  out.cookie = m.cookie === null ? null : toHex(m.cookie);
  out.items = m.items;
  out.problems = problemsToJson(problems);
  return out;
}

export function enrpToJson(m: EnrpMessage, problems: Problem[]): JsonObject {
  const out: JsonObject = {
    ok: true,
    protocol: "enrp",
    type: messageTypeName("enrp", m.type),
    flags: m.flags,
    senderServerIdentifier: m.senderServerIdentifier,
    receiverServerIdentifier: m.receiverServerIdentifier,
    checksum: m.checksum,
    serverInformation: m.serverInformation === null ? null : serverInformationToJson(m.serverInformation),
    serverInformations: m.serverInformations.map(serverInformationToJson),
    poolEntries: m.poolEntries.map((e) => {
      const entry: JsonObject = {};
      putPoolHandle(entry, e.poolHandle);
      entry.poolElements = e.poolElements.map(poolElementToJson);
      return entry;
    }),
    updateAction: m.updateAction,
  };
  putPoolHandle(out, m.poolHandle);
  out.poolElement = m.poolElement === null ? null : poolElementToJson(m.poolElement);
  out.targetServerIdentifier = m.targetServerIdentifier;
  out.error = operationErrorToJson(m.error);
  out.problems = problemsToJson(problems);
  return out;
}

export function failureToJson(protocol: Protocol, error: WireError): JsonObject {
  return { ok: false, protocol, error: wireErrorToJson(error) };
}

// ---------------------------------------------------------------------------
// JSON -> record. Every reader takes the value and its path for messages.

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function readObject(v: Json | undefined, path: string, keys: readonly string[]): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new JsonInputError(path, `expected an object, got ${describe(v)}`);
  }
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) throw new JsonInputError(join(path, key), "unknown key");
  }
  return v;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

function readInteger(v: Json | undefined, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new JsonInputError(path, `expected an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new JsonInputError(path, `${v} is out of range ${min}..${max}`);
  return v;
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

function readUint(v: Json | undefined, path: string, max: number, absent: number): number {
  return v === undefined || v === null ? absent : readInteger(v, path, 0, max);
}

function readNullableUint(v: Json | undefined, path: string, max: number): number | null {
  return v === undefined || v === null ? null : readInteger(v, path, 0, max);
}

function readString(v: Json | undefined, path: string): string {
  if (typeof v !== "string") throw new JsonInputError(path, `expected a string, got ${describe(v)}`);
  return v;
}

function readHex(v: Json | undefined, path: string): Uint8Array {
  const bytes = fromHex(readString(v, path));
  if (bytes === null) throw new JsonInputError(path, "expected a hex string (an even number of 0-9a-f digits)");
  return bytes;
}

function readNullableHex(v: Json | undefined, path: string): Uint8Array | null {
  return v === undefined || v === null ? null : readHex(v, path);
}

function readArray(v: Json | undefined, path: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new JsonInputError(path, `expected an array, got ${describe(v)}`);
  return v;
}

function readOk(v: Json | undefined): void {
  if (v !== undefined && v !== true) throw new JsonInputError("ok", "expected true (a failed decode cannot be encoded)");
}

/** The pool handle from `key` (hex) and/or `keyText` (text, UTF-8); hex wins, both must agree. */
function readPoolHandle(o: JsonObject, path: string): Uint8Array | null {
  const hex = readNullableHex(o.poolHandle, join(path, "poolHandle"));
  const textValue = o.poolHandleText;
  if (textValue === undefined || textValue === null) return hex;
  const text = readString(textValue, join(path, "poolHandleText"));
  const fromText = new Uint8Array(Buffer.from(text, "utf8"));
  if (hex === null) return fromText;
  if (Buffer.compare(Buffer.from(hex), Buffer.from(fromText)) !== 0) {
    throw new JsonInputError(join(path, "poolHandleText"), `does not match poolHandle ${toHex(hex)}`);
  }
  return hex;
}

function readAddress(v: Json, path: string): Address {
  const a = parseAddress(readString(v, path));
  if (a === null) throw new JsonInputError(path, `not an IPv4 or IPv6 address: ${JSON.stringify(v)}`);
  return a;
}

const TRANSPORT_KEYS = ["type", "port", "transportUse", "serviceCode", "addresses"] as const;

export function transportFromJson(v: Json | undefined, path: string): Transport {
  const o = readObject(v, path, TRANSPORT_KEYS);
  let type: number;
  if (typeof o.type === "number") {
    type = readInteger(o.type, join(path, "type"), 0, U16);
  } else {
    const name = readString(o.type, join(path, "type")).toLowerCase();
    type = codeByName(TRANSPORT_NAMES, name === "udplite" ? "udp-lite" : name);
    if (type < 0) throw new JsonInputError(join(path, "type"), `unknown transport ${JSON.stringify(o.type)} (sctp, tcp, udp, udp-lite, dccp)`);
  }
  const addresses = readArray(o.addresses, join(path, "addresses")).map((a, i) => readAddress(a, join(join(path, "addresses"), i)));
  const t = newTransport(type, readUint(o.port, join(path, "port"), U16, 0), readUint(o.transportUse, join(path, "transportUse"), U16, 0), addresses);
  t.serviceCode = readUint(o.serviceCode, join(path, "serviceCode"), U32, 0);
  return t;
}

const POLICY_KEYS = ["type", "typeCode", "weight", "priority", "load", "loadDegradation", "loadDpf", "weightDpf", "distance"] as const;

export function policyFromJson(v: Json | undefined, path: string): Policy {
  const o = readObject(v, path, POLICY_KEYS);
  let type = -1;
  if (o.typeCode !== undefined && o.typeCode !== null) type = readInteger(o.typeCode, join(path, "typeCode"), 0, U32);
  if (o.type !== undefined && o.type !== null) {
    const name = readString(o.type, join(path, "type"));
    const byName = policyTypeByName(name);
    if (byName === 0) throw new JsonInputError(join(path, "type"), `unknown policy ${JSON.stringify(name)}`);
    if (type >= 0 && type !== byName) {
      throw new JsonInputError(join(path, "type"), `${JSON.stringify(name)} is 0x${byName.toString(16)}, typeCode says 0x${type.toString(16)}`);
    }
    type = byName;
  }
  if (type < 0) throw new JsonInputError(path, "needs a policy type (\"type\" name or \"typeCode\")");
  const p = newPolicy(type);
  p.weight = readUint(o.weight, join(path, "weight"), U32, 0);
  p.priority = readUint(o.priority, join(path, "priority"), U32, 0);
  p.load = readUint(o.load, join(path, "load"), U32, 0);
  p.loadDegradation = readUint(o.loadDegradation, join(path, "loadDegradation"), U32, 0);
  p.loadDpf = readUint(o.loadDpf, join(path, "loadDpf"), U32, 0);
  p.weightDpf = readUint(o.weightDpf, join(path, "weightDpf"), U32, 0);
  p.distance = readUint(o.distance, join(path, "distance"), U32, 0);
  return p;
}

function readNullablePolicy(v: Json | undefined, path: string): Policy | null {
  return v === undefined || v === null ? null : policyFromJson(v, path);
}

function readNullableTransport(v: Json | undefined, path: string): Transport | null {
  return v === undefined || v === null ? null : transportFromJson(v, path);
}

const POOL_ELEMENT_KEYS = ["identifier", "homeRegistrarIdentifier", "registrationLife", "userTransport", "policy", "asapTransport"] as const;

export function poolElementFromJson(v: Json | undefined, path: string): PoolElement {
  const o = readObject(v, path, POOL_ELEMENT_KEYS);
  return {
    identifier: readUint(o.identifier, join(path, "identifier"), U32, 0),
    homeRegistrarIdentifier: readUint(o.homeRegistrarIdentifier, join(path, "homeRegistrarIdentifier"), U32, 0),
    // Signed 32-bit on the wire (RFC 5354 s3.9).
    registrationLife:
      o.registrationLife === undefined || o.registrationLife === null ? 0 : readInteger(o.registrationLife, join(path, "registrationLife"), -0x80000000, 0x7fffffff),
    userTransport: transportFromJson(o.userTransport, join(path, "userTransport")),
    policy: policyFromJson(o.policy, join(path, "policy")),
    asapTransport: readNullableTransport(o.asapTransport, join(path, "asapTransport")),
  };
}

const SERVER_INFORMATION_KEYS = ["serverIdentifier", "transport"] as const;

function serverInformationFromJson(v: Json | undefined, path: string): ServerInformation {
  const o = readObject(v, path, SERVER_INFORMATION_KEYS);
  return {
    serverIdentifier: readUint(o.serverIdentifier, join(path, "serverIdentifier"), U32, 0),
    transport: transportFromJson(o.transport, join(path, "transport")),
  };
}

const CAUSE_KEYS = ["code", "codeName", "info", "parameter", "policy", "transport", "messageType", "messageFlags"] as const;

function causeFromJson(v: Json | undefined, path: string): ErrorCause {
  const o = readObject(v, path, CAUSE_KEYS);
  let code = -1;
  if (o.code !== undefined && o.code !== null) code = readInteger(o.code, join(path, "code"), 0, U16);
  if (o.codeName !== undefined && o.codeName !== null) {
    const name = readString(o.codeName, join(path, "codeName"));
    const byName = codeByName(CAUSE_NAMES, name.toUpperCase());
    if (byName < 0) throw new JsonInputError(join(path, "codeName"), `unknown cause ${JSON.stringify(name)}`);
    if (code >= 0 && code !== byName) throw new JsonInputError(join(path, "codeName"), `${name} is ${byName}, code says ${code}`);
    code = byName;
  }
  if (code < 0) throw new JsonInputError(path, "needs a cause \"code\" (or \"codeName\")");
  let parameter: RawParameter | null = null;
  if (o.parameter !== undefined && o.parameter !== null) {
    const po = readObject(o.parameter, join(path, "parameter"), ["type", "value"]);
    parameter = {
      type: readInteger(po.type, join(join(path, "parameter"), "type"), 0, U16),
      value: readHex(po.value === undefined ? "" : po.value, join(join(path, "parameter"), "value")),
    };
  }
  return {
    code,
    info: o.info === undefined || o.info === null ? new Uint8Array(0) : readHex(o.info, join(path, "info")),
    parameter,
    policy: readNullablePolicy(o.policy, join(path, "policy")),
    transport: readNullableTransport(o.transport, join(path, "transport")),
    messageType: readUint(o.messageType, join(path, "messageType"), U8, 0),
    messageFlags: readUint(o.messageFlags, join(path, "messageFlags"), U8, 0),
  };
}

function operationErrorFromJson(v: Json | undefined, path: string): OperationError | null {
  if (v === undefined || v === null) return null;
  const o = readObject(v, path, ["causes"]);
  return { causes: readArray(o.causes, join(path, "causes")).map((c, i) => causeFromJson(c, join(join(path, "causes"), i))) };
}

function readType(o: JsonObject, protocol: Protocol): number {
  const name = readString(o.type, "type");
  const type = messageTypeByName(protocol, name);
  if (type < 0) {
    const names = Object.values(protocol === "asap" ? ASAP_TYPE_NAMES : ENRP_TYPE_NAMES).join(", ");
    throw new JsonInputError("type", `unknown ${protocol.toUpperCase()} message type ${JSON.stringify(name)} (${names})`);
  }
  return type;
}

const ASAP_KEYS = [
  "ok", "protocol", "type", "flags", "poolHandle", "poolHandleText", "poolElements", "policy", "peIdentifier",
  "serverIdentifier", "transports", "error", "cookie", "items", "problems",
] as const;

export function asapFromJson(v: Json): AsapMessage {
  const o = readObject(v, "", ASAP_KEYS);
  readOk(o.ok);
  if (o.protocol !== undefined && o.protocol !== "asap") throw new JsonInputError("protocol", "expected \"asap\"");
  const m = newAsapMessage(readType(o, "asap"));
  m.flags = readUint(o.flags, "flags", U8, 0);
  m.poolHandle = readPoolHandle(o, "");
  m.poolElements = readArray(o.poolElements, "poolElements").map((pe, i) => poolElementFromJson(pe, join("poolElements", i)));
  m.policy = readNullablePolicy(o.policy, "policy");
  m.peIdentifier = readNullableUint(o.peIdentifier, "peIdentifier", U32);
  m.serverIdentifier = readNullableUint(o.serverIdentifier, "serverIdentifier", U32);
  m.transports = readArray(o.transports, "transports").map((t, i) => transportFromJson(t, join("transports", i)));
  m.error = operationErrorFromJson(o.error, "error");
  m.cookie = readNullableHex(o.cookie, "cookie");
  m.items = readNullableUint(o.items, "items", U32);
  readArray(o.problems, "problems"); // decode output, ignored on encode
  return m;
}

const ENRP_KEYS = [
  "ok", "protocol", "type", "flags", "senderServerIdentifier", "receiverServerIdentifier", "checksum",
  "serverInformation", "serverInformations", "poolEntries", "updateAction", "poolHandle", "poolHandleText",
  "poolElement", "targetServerIdentifier", "error", "problems",
] as const;

export function enrpFromJson(v: Json): EnrpMessage {
  const o = readObject(v, "", ENRP_KEYS);
  readOk(o.ok);
  if (o.protocol !== undefined && o.protocol !== "enrp") throw new JsonInputError("protocol", "expected \"enrp\"");
  const m = newEnrpMessage(readType(o, "enrp"));
  m.flags = readUint(o.flags, "flags", U8, 0);
  m.senderServerIdentifier = readUint(o.senderServerIdentifier, "senderServerIdentifier", U32, 0);
  m.receiverServerIdentifier = readUint(o.receiverServerIdentifier, "receiverServerIdentifier", U32, 0);
  m.checksum = readNullableUint(o.checksum, "checksum", U16);
  m.serverInformation = o.serverInformation === undefined || o.serverInformation === null ? null : serverInformationFromJson(o.serverInformation, "serverInformation");
  m.serverInformations = readArray(o.serverInformations, "serverInformations").map((s, i) => serverInformationFromJson(s, join("serverInformations", i)));
  m.poolEntries = readArray(o.poolEntries, "poolEntries").map((e, i): PoolEntry => {
    const path = join("poolEntries", i);
    const eo = readObject(e, path, ["poolHandle", "poolHandleText", "poolElements"]);
    const handle = readPoolHandle(eo, path);
    if (handle === null) throw new JsonInputError(join(path, "poolHandle"), "a pool entry needs a pool handle");
    return {
      poolHandle: handle,
      poolElements: readArray(eo.poolElements, join(path, "poolElements")).map((pe, j) => poolElementFromJson(pe, join(join(path, "poolElements"), j))),
    };
  });
  m.updateAction = readNullableUint(o.updateAction, "updateAction", U16);
  m.poolHandle = readPoolHandle(o, "");
  m.poolElement = o.poolElement === undefined || o.poolElement === null ? null : poolElementFromJson(o.poolElement, "poolElement");
  m.targetServerIdentifier = readNullableUint(o.targetServerIdentifier, "targetServerIdentifier", U32);
  m.error = operationErrorFromJson(o.error, "error");
  readArray(o.problems, "problems");
  return m;
}

/** The protocol named by a JSON message's "protocol" key. */
export function protocolOf(v: Json): Protocol {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new JsonInputError("", `expected a JSON object, got ${describe(v)}`);
  }
  const p = v.protocol;
  if (p !== "asap" && p !== "enrp") throw new JsonInputError("protocol", `expected "asap" or "enrp", got ${describe(p)}`);
  return p;
}

// ---------------------------------------------------------------------------
// Text line form shared with the oracle: `asap <hex>` / `enrp <hex>`.

export interface HexLine {
  protocol: Protocol;
  bytes: Uint8Array;
}

/**
 * Parses `asap|enrp[/sctp|/udp|/sctp-udp] <hex> [# comment]`. Returns null for
 * a blank or comment line; throws an Error with a readable message otherwise.
 * Hex may carry a 0x prefix and the separators space, ':', '_', '.', '-'
 * (the same as the oracle's input).
 */
export function parseHexLine(line: string): HexLine | null {
  const hash = line.indexOf("#");
  const body = (hash >= 0 ? line.slice(0, hash) : line).trim();
  if (body === "") return null;
  const space = body.search(/\s/);
  const tag = space < 0 ? body : body.slice(0, space);
  const match = /^(asap|enrp)(?:\/(?:sctp|udp|sctp-udp))?$/i.exec(tag);
  if (match === null) throw new Error(`unknown tag ${JSON.stringify(tag)} (expected asap or enrp)`);
  let hex = space < 0 ? "" : body.slice(space).trim();
  if (/^0x/i.test(hex)) hex = hex.slice(2);
  hex = hex.replace(/[\s:_.\-]/g, "");
  if (hex === "") throw new Error("no hex payload");
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad !== null) throw new Error(`not hex: ${JSON.stringify(bad[0])} (a comment must start with '#')`);
  if (hex.length % 2 !== 0) throw new Error(`odd number of hex digits (${hex.length})`);
  return { protocol: match[1].toLowerCase() as Protocol, bytes: new Uint8Array(Buffer.from(hex, "hex")) };
}
