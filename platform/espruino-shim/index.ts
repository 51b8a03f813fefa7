// The Espruino bundle (build/build.mjs entry "espruino-shim", one IIFE,
// global RSP, client profile of the Espruino gate): the platform shim, the
// driver and the client machine (PE, PU, sessions) with the codec and
// handlespace they use.
//
//   var platform = RSP.createEspruinoPlatform({ net: require("net"), setTimeout: setTimeout,
//     clearTimeout: clearTimeout, getTime: getTime, E: E });
//   var client = RSP.createClient({ random: platform.random, registrars: [...], announce: false });
//   var driver = RSP.createDriver(platform, client, { onEvent: function (target, event) { ... } });
//   driver.run(function () { client.start(platform.now()); }, null);
export { createEspruinoPlatform } from "./platform.js";
export type { EspruinoPlatform, EspruinoPlatformOptions } from "./platform.js";
export type { EspruinoE, EspruinoNet, EspruinoServer, EspruinoSocket } from "./sockets.js";
export type { MappingOptions } from "../embedded/tcp-mapping.js";
export { createDriver } from "../../core/driver/driver.js";
export * from "../../core/client/index.js";
export { DOWN_ABORTED, DOWN_CLOSED, DOWN_CONNECT_FAILED, DOWN_PROTOCOL_ERROR, DOWN_TIMEOUT } from "../../core/driver/platform.js";
export { PARAM_SCTP_TRANSPORT, PARAM_TCP_TRANSPORT, PARAM_UDP_TRANSPORT, PPID_ASAP } from "../../core/wire/constants.js";
