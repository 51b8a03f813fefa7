// Pool user side, the DNS-like basic mode (RFC 5352 s3.4-s3.5; rsplib
// rsp_getaddrinfo / rsp_pe_failure, rserpool.md s4.4).
//
// The cache is a handlespace: the same code, policies included, as the
// registrar's, so selection at the PU is the registrar's selection. Cached
// PEs expire staleAfterMs after the answer that brought them.

import {
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_HANDLE_RESOLUTION,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_UNKNOWN_POOL_HANDLE,
} from "../wire/constants.js";
import type { AsapMessage, PoolElement } from "../wire/types.js";
import { ERROR_LACK_OF_RESOURCES, ERROR_POOL_NOT_FOUND, ERROR_REJECTED, EVENT_RESOLVED, pushEvent } from "./events.js";
import { queueRequest } from "./hunt.js";
import { firstCause, newRequest } from "./pool-element.js";
import { copyPoolElement, handleBytes, scratchRefs } from "./state.js";
import type { ClientState, Request } from "./state.js";
import { sessionResolved } from "../session/session.js";
import { newPoolElementRecord } from "./shared.js";

export interface ResolveOptions {
  /** PEs to return, selected by the pool's policy; default 1. */
  items?: number;
  /** Cache life of the registrar's answer; default config.staleCacheMs; 0 = no cache. */
  staleAfterMs?: number;
}

/**
 * Resolves a pool handle; the EVENT_RESOLVED with this request id follows
 * (from the cache when it holds the pool, else from the registrar).
 */
export function resolve(S: ClientState, now: number, handle: Uint8Array | string, o: ResolveOptions | null | undefined): number {
  const h = handleBytes(handle);
  const id = S.nextRequestId_ = (S.nextRequestId_ % 2147483647) + 1;
  // (undefined compares false)
  const items = o && (o.items as number) > 0 ? Math.min(Math.floor(o.items as number), S.config_.maxCacheElements) : 1;
  const stale = o && (o.staleAfterMs as number) >= 0 ? o.staleAfterMs as number : S.config_.staleCacheMs;
  S.cache_.expire(now, null, null);
  if (stale > 0 && S.cache_.findPool(h) >= 0) {
    const e = pushEvent(S.events_, EVENT_RESOLVED);
    e.request = id;
    e.handle = h;
    e.poolElements = select(S, h, items);
    return id;
  }
  const r = newRequest(ASAP_HANDLE_RESOLUTION, h, 0);
  r.id_ = id;
  // rsplib: with a cache ask for the registrar's default count, else for `items`.
  r.items_ = stale > 0 ? 0 : items;
  r.staleMs_ = stale;
  r.want_ = items;
  if (!queueRequest(S, now, r)) resolutionDone(S, now, r, null, ERROR_LACK_OF_RESOURCES);
  return id;
}

/** Up to k cached PEs of the pool, selected by its policy (fresh records). */
function select(S: ClientState, h: Uint8Array, k: number): PoolElement[] {
  const n = S.cache_.resolve(h, k, scratchRefs(S, k), 0);
  const out: PoolElement[] = [];
  for (let i = 0; i < n; i++) {
    const record = newPoolElementRecord();
    S.cache_.readPoolElement(S.refs_[i], record);
    out.push(record.element);
  }
  return out;
}

/** Puts a registrar's answer into the cache; a pool whose policy changed is replaced. */
function store(S: ClientState, handle: Uint8Array, pes: PoolElement[], deadline: number): void {
  const meta = S.meta_;
  meta.deadline = deadline;
  for (let i = 0; i < pes.length; i++) {
    let cause = S.cache_.register(handle, pes[i], meta);
    if (cause !== 0 && cause !== CAUSE_LACK_OF_RESOURCES) {
      const pool = S.cache_.findPool(handle);
      if (pool >= 0) {
        S.refs_.length = 0;
        S.cache_.forEachInPool(pool, collect, S.refs_);
        for (let j = 0; j < S.refs_.length; j++) S.cache_.remove(S.refs_[j]);
      }
      cause = S.cache_.register(handle, pes[i], meta);
    }
  }
}

function collect(refs: number[], ref: number): void {
  refs.push(ref);
}

export function resolutionDone(S: ClientState, now: number, r: Request, m: AsapMessage | null, error: number): void {
  let cause = 0;
  if (m !== null) {
    cause = firstCause(m);
    if (m.error !== null || m.poolElements.length === 0) {
      error = cause === 0 || cause === CAUSE_UNKNOWN_POOL_HANDLE ? ERROR_POOL_NOT_FOUND : ERROR_REJECTED;
    } else if (r.staleMs_ > 0 || r.session_ >= 0) {
      // A session needs its answer in the cache for at least this input.
      store(S, r.handle_, m.poolElements, now + (r.staleMs_ > 0 ? r.staleMs_ : 1));
    }
  }
  if (r.session_ >= 0) {
    sessionResolved(S, now, r, error);
    return;
  }
  const e = pushEvent(S.events_, EVENT_RESOLVED);
  e.request = r.id_;
  e.handle = r.handle_;
  e.error = error;
  e.cause = cause;
  if (error !== 0 || m === null) return;
  if (r.staleMs_ > 0) {
    e.poolElements = select(S, r.handle_, r.want_);
  } else {
    const list: PoolElement[] = [];
    for (let i = 0; i < m.poolElements.length && i < r.want_; i++) list.push(copyPoolElement(m.poolElements[i]));
    e.poolElements = list;
  }
}

/**
 * Reports a PE as unreachable: it leaves the cache and the registrar gets an
 * ENDPOINT_UNREACHABLE (RFC 5352 s3.5; fire and forget). False when the
 * request table is full (the report is dropped, the cache entry is not).
 */
export function reportFailure(S: ClientState, now: number, handle: Uint8Array | string, identifier: number): boolean {
  const h = handleBytes(handle);
  S.cache_.deregister(h, identifier >>> 0);
  return queueRequest(S, now, newRequest(ASAP_ENDPOINT_UNREACHABLE, h, identifier >>> 0));
}
