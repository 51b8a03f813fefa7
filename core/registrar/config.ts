// Registrar configuration: every rsplib registrar option (rspregistrar
// command line, rserpool.md s3.8) with rsplib's default and clamp, the RFC
// value beside it where the RFC names one, plus our own bounds. Times are
// milliseconds (rsplib's autoclose is in seconds; here it is ms too).
//
// validateRegistrarConfig() clamps numbers into rsplib's ranges (as rsplib
// does) and throws a TypeError naming the option for values that cannot be
// used at all (wrong type, NaN, unknown scope name, malformed address).
//
// Not here because they belong to the host (CLI), not to the machine:
// -logfile/-loglevel/-logcolor/-logappend/-quiet/-logquiet, -daemonpidfile,
// -uptime/-downtime, -statsfile/-statsinterval/-actionlogfile/-scalar/-object.

import { parseAddress } from "../wire/address.js";

/** Address scopes, ordered (RFC 5355 anti-spoofing minimum scope; rsplib -minaddressscope). */
export const SCOPE_NONE = 0; // unspecified, multicast, broadcast, reserved: never usable
export const SCOPE_LOOPBACK = 1;
export const SCOPE_LINK_LOCAL = 2;
export const SCOPE_SITE_LOCAL = 3;
export const SCOPE_GLOBAL = 4;

export interface RegistrarConfig {
  /** Fills its argument with random bytes (Platform.random). Required. */
  random: ((into: Uint8Array) => void) | null;
  /** Registrar identifier; 0 = random non-zero 32-bit (rsplib -identifier). */
  identifier: number;

  /** ASAP endpoint (rsplib -asap). rsplib "auto" binds a random port; we use the IANA port. */
  asapAddresses: string[];
  asapPort: number;
  /** Transport names to listen on for ASAP ("" = the platform's first). */
  asapTransports: string[];
  /** ENRP endpoint (rsplib -enrp); an empty transport list opens no ENRP listener. */
  enrpAddresses: string[];
  enrpPort: number;
  enrpTransports: string[];

  /** ASAP SERVER_ANNOUNCE (rsplib -asapannounce, default on, 239.0.0.50:3863). */
  asapAnnounce: boolean;
  announceAddress: string;
  announcePort: number;
  /** rsplib -serverannouncecycle 1000 ms, 100 ... 60000; RFC 5352 T6-serverannounce 1 s (verify). */
  serverAnnounceCycleMs: number;
  /** rsplib -announcettl 30, 1 ... 255. */
  announceTtl: number;
  /** ENRP multicast Presence (rsplib -enrpannounce, 239.0.0.51:9901); used by ENRP. */
  enrpAnnounce: boolean;
  enrpAnnounceAddress: string;
  enrpAnnouncePort: number;

  /** rsplib -autoclosetimeout 300 s (min 5 s), idle associations are closed; 0 = never. */
  autoCloseTimeoutMs: number;
  /** rsplib -endpointkeepalivetransmissioninterval 5000, 300 ... 300000; RFC: not specified. */
  keepAliveTransmissionIntervalMs: number;
  /** rsplib -endpointkeepalivetimeoutinterval 5000, 100 ... 60000; RFC: not specified. */
  keepAliveTimeoutIntervalMs: number;
  /** rsplib -maxbadpereports 3, >= 1; RFC 5353 MAX-BAD-PE-REPORT 3. */
  maxBadPeReports: number;
  /** rsplib -maxhresitems 3, >= 1 (capped at 128, rsplib MAX_MAX_HANDLE_RESOLUTION_ITEMS); RFC: none. */
  maxHandleResolutionItems: number;
  /** rsplib -maxincrement 0 = the policy's default; RFC: none. */
  maxIncrement: number;
  /** rsplib -minaddressscope sitelocal: "loopback" | "linklocal" | "sitelocal" | "global". */
  minAddressScope: string;
  /** rsplib -distancestep 50 ms (DPF distance rounding). */
  distanceStepMs: number;
  /** rsplib -disable-ipv6: refuse IPv6 addresses. */
  disableIPv6: boolean;

  /**
   * Per-association handle resolution rate limit (RFC 5355 s3 flooding).
   * rsplib -maxhrrate defaults to unlimited; ours is on: 100/s, burst 200
   * (a PU resolves once per connect or failover; 100/s is far above that).
   * 0 = unlimited. Over the limit the PU gets Operation Error 0x6.
   */
  maxHandleResolutionRate: number;
  handleResolutionBurst: number;
  /**
   * Per-association ENDPOINT_UNREACHABLE rate limit (RFC 5355: abuse to
   * kill healthy PEs). rsplib -maxeurate defaults to unlimited; ours 10/s,
   * burst 20; 0 = unlimited. Reports over the limit are ignored (as rsplib).
   */
  maxEndpointUnreachableRate: number;
  endpointUnreachableBurst: number;

