// The ASAP/ENRP wire codec (RFC 5352, 5353, 5354, 5356 and rsplib's
// extensions): decoders that validate framing and content models and never
// throw, encoders that write into a reusable Writer.
export * from "./constants.js";
// Decoder reasons are numbers: see reasons.ts (import it directly) and,
// for their English text, reason-text.ts; neither is part of this bundle.
export type * from "./types.js";
export type { Writer } from "./writer.js";
export { createWriter } from "./writer.js";
export type { Decoder, Problem, WireError } from "./decoder.js";
export { createDecoder } from "./decoder.js";
export { decodeAsap, encodeAsap } from "./asap.js";
export { decodeEnrp, encodeEnrp } from "./enrp.js";
export {
  newAsapMessage,
  newEnrpMessage,
  newErrorCause,
  newOperationError,
  newPolicy,
  newPoolElement,
  newPoolEntry,
  newRawParameter,
  newServerInformation,
  newTransport,
} from "./build.js";
export { formatAddress, parseAddress } from "./address.js";
export { policyName, policyTypeByName } from "./policy-names.js";
export { policyValueLength } from "./params.js";
