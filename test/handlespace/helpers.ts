// Builders shared by the handlespace tests.
import {
  createHandlespace,
  createXorshift,
  newHandlespaceConfig,
  newRegistrationMeta,
  type Handlespace,
  type HandlespaceConfig,
  type RegistrationMeta,
} from "../../core/handlespace/index.js";
import {
  PARAM_SCTP_TRANSPORT,
  TRANSPORT_USE_DATA_ONLY,
  newPolicy,
  newPoolElement,
  newTransport,
  parseAddress,
  type Policy,
  type PoolElement,
} from "../../core/wire/index.js";

export function handle(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

export function address(text: string): Uint8Array {
  const a = parseAddress(text);
  if (a === null) throw new Error(`bad address ${text}`);
  return a;
}

/** A policy of `type` with the given fields set. */
export function policy(type: number, fields: Partial<Policy>): Policy {
  const p = newPolicy(type);
  Object.assign(p, fields);
  return p;
}

/** An SCTP data-only PE at 10.0.0.x:port with the policy. */
export function pe(identifier: number, p: Policy, options?: { port?: number; addresses?: string[]; use?: number;
  transportType?: number; home?: number; life?: number }): PoolElement {
  const o = options ?? {};
  const addresses = (o.addresses ?? [`10.0.${(identifier >>> 8) & 0xff}.${identifier & 0xff}`]).map(address);
  const transport = newTransport(o.transportType ?? PARAM_SCTP_TRANSPORT, o.port ?? 9000, o.use ?? TRANSPORT_USE_DATA_ONLY,
    addresses);
  return newPoolElement(identifier, o.home ?? 7, o.life ?? 30000, transport, p, null);
}

export function config(seed: number, changes?: Partial<HandlespaceConfig>): HandlespaceConfig {
  const c = newHandlespaceConfig(createXorshift(seed));
  if (changes !== undefined) Object.assign(c, changes);
  return c;
}

export function space(seed: number, changes?: Partial<HandlespaceConfig>): Handlespace {
  return createHandlespace(config(seed, changes));
}

export function meta(changes?: Partial<RegistrationMeta>): RegistrationMeta {
  const m = newRegistrationMeta();
  if (changes !== undefined) Object.assign(m, changes);
  return m;
}

/** Registers and throws on a refusal. */
export function add(hs: Handlespace, h: Uint8Array, element: PoolElement, m?: RegistrationMeta): number {
  const code = hs.register(h, element, m ?? meta());
  if (code !== 0) throw new Error(`register refused with cause ${code}`);
  return hs.lastRef;
}

/** Identifiers of `rounds` resolutions of k PEs each. */
export function picks(hs: Handlespace, h: Uint8Array, k: number, rounds: number, maxIncrement = 0): number[][] {
  const out = new Int32Array(k);
  const result: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const n = hs.resolve(h, k, out, maxIncrement);
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(hs.getIdentifier(out[i]));
    result.push(ids);
  }
  return result;
}

/** Identifiers of `rounds` single-PE resolutions. */
export function sequence(hs: Handlespace, h: Uint8Array, rounds: number): number[] {
  return picks(hs, h, 1, rounds).map((r) => r[0]);
}

/** Chi-square statistic of observed counts against expected probabilities. */
export function chiSquare(observed: number[], probabilities: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  let x = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = n * probabilities[i];
    x += (observed[i] - e) ** 2 / e;
  }
  return x;
}

/** Upper 99.9 % quantile of chi-square with df degrees of freedom (Wilson-Hilferty). */
export function chiSquareBound(df: number): number {
  const z = 3.0902;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
