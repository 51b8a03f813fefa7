// The pool registrar (RFC 5352 s3 ASAP server side; ENRP plugs in as a
// RegistrarExtension): a sans-I/O machine driven by core/driver.
export * from "./registrar.js";
export {
  defaultRegistrarConfig,
  validateRegistrarConfig,
  scopeByName,
  SCOPE_NONE,
  SCOPE_LOOPBACK,
  SCOPE_LINK_LOCAL,
  SCOPE_SITE_LOCAL,
  SCOPE_GLOBAL,
} from "./config.js";
export type { RegistrarConfig } from "./config.js";
export { addressScope, sameAddress, filterAddresses } from "./scope.js";
export type { FilterResult } from "./scope.js";
export { createHandleTableResponder, createEnrpTableExtension } from "./enrp-table.js";
export type { HandleTableResponder, HandleTableStatistics } from "./enrp-table.js";
