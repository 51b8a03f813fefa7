// rserpool-ts for Node: the package entry. The Node API (Promise and
// EventEmitter wrappers over the core roles), the Node platform, and the
// helpers the command-line tools use.
export {
  RSerPoolError,
  startRegistrar,
  createPoolElement,
  createPoolUser,
  connect,
  Registrar,
  PoolElement,
  PoolUser,
  Session,
  ServerSession,
  causeText,
  clientError,
  describePolicy,
  describePoolElement,
  describeTransport,
  handleText,
} from "./api.js";
export type {
  RSerPoolErrorCode,
  TransportName,
  TransportInfo,
  PolicyInfo,
  PoolElementInfo,
  RegistrarSpec,
  NetworkOptions,
  RegistrarOptions,
  RegistrarEventName,
  RegistrarEventInfo,
  RegistrarPorts,
  HandlespacePool,
  ClientOptions,
  SendOptions,
  DataInfo,
  FailoverInfo,
  PoolUserOptions,
  ResolveOptions,
  PoolElementOptions,
} from "./api.js";
export { createNodePlatform } from "./platform.js";
export type { NodePlatform, NodePlatformOptions, LogFunction } from "./platform.js";
export { parsePolicy, formatPolicy, isAdaptivePolicy } from "./policy.js";
export { parseEndpoint, findFreePort, SCTP_UDP_PORT, ASAP_PORT, ENRP_PORT } from "./plumbing.js";
export type { RegistrarConfig } from "../../core/registrar/index.js";
export type { ClientConfig } from "../../core/client/index.js";
export type { Policy } from "../../core/wire/types.js";
