// Client (PE + PU + sessions) configuration: rsplib's library options
// (rserpool.md s4.1, `rsp_initarg`) with rsplib's defaults, the RFC 5352
// timer and threshold values beside them where the RFC names one (its
// "Timers, Variables, and Thresholds" section; rserpool.md s3.9 lists them
// as s7 from memory: verify section and values against the RFC text), and
// our own bounds. Times are milliseconds.
//
//   option                          ours/rsplib   RFC 5352
//   registrarAnnounceTimeoutMs      5000          (announces: T6-serverAnnounce 1 s)
//   registrarConnectTimeoutMs       7500          T5-serverHunt 120 s
//   registrarConnectMaxTrials       1             -
//   registrarRequestTimeoutMs       3000          T1-ENRPrequest 15 s
//   registrarResponseTimeoutMs      3000          T2-registration / T3-deregistration 30 s
//   registrarRequestMaxTrials       1             MAX-REQUEST-RETRANSMIT 2, MAX-REG-ATTEMPT 2
//   reregistrationIntervalMs        30000         T4-reregistration min(10 min, life - 20 s)
//   (registration life = 3 x interval, rsplib)
//   staleCacheMs                    30000         stale.cache.value 30 s
//   announce group                  239.0.0.50:3863 (rsplib; not IANA-assigned)
//   maxParallelConnects             3             -
//   sessionConnectTimeoutMs         5000          -  (rsplib rsp_connect)
//   sessionRetryDelayMs             250           -  (rsplib: retry when no PE found)
//
// Meaning of the two request timeouts here (rsplib's request timeout is a
// blocking send timeout, which a sans-I/O machine does not have): a request
// waits at most registrarRequestTimeoutMs in the queue for a registrar
// association, and at most registrarResponseTimeoutMs for its response once
// sent. Each wait that expires costs one trial; a response timeout also
// drops the registrar association and hunts again (rsplib).

/** A registrar to try: its ASAP addresses (one multihomed endpoint) and port. */
export interface RegistrarAddress {
  addresses: string[];
  port: number;
}

export interface ClientConfig {
  /** Fills its argument with random bytes (Platform.random). Required. */
  random: ((into: Uint8Array) => void) | null;
  /** Static registrars (rsplib -registrar). */
  registrars: RegistrarAddress[];
  /** Transport for registrar associations ("" = the platform's first). */
  transport: string;
  /**
   * Local port of every registrar association and of the ASAP listener a
   * registrar taking over connects to (rsplib's hunt socket). 0 = ephemeral
   * and no listener: home-registrar change then needs the old association.
   */
  asapPort: number;
  /** Local addresses for registrar associations and the ASAP listener ([] = any). */
  asapAddresses: string[];
  /** Listen for SERVER_ANNOUNCE (rsplib -asapannounce). */
  announce: boolean;
  announceAddress: string;
  announcePort: number;
  registrarAnnounceTimeoutMs: number;
  registrarConnectTimeoutMs: number;
  registrarConnectMaxTrials: number;
  registrarRequestTimeoutMs: number;
  registrarResponseTimeoutMs: number;
  registrarRequestMaxTrials: number;
  maxParallelConnects: number;
  /** Default PE re-registration interval; registration life is 3 times it. */
  reregistrationIntervalMs: number;
  /** Shortest spacing of re-registrations caused by load changes. */
  loadUpdateIntervalMs: number;
  /** Default stale cache value of resolve(); 0 = no cache. */
  staleCacheMs: number;
  /** Transport for PU session associations ("" = the platform's first). */
  sessionTransport: string;
  sessionConnectTimeoutMs: number;
  sessionRetryDelayMs: number;
  /** PE connects and empty resolutions one connect or failover may use. */
  sessionMaxAttempts: number;
  // Bounds.
  maxRegistrars: number;
  maxRequests: number;
  /** Own PEs of this stack instance. */
  maxPoolElements: number;
  maxCachePools: number;
  maxCacheElements: number;
  maxSessions: number;
  /** Messages a session holds while it connects or fails over. */
  maxQueuedMessages: number;
  maxPoolHandleLength: number;
}