  // Bounds (ARCHITECTURE.md "Bounded"). rsplib has none of these.
  /** Concurrent associations; more are aborted at once. */
  maxAssociations: number;
  /** PEs registered through one association; more are refused with 0x6. */
  maxPoolElementsPerAssociation: number;
  maxPools: number;
  maxPoolElements: number;
  maxPoolElementsPerPool: number;
  /** rsplib MAX_POOLHANDLESIZE 32; RFC: none; 1 ... 255. */
  maxPoolHandleLength: number;
  /** Addresses per transport parameter (rsplib MAX_PE_TRANSPORTADDRESSES 64). */
  maxAddresses: number;
  /**
   * Largest ASAP message accepted: a REGISTRATION with 64 IPv6 addresses and
   * a 255-byte handle is about 1.6 KB. Bigger ones get ERROR 0x6 unanswered
   * otherwise. ENRP messages may use the full 64 KB.
   */
  maxMessageSize: number;
  /** Output queues (transmits, actions, events). */
  transmitQueueCapacity: number;
  eventQueueCapacity: number;

  // ENRP (a later module reads these; rsplib defaults, RFC 5353 values in brackets, verify).
  /** rsplib -peer addr:port entries (default port 9901). */
  peers: string[];
  /** rsplib -maxelementsperhtrequest 128, >= 1. */
  maxElementsPerHandleTableRequest: number;
  /** rsplib -mentordiscoverytimeout 5000, 1000 ... 60000. */
  mentorDiscoveryTimeoutMs: number;
  /** rsplib -peerheartbeatcycle 2444, 1000 ... 300000 [RFC ~30 s]. */
  peerHeartbeatCycleMs: number;
  /** rsplib -peermaxtimelastheard 5000, 1000 ... 300000 [RFC ~61 s]. */
  peerMaxTimeLastHeardMs: number;
  /** rsplib -peermaxtimenoresponse 5000, 1000 ... 60000 [RFC 5 s]. */
  peerMaxTimeNoResponseMs: number;
  /** rsplib -takeoverexpiryinterval 5000, 1000 ... 60000. */
  takeoverExpiryIntervalMs: number;
  /** rsplib -supporttakeoversuggestion, off. */
  supportTakeoverSuggestion: boolean;

  /** Component Status Protocol (rsplib -cspserver addr:port, -cspinterval ms); "" / 0 = off. */
  cspServer: string;
  cspIntervalMs: number;
}

// Numeric options as "name:default:minimum:maximum" (defaults and clamps
// as rsplib), parsed when used: a string keeps the table a constant and the
// bundle small.
const NUMBERS =
  "identifier:0:0:4294967295 asapPort:3863:0:65535 enrpPort:9901:0:65535 announcePort:3863:1:65535 " +
  "serverAnnounceCycleMs:1000:100:60000 announceTtl:30:1:255 enrpAnnouncePort:9901:1:65535 " +
  "autoCloseTimeoutMs:300000:5000:2147483647 keepAliveTransmissionIntervalMs:5000:300:300000 " +
  "keepAliveTimeoutIntervalMs:5000:100:60000 maxBadPeReports:3:1:65535 maxHandleResolutionItems:3:1:128 " +
  "maxIncrement:0:0:128 distanceStepMs:50:1:60000 maxHandleResolutionRate:100:0:1000000000 " +
  "handleResolutionBurst:200:1:1000000000 maxEndpointUnreachableRate:10:0:1000000000 " +
  "endpointUnreachableBurst:20:1:1000000000 maxAssociations:4096:1:1048576 " +
  "maxPoolElementsPerAssociation:128:1:1048576 maxPools:16384:1:1048576 maxPoolElements:65536:1:16777216 " +
  "maxPoolElementsPerPool:65536:1:1048576 maxPoolHandleLength:32:1:255 maxAddresses:64:1:64 " +
  "maxMessageSize:8192:64:65535 transmitQueueCapacity:4096:16:1048576 eventQueueCapacity:1024:1:1048576 " +
  "maxElementsPerHandleTableRequest:128:1:65535 mentorDiscoveryTimeoutMs:5000:1000:60000 " +
  "peerHeartbeatCycleMs:2444:1000:300000 peerMaxTimeLastHeardMs:5000:1000:300000 " +
  "peerMaxTimeNoResponseMs:5000:1000:60000 takeoverExpiryIntervalMs:5000:1000:60000 cspIntervalMs:0:0:3600000";
