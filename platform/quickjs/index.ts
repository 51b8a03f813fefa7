// The QuickJS bundle (build/build.mjs entry "quickjs-platform", one IIFE,
// global RSP): the platform, the driver and the client machine (PE, PU,
// sessions) with the codec and handlespace they use.
//
//   var platform = RSP.createQuickJSPlatform({ os: os, net: net, now: Date.now });
//   var client = RSP.createClient({ random: platform.random, registrars: [...], announce: false });
//   var driver = RSP.createDriver(platform, client, { onEvent: function (target, event) { ... } });
//   driver.run(function () { client.start(platform.now()); }, null);
export { createQuickJSPlatform } from "./platform.js";
export type { QuickJSPlatform, QuickJSPlatformOptions } from "./platform.js";
export type { QuickJSNet, QuickJSOs } from "./net.js";
export type { MappingOptions } from "../embedded/tcp-mapping.js";
export { createDriver } from "../../core/driver/driver.js";
export * from "../../core/client/index.js";
export { DOWN_ABORTED, DOWN_CLOSED, DOWN_CONNECT_FAILED, DOWN_PROTOCOL_ERROR, DOWN_TIMEOUT } from "../../core/driver/platform.js";
export { PARAM_SCTP_TRANSPORT, PARAM_TCP_TRANSPORT, PARAM_UDP_TRANSPORT, PPID_ASAP } from "../../core/wire/constants.js";
