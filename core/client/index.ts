// Pool element and pool user library: one client machine per stack instance
// (registrar hunt, PE registration, PU cache and resolution, sessions).
export { createClient } from "./client.js";
export type { Client } from "./client.js";
export { defaultClientConfig, validateClientConfig } from "./config.js";
export type { ClientConfig, RegistrarAddress } from "./config.js";
export * from "./events.js";
export type { PoolElementOptions } from "./pool-element.js";
export type { ResolveOptions } from "./pool-user.js";
