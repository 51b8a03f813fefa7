// The handlespace (pools, pool elements, selection policies, checksums,
// deadlines): the registrar's handlespace and the pool user's cache.
export {
  createHandlespace,
  Handlespace,
  newHandlespaceConfig,
  newRegistrationMeta,
  newTableCursor,
  resetTableCursor,
  UNREACHABLE_UNKNOWN,
  UNREACHABLE_COUNTED,
  UNREACHABLE_REMOVED,
} from "./handlespace.js";
export type { HandlespaceConfig, RegistrationMeta, TableCursor } from "./handlespace.js";
export type { RefArray } from "./pool.js";
export type { PolicyModule, PolicyField, PolicyStore, PoolView } from "./policy.js";
export { POLICY_VALUE_MAX } from "./policy.js";
export { allPolicies } from "./policies/index.js";
export { createRandomSource, createXorshift, randomBelow } from "./random.js";
export type { RandomSource } from "./random.js";
export { newPoolElementRecord, addressBuffer } from "./record.js";
export type { PoolElementRecord, AddressBuffers } from "./record.js";
export { finishChecksum, fold16, peSum, sumBytes } from "./checksum.js";
