// rserpool-ts core: a fully deterministic RSerPool stack (ASAP, ENRP, pool
// registrar, pool element, pool user, sessions) with no I/O, no clock and no
// module-level state. Bytes, time and randomness come in as arguments or
// through the injected Platform; outputs are drained with poll* calls.
export * from "./wire/index.js";
export * from "./driver/index.js";