/** 0 means "off" here, so it is not clamped up. */
const ZERO_ALLOWED = "autoCloseTimeoutMs";
const SCOPE_NAMES = " loopback linklocal sitelocal global";

/**
 * rsplib's defaults (ours where rsplib has none); a fresh object each call.
 * The numbers come from NUMBERS; lists of addresses are the options named
 * *Addresses.
 */
export function defaultRegistrarConfig(): RegistrarConfig {
  const config: { [name: string]: unknown } = {
    random: null,
    asapAddresses: [],
    asapTransports: [""],
    enrpAddresses: [],
    enrpTransports: [""],
    asapAnnounce: true,
    announceAddress: "239.0.0.50",
    enrpAnnounce: true,
    enrpAnnounceAddress: "239.0.0.51",
    minAddressScope: "sitelocal",
    disableIPv6: false,
    peers: [],
    supportTakeoverSuggestion: false,
    cspServer: "",
  };
  const numbers = NUMBERS.split(" ");
  for (let i = 0; i < numbers.length; i++) {
    const spec = numbers[i].split(":");
    config[spec[0]] = +spec[1];
  }
  return config as unknown as RegistrarConfig;
}

function bad(name: string, what: string): TypeError {
  return new TypeError("registrar config: " + name + " " + what);
}

function isMulticastText(text: string): boolean {
  const a = parseAddress(text);
  return a !== null && (a.length === 4 ? (a[0] & 0xf0) === 0xe0 : a[0] === 0xff);
}

/** The scope number of a minAddressScope name, or -1. */
export function scopeByName(name: string): number {
  const i = typeof name === "string" && name !== "" ? SCOPE_NAMES.split(" ").indexOf(name.toLowerCase()) : -1;
  return i > 0 ? i : -1;
}

/**
 * Defaults overlaid with `options`, validated: numbers clamped into range
 * (integers truncated), everything else checked. Unknown option names throw
 * (a typo must not silently fall back to a default).
 */
export function validateRegistrarConfig(options: Partial<RegistrarConfig> | null): RegistrarConfig {
  const defaults = defaultRegistrarConfig() as unknown as { [name: string]: unknown };
  const config = defaultRegistrarConfig() as unknown as { [name: string]: unknown };
  const given = (options === null || options === undefined ? {} : options) as { [name: string]: unknown };
  let keys = Object.keys(given);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!(key in config)) throw bad(key, "is not a registrar option");
    if (given[key] !== undefined) config[key] = given[key];
  }
  const numbers = NUMBERS.split(" ");
  for (let i = 0; i < numbers.length; i++) {
    const spec = numbers[i].split(":");
    const name = spec[0];
    let value = config[name] as number;
    if (typeof value !== "number" || value !== value) throw bad(name, "must be a number");
    value = Math.floor(value);
    const min = +spec[2];
    const max = +spec[3];
    if (value < min && !(value === 0 && name === ZERO_ALLOWED)) value = min;
    if (value > max) value = max;
    config[name] = value;
  }
  // Booleans and lists of strings: the options whose default is one.
  keys = Object.keys(defaults);
  for (let i = 0; i < keys.length; i++) {
    const name = keys[i];
    const value = config[name];
    if (typeof defaults[name] === "boolean" && typeof value !== "boolean") throw bad(name, "must be true or false");
    if (!Array.isArray(defaults[name])) continue;
    const list = value as string[];
    if (!Array.isArray(list)) throw bad(name, "must be an array of strings");
    for (let j = 0; j < list.length; j++) {
      if (typeof list[j] !== "string") throw bad(name, "must be an array of strings");
      if (name.slice(-9) === "Addresses" && parseAddress(list[j]) === null) throw bad(name, "has a malformed address: " + list[j]);
    }
    config[name] = list.slice();
  }
  if (!isMulticastText(config.announceAddress as string)) throw bad("announceAddress", "must be a multicast address");
  if (!isMulticastText(config.enrpAnnounceAddress as string)) throw bad("enrpAnnounceAddress", "must be a multicast address");
  if (scopeByName(config.minAddressScope as string) < 0) {
    throw bad("minAddressScope", "must be loopback, linklocal, sitelocal or global");
  }
  config.minAddressScope = (config.minAddressScope as string).toLowerCase();
  if (typeof config.random !== "function") throw bad("random", "must be a function filling a Uint8Array");
  if (typeof config.cspServer !== "string") throw bad("cspServer", "must be a string");
  return config as unknown as RegistrarConfig;
}
