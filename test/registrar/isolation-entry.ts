// Entry of the isolation test's bundle: a registrar and the driver that runs it.
export { createRegistrar } from "../../core/registrar/index.js";
export { createDriver } from "../../core/driver/index.js";
