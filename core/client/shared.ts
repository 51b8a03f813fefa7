// What the client layer uses of the shared modules (codec, driver queues,
// handlespace), imported here once: the client bundle keeps these as
// imports of the shared bundles, and one import each is smaller than one
// per file.
export { decodeAsap, encodeAsap } from "../wire/asap.js";
export { formatAddress, parseAddress } from "../wire/address.js";
export { newAsapMessage, newPolicy, newPoolElement, newTransport } from "../wire/build.js";
export { createDecoder } from "../wire/decoder.js";
export { createWriter } from "../wire/writer.js";
export {
  createActionQueue,
  createTransmitQueue,
  pollActionQueue,
  pollTransmitQueue,
  pushTransmit,
  queueAbort,
  queueClose,
  queueConnect,
  queueListen,
  queueOpenSocket,
  queueStopListening,
} from "../driver/output-queue.js";
export { createHandlespace, newHandlespaceConfig, newRegistrationMeta } from "../handlespace/handlespace.js";
export { createRandomSource } from "../handlespace/random.js";
export { newPoolElementRecord } from "../handlespace/record.js";
