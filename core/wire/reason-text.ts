// English text of the decoder's reason numbers (reasons.ts), for tools,
// logs and the JSON CLI. Not part of the shipped core bundles: import it
// where text is wanted.
import { REASON_MISSING } from "./reasons.js";

// Index = reason number (1 ... 55).
const TEXT = Object.freeze([
  "",
  "invalid buffer range",
  "internal decoder error",
  "message shorter than its header",
  "message length field does not match the message size",
  "message length is not a multiple of 4",
  "message shorter than its fixed fields",
  "unrecognized message type",
  "reserved flag bits set",
  "reserved field set",
  "unknown update action",
  "truncated parameter header",
  "parameter length below 4",
  "parameter length exceeds its container",
  "parameter padding missing",
  "truncated error cause header",
  "error cause length below 4",
  "error cause length exceeds its container",
  "error cause padding missing",
  "container length excludes its last parameter's padding",
  "non-zero padding",
  "unrecognized parameter (stop)",
  "unrecognized parameter (stop and report)",
  "unrecognized parameter skipped",
  "unrecognized parameter skipped and reported",
  "unexpected parameter",
  "empty pool handle",
  "pool handle too long",
  "IPv4 address parameter length is not 8",
  "IPv6 address parameter length is not 20",
  "transport parameter too short",
  "unknown transport use",
  "unexpected parameter in transport",
  "too many addresses",
  "transport without address",
  "more than one address in a single-homed transport",
  "policy parameter too short",
  "unknown policy type",
  "policy without load degradation (old rsplib)",
  "policy length does not match its type",
  "pool element parameter too short",
  "pool element without ASAP transport",
  "server information parameter too short",
  "nesting too deep",
  "malformed parameter in error cause",
  "truncated message in error cause",
  "bad message length in error cause",
  "trailing bytes in error cause",
  "error cause does not carry a policy",
  "error cause does not carry a transport",
  "operation error without causes",
  "empty cookie",
  "too many pool elements",
  "PE identifier length is not 8",
  "handle resolution option length is not 8",
  "PE checksum length is not 6",
]);

// Index = PARAM_* type + 1 (0 = any transport), for REASON_MISSING + type.
const MISSING = Object.freeze([
  "transport", "", "", "", "", "", "", "", "", "policy", "pool handle", "pool element",
  "server information", "operation error", "cookie", "PE identifier", "PE checksum",
]);

/** The English text of a WireError or Problem reason; "reason <n>" for a number it does not know. */
export function reasonText(reason: number): string {
  const m = reason - REASON_MISSING + 1;
  if (m >= 0 && m < MISSING.length) return "missing " + (MISSING[m] !== "" ? MISSING[m] + " " : "") + "parameter";
  const text = reason >= 1 && reason < TEXT.length ? TEXT[reason] : undefined;
  return text !== undefined ? text : "reason " + reason;
}