// Numeric options as "name=default:min:max" (one table for defaults and
// clamps; a string keeps it constant and the bundle small).
const NUMBERS =
  "asapPort=0:0:65535 announcePort=3863:1:65535 registrarAnnounceTimeoutMs=5000:100:3600000 " +
  "registrarConnectTimeoutMs=7500:100:3600000 registrarConnectMaxTrials=1:1:1000 " +
  "registrarRequestTimeoutMs=3000:100:3600000 registrarResponseTimeoutMs=3000:100:3600000 " +
  "registrarRequestMaxTrials=1:1:1000 maxParallelConnects=3:1:64 reregistrationIntervalMs=30000:100:3600000 " +
  "loadUpdateIntervalMs=1000:0:3600000 staleCacheMs=30000:0:86400000 sessionConnectTimeoutMs=5000:100:3600000 " +
  "sessionRetryDelayMs=250:1:3600000 sessionMaxAttempts=8:1:1000 maxRegistrars=16:1:1024 " +
  "maxRequests=8192:1:1048576 maxPoolElements=4096:1:1048576 maxCachePools=256:1:1048576 " +
  "maxCacheElements=4096:1:1048576 maxSessions=4096:1:65536 maxQueuedMessages=64:0:1048576 " +
  "maxPoolHandleLength=255:1:255";

/** rsplib's defaults (ours where rsplib has none); a fresh object each call. */
export function defaultClientConfig(): ClientConfig {
  const config: { [name: string]: unknown } = {
    random: null, registrars: [], transport: "", asapAddresses: [], announce: true, announceAddress: "239.0.0.50",
    sessionTransport: "",
  };
  const numbers = NUMBERS.split(" ");
  for (let i = 0; i < numbers.length; i++) {
    const spec = numbers[i].split("=");
    config[spec[0]] = +spec[1].split(":")[0];
  }
  return config as unknown as ClientConfig;
}

function bad(name: string, what: string): TypeError {
  return new TypeError("client config: " + name + " " + what);
}

/**
 * Defaults overlaid with `options`, validated: numbers clamped into range,
 * unknown names and wrong types throw (a typo must not fall back silently).
 */
export function validateClientConfig(options: Partial<ClientConfig> | null | undefined): ClientConfig {
  const config = defaultClientConfig() as unknown as { [name: string]: unknown };
  const given = (options === null || options === undefined ? {} : options) as { [name: string]: unknown };
  const keys = Object.keys(given);
  for (let i = 0; i < keys.length; i++) {
    if (!(keys[i] in config)) throw bad(keys[i], "is not a client option");
    if (given[keys[i]] !== undefined) config[keys[i]] = given[keys[i]];
  }
  const numbers = NUMBERS.split(" ");
  for (let i = 0; i < numbers.length; i++) {
    const name = numbers[i].split("=")[0];
    const range = numbers[i].split(":");
    let value = config[name] as number;
    if (typeof value !== "number" || value !== value) throw bad(name, "must be a number");
    value = Math.floor(value);
    config[name] = value < +range[1] ? +range[1] : value > +range[2] ? +range[2] : value;
  }
  if (typeof config.random !== "function") throw bad("random", "must be a function");
  if (typeof config.announce !== "boolean") throw bad("announce", "must be a boolean");
  const registrars = config.registrars as RegistrarAddress[];
  if (!Array.isArray(registrars)) throw bad("registrars", "must be an array");
  for (let i = 0; i < registrars.length; i++) {
    const r = registrars[i];
    if (r === null || typeof r !== "object" || !Array.isArray(r.addresses) || r.addresses.length === 0 || !(r.port > 0)) {
      throw bad("registrars", "need addresses and a port");
    }
  }
  if (!Array.isArray(config.asapAddresses)) throw bad("asapAddresses", "must be an array");
  return config as unknown as ClientConfig;
}
