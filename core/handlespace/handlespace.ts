// The handlespace: pools of pool elements, their selection policies, PE
// checksums and deadlines. The same code is the registrar's handlespace
// (handle resolution, ENRP) and the pool user's cache (selection at the PU).
// It shares nothing with the outside world: time, randomness and bytes come
// in as arguments, and it allocates nothing per resolution.
//
// Storage. A PE is a slot: a fixed-size record in one Int32Array
// (layout.ts). A PE reference ("ref") is its slot number; it stays valid
// until that PE is removed (slots are reused after that). A single IPv4
// address is kept inside the record, longer address lists in one byte arena.
// Pools are small objects with a sorted Int32Array of slots (or a Fenwick
// tree for randomized policies); their handles live in a compact lookup
// table (POOL_WORDS per pool plus a byte arena). Every index is a
// typed-array hash table (table.ts): no Map, so Espruino runs it too.
//
// Callers must not modify the handlespace from inside a visitor, except
// where a method says the visited PE may be removed.
import {
  CAUSE_INCONSISTENT_DATA_CONTROL,
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INCONSISTENT_TRANSPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  PARAM_DCCP_TRANSPORT,
  PARAM_UDP_LITE_TRANSPORT,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
} from "../wire/constants.js";
import type { Policy, PoolElement, Transport } from "../wire/types.js";
import { ByteArena } from "./arena.js";
import { finishChecksum, peSum, sumBytes } from "./checksum.js";
import { DeadlineHeap } from "./heap.js";
import {
  F_ASAP, F_ASSOCIATION, F_ASSOCIATION_NEXT, F_ASSOCIATION_PREVIOUS, F_AUX, F_COUNTS,
  F_DISTANCE, F_FLAGS, F_HOME, F_ID, F_LIFE, F_NEXT, F_OWNER, F_PA, F_PB, F_PC, F_POOL, F_SEQ, F_STATE,
  F_USER, FLAG_ASAP, FLAG_ASAP_INLINE, FLAG_HOME, FLAG_USER_INLINE, RECORD_WORDS,
} from "./layout.js";
import { Pool, type RefArray, type SlotStore } from "./pool.js";
import type { PolicyModule } from "./policy.js";
import { allPolicies } from "./policies/index.js";
import type { RandomSource } from "./random.js";
import { addressBuffer, type AddressBuffers, type PoolElementRecord } from "./record.js";
import { hashBytes, mix32, powerOfTwoAtLeast, U32Table } from "./table.js";

/** Limits and services of a handlespace. Build one with newHandlespaceConfig(). */
export interface HandlespaceConfig {
  /** Longest pool handle accepted, 1 ... 255 bytes (rsplib: 32). */
  maxPoolHandleLength: number;
  maxPools: number;
  /** PEs in the whole handlespace. */
  maxPoolElements: number;
  /** PEs in one pool, at most 2^20. */
  maxPoolElementsPerPool: number;
  /** PEs registered through one association. */
  maxPoolElementsPerAssociation: number;
  /** Addresses per transport, 1 ... 64. */
  maxAddresses: number;
  /** Unreachability reports that remove a PE (rsplib MAX-BAD-PE-REPORT, default 3). */
  maxBadPeReports: number;
  /** Uniform uint32 source for the randomized policies. */
  random: RandomSource;
  /** Policies this handlespace knows (null: all of policies/index.ts). */
  policies: PolicyModule[] | null;
  /** PE slots allocated at creation (grown on demand). */
  initialCapacity: number;
  /** Sequence numbers are renumbered before reaching this (tests lower it). */
  sequenceLimit: number;
}

export function newHandlespaceConfig(random: RandomSource): HandlespaceConfig {
  return {
    maxPoolHandleLength: 32,
    maxPools: 65536,
    maxPoolElements: 1048576,
    maxPoolElementsPerPool: 65536,
    maxPoolElementsPerAssociation: 1024,
    maxAddresses: 64,
    maxBadPeReports: 3,
    random: random,
    policies: null,
    initialCapacity: 64,
    sequenceLimit: 0xffffffff,
  };
}

/** What the caller knows about a registration besides the PE parameter. */
export interface RegistrationMeta {
  /** Association the registration came on; 0 = none (learned by ENRP, PU cache). */
  association: number;
  /** Registrar that owns the PE (RFC 5353: its home registrar as this registrar knows it). */
  owner: number;
  /** This registrar is the PE's home registrar. */
  home: boolean;
  /** DPF distance in ms (stored for every PE, used by the DPF policies). */
  distance: number;
  /** Absolute deadline in ms for the PE's timer; < 0 = none. */
  deadline: number;
  /** Caller's meaning of the deadline (e.g. expiry or keep-alive), 0 ... 255. */
  timerCode: number;
}

export function newRegistrationMeta(): RegistrationMeta {
  return { association: 0, owner: 0, home: false, distance: 0, deadline: -1, timerCode: 0 };
}

/**
 * Position in a paged walk of the handlespace (ENRP handle tables). The walk
 * is in pool handle order (bytewise, shorter first), then PE identifier
 * order, so it survives changes between pages: PEs added behind the cursor
 * are seen, removed ones are not.
 */
export interface TableCursor {
  /** Handle of the pool the cursor is in (first handleLength bytes). */
  handle_: Uint8Array;
  /** -1: before the first pool. */
  handleLength_: number;
  /** Last identifier visited in that pool; -1: none; 2^32: the pool is done. */
  identifier_: number;
  done: boolean;
}

export function newTableCursor(): TableCursor {
  return { handle_: new Uint8Array(255), handleLength_: -1, identifier_: -1, done: false };
}

/** Rewinds a cursor to the start of the handlespace. */
export function resetTableCursor(cursor: TableCursor): void {
  cursor.handleLength_ = -1;
  cursor.identifier_ = -1;
  cursor.done = false;
}

/** reportUnreachable results. */
export const UNREACHABLE_UNKNOWN = -1;
export const UNREACHABLE_COUNTED = 0;
export const UNREACHABLE_REMOVED = 1;

const IDENTIFIER_DONE = 4294967296;
const PAGE_INDEX_SCALE = 1048576; // 2^20 PEs per pool at most (paging keys)

export function createHandlespace(config: HandlespaceConfig): Handlespace {
  return new Handlespace(config);
}

/** Words per pool in the pool lookup table: hash, chain, handle offset, handle length. */
const POOL_WORDS = 4;

export class Handlespace implements SlotStore {
  // ---- configuration
  maxPoolHandleLength_: number;
  maxPools_: number;
  maxPoolElements_: number;
  maxPoolElementsPerPool_: number;
  maxPoolElementsPerAssociation_: number;
  maxAddresses_: number;
  maxBadPeReports_: number;
  random_: RandomSource;
  policies_: PolicyModule[];
  sequenceLimit_: number;

  // ---- results of the last register()
  /** Ref of the PE the last successful register() created or updated, else -1. */
  lastRef: number;
  /** The last successful register() created the PE (false: updated it). */
  lastCreated: boolean;
  /** The last successful register() changed a value a peer would see (policy, transports, life, home). */
  lastChanged: boolean;

  // ---- PE records (layout.ts)
  capacity_: number;
  used_: number;
  freeSlot_: number;
  count: number;
  /** The records, signed view. */
  rec_: Int32Array;
  /** The same records, unsigned view. */
  u: Uint32Array;
  /** The same records, float64 view (the key, layout.ts F_KEY). */
  f: Float64Array;
  arena_: ByteArena;
  deadlines_: DeadlineHeap;
  peBuckets_: Int32Array;

  // ---- pools
  pools_: (Pool | null)[];
  freePools_: number[];
  poolCount: number;
  poolBuckets_: Int32Array;
  /** Pool lookup table, POOL_WORDS per pool index. */
  poolTable_: Int32Array;
  poolHandles_: ByteArena;
  poolGeneration_: number;

  // ---- associations and owners
  associations_: U32Table;
  associationHead_: number[];
  associationCount_: number[];
  freeAssociations_: number[];
  owners_: U32Table;
  ownerCount_: number[];
  ownerSum_: number[];
  freeOwners_: number[];
  /** Last owner looked up and its entry (most PEs share a few owners). */
  cachedOwner_: number;
  cachedOwnerEntry_: number;

  /** Exact sum of all PE sums (checksum.ts). */
  totalSum_: number;

  // ---- paging scratch
  sortedPools_: Int32Array;
  sortedPoolCount_: number;
  sortedGeneration_: number;
  pageKeys_: Float64Array;

  constructor(config: HandlespaceConfig) {
    this.maxPoolHandleLength_ = clamp(config.maxPoolHandleLength, 1, 255);
    this.maxPools_ = clamp(config.maxPools, 1, 1073741824);
    this.maxPoolElements_ = clamp(config.maxPoolElements, 1, 1073741824);
    this.maxPoolElementsPerPool_ = clamp(config.maxPoolElementsPerPool, 1, PAGE_INDEX_SCALE);
    this.maxPoolElementsPerAssociation_ = clamp(config.maxPoolElementsPerAssociation, 1, 1073741824);
    this.maxAddresses_ = clamp(config.maxAddresses, 1, 64);
    this.maxBadPeReports_ = clamp(config.maxBadPeReports, 1, 65535);
    this.random_ = config.random;
    this.policies_ = config.policies !== null ? config.policies : allPolicies();
    this.sequenceLimit_ = clamp(config.sequenceLimit, 16, 0xffffffff);

    this.lastRef = -1;
    this.lastCreated = false;
    this.lastChanged = false;

    const capacity = clamp(config.initialCapacity, 8, 1073741824);
    this.capacity_ = capacity;
    this.used_ = 0;
    this.freeSlot_ = -1;
    this.count = 0;
    this.rec_ = new Int32Array(capacity * RECORD_WORDS);
    this.u = new Uint32Array(this.rec_.buffer);
    this.f = new Float64Array(this.rec_.buffer);
    this.arena_ = new ByteArena(256);
    this.deadlines_ = new DeadlineHeap(capacity);
    this.peBuckets_ = new Int32Array(powerOfTwoAtLeast(capacity));
    this.peBuckets_.fill(-1);

    this.pools_ = [];
    this.freePools_ = [];
    this.poolCount = 0;
    this.poolBuckets_ = new Int32Array(16);
    this.poolBuckets_.fill(-1);
    this.poolTable_ = new Int32Array(16 * POOL_WORDS);
    this.poolHandles_ = new ByteArena(256);
    this.poolGeneration_ = 0;

    this.associations_ = new U32Table(16);
    this.associationHead_ = [];
    this.associationCount_ = [];
    this.freeAssociations_ = [];
    this.owners_ = new U32Table(8);
    this.ownerCount_ = [];
    this.ownerSum_ = [];
    this.freeOwners_ = [];
    this.cachedOwner_ = 0;
    this.cachedOwnerEntry_ = -1;

    this.totalSum_ = 0;

    this.sortedPools_ = new Int32Array(0);
    this.sortedPoolCount_ = 0;
    this.sortedGeneration_ = -1;
    this.pageKeys_ = new Float64Array(0);
  }

  // ===========================================================================
  // Registration

  /**
   * Registers a PE in the pool named by `poolHandle` (new) or updates it in
   * place (same identifier in that pool: a re-registration). Copies what it
   * keeps (`poolHandle` and `pe` may be views into a receive buffer).
   * Returns 0, or the RFC 5354 cause to reject with:
   * - 0x3 invalid values: empty or too long handle, identifier 0, no or too
   *   many addresses, bad address length, port 0, unknown policy type;
   * - 0x5 / 0x7 / 0x8 (RFC 5352 s3.1.1): policy type, transport protocol or
   *   data/control flag differ from the pool's (fixed by its first PE);
   * - 0x6 lack of resources: a configured maximum is reached.
   * On success lastRef, lastCreated and lastChanged describe what happened.
   * A re-registration through another association moves the PE to it.
   */
  register(poolHandle: Uint8Array, pe: PoolElement, meta: RegistrationMeta): number {
    this.lastRef = -1;
    this.lastCreated = false;
    this.lastChanged = false;
    const handleLength = poolHandle.length;
    if (handleLength === 0 || handleLength > this.maxPoolHandleLength_) return CAUSE_INVALID_VALUES;
    const id = pe.identifier >>> 0;
    if (id === 0) return CAUSE_INVALID_VALUES; // rsplib reserves identifier 0
    const userTransport = pe.userTransport;
    if (!this.validTransport_(userTransport)) return CAUSE_INVALID_VALUES;
    const asapTransport = pe.asapTransport;
    if (asapTransport !== null && !this.validTransport_(asapTransport)) return CAUSE_INVALID_VALUES;
    const policy = pe.policy;
    const control = userTransport.transportUse === TRANSPORT_USE_DATA_PLUS_CONTROL;

    const hash = hashBytes(poolHandle, 0, handleLength);
    const poolIndex = this.findPoolIndex_(poolHandle, hash);
    let pool: Pool | null = null;
    let module: PolicyModule | null = null;
    if (poolIndex >= 0) {
      pool = this.pools_[poolIndex] as Pool;
      // RFC 5352 s3.1.1: the pool's first PE fixed these (rsplib checks in this order).
      if (userTransport.type !== pool.protocol_) return CAUSE_INCONSISTENT_TRANSPORT;
      if (control !== pool.control_) return CAUSE_INCONSISTENT_DATA_CONTROL;
      if ((policy.type >>> 0) !== pool.policy_.type) return CAUSE_INCONSISTENT_POLICY;
      const slot = this.findSlot_(poolIndex, id);
      if (slot >= 0) return this.update_(pool, slot, pe, meta);
      if (pool.count_ >= this.maxPoolElementsPerPool_) return CAUSE_LACK_OF_RESOURCES;
      module = pool.policy_;
    } else {
      module = this.policyByType(policy.type >>> 0);
      if (module === null) return CAUSE_INVALID_VALUES;
      if (this.poolCount >= this.maxPools_) return CAUSE_LACK_OF_RESOURCES;
    }
    if (this.count >= this.maxPoolElements_) return CAUSE_LACK_OF_RESOURCES;
    const association = meta.association >>> 0;
    if (association !== 0 && this.associationSize(association) >= this.maxPoolElementsPerAssociation_) {
      return CAUSE_LACK_OF_RESOURCES;
    }

    if (pool === null) pool = this.createPool_(poolHandle, hash, module, userTransport.type, control);
    const slot = this.allocateSlot_();
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    rec[b + F_ID] = id;
    rec[b + F_POOL] = pool.index_;
    rec[b + F_FLAGS] = ((meta.home ? FLAG_HOME : 0) | ((meta.timerCode & 0xff) << 8));
    rec[b + F_STATE] = 0;
    rec[b + F_AUX] = 0;
    rec[b + F_DISTANCE] = meta.distance >>> 0;
    rec[b + F_HOME] = pe.homeRegistrarIdentifier >>> 0;
    rec[b + F_LIFE] = pe.registrationLife | 0;
    rec[b + F_COUNTS] = 0;
    this.storePolicy_(module, b, policy);
    this.storeTransport_(slot, false, userTransport);
    if (asapTransport !== null) this.storeTransport_(slot, true, asapTransport);

    // Index, association, owner, checksum, timer.
    const bucket = this.peHash_(pool.index_, id) & (this.peBuckets_.length - 1);
    rec[b + F_NEXT] = this.peBuckets_[bucket];
    this.peBuckets_[bucket] = slot;
    rec[b + F_ASSOCIATION] = 0;
    this.linkAssociation_(slot, association);
    const sum = peSum(pool.handleSum_, id);
    const owner = meta.owner >>> 0;
    rec[b + F_OWNER] = owner;
    this.addOwner_(owner, sum, 1);
    this.totalSum_ += sum;
    if (meta.deadline >= 0) this.deadlines_.set_(slot, meta.deadline);
    this.count++;
    if (this.count > this.peBuckets_.length) this.rehashElements_(this.peBuckets_.length * 2);

    // Selection structure.
    if (!module.randomized_) {
      if (pool.seq_ >= this.sequenceLimit_) pool.resequence_(this);
      this.u[b + F_SEQ] = pool.seq_++;
    }
    if (module.initialize_ !== null) module.initialize_(this, pool, slot);
    pool.attach_(this, slot);

    this.lastRef = slot;
    this.lastCreated = true;
    this.lastChanged = true;
    return 0;
  }

  private update_(pool: Pool, slot: number, pe: PoolElement, meta: RegistrationMeta): number {
    const rec = this.rec_;
    const u = this.u;
    const b = slot * RECORD_WORDS;
    const association = meta.association >>> 0;
    const previousAssociation = u[b + F_ASSOCIATION];
    if (association !== previousAssociation && association !== 0
      && this.associationSize(association) >= this.maxPoolElementsPerAssociation_) {
      return CAUSE_LACK_OF_RESOURCES;
    }
    const module = pool.policy_;
    const distance = meta.distance >>> 0;
    // Only DPF policies use (and carry) the distance: elsewhere it is kept quietly.
    if (!module.carriesDistance_) u[b + F_DISTANCE] = distance;
    const policyChanged = !this.policyEquals_(module, b, pe.policy, distance);
    // rsplib poolElementNodeUpdate: new values, or degradation to reset, re-sort the PE.
    const reposition = policyChanged || (module.dirty_ !== null && module.dirty_(this, slot));
    if (reposition) {
      if (pool.tree_ === null) pool.detach_(this, slot);
      if (policyChanged) {
        this.storePolicy_(module, b, pe.policy);
        u[b + F_DISTANCE] = distance;
      }
      if (module.reset_ !== null) module.reset_(this, slot);
      if (pool.tree_ !== null) pool.reweigh_(this, slot);
      else pool.attach_(this, slot);
    }

    let changed = policyChanged;
    const userTransport = pe.userTransport;
    if (!this.transportEquals_(slot, false, userTransport)) {
      this.freeTransport_(slot, false);
      this.storeTransport_(slot, false, userTransport);
      changed = true;
    }
    const asapTransport = pe.asapTransport;
    const hadAsap = (rec[b + F_FLAGS] & FLAG_ASAP) !== 0;
    if (asapTransport === null) {
      if (hadAsap) {
        this.freeTransport_(slot, true);
        changed = true;
      }
    } else if (!hadAsap || !this.transportEquals_(slot, true, asapTransport)) {
      if (hadAsap) this.freeTransport_(slot, true);
      this.storeTransport_(slot, true, asapTransport);
      changed = true;
    }
    const home = pe.homeRegistrarIdentifier >>> 0;
    const life = pe.registrationLife | 0;
    if (home !== u[b + F_HOME] || life !== rec[b + F_LIFE]) {
      rec[b + F_HOME] = home;
      rec[b + F_LIFE] = life;
      changed = true;
    }
    // Flags: keep the transport bits; home and timer code from meta; a PE
    // that re-registers is alive, so its unreachability reports start over.
    const flags = rec[b + F_FLAGS] & (FLAG_ASAP | FLAG_USER_INLINE | FLAG_ASAP_INLINE);
    rec[b + F_FLAGS] = flags | (meta.home ? FLAG_HOME : 0) | ((meta.timerCode & 0xff) << 8);
    if (association !== previousAssociation) {
      this.unlinkAssociation_(slot);
      this.linkAssociation_(slot, association);
    }
    const owner = meta.owner >>> 0;
    if (owner !== u[b + F_OWNER]) this.moveOwner_(slot, owner);
    if (meta.deadline >= 0) this.deadlines_.set_(slot, meta.deadline);
    else this.deadlines_.remove_(slot);

    this.lastRef = slot;
    this.lastCreated = false;
    this.lastChanged = changed;
    return 0;
  }

  /** Removes the PE (idempotent): true when it existed. */
  deregister(poolHandle: Uint8Array, identifier: number): boolean {
    const slot = this.lookup(poolHandle, identifier);
    if (slot < 0) return false;
    this.remove(slot);
    return true;
  }

  /** Removes the PE `ref` (must be valid). */
  remove(ref: number): void {
    const rec = this.rec_;
    const b = ref * RECORD_WORDS;
    const pool = this.pools_[rec[b + F_POOL]] as Pool;
    pool.detach_(this, ref);
    // Hash chain.
    const id = this.u[b + F_ID];
    const bucket = this.peHash_(pool.index_, id) & (this.peBuckets_.length - 1);
    let i = this.peBuckets_[bucket];
    if (i === ref) {
      this.peBuckets_[bucket] = rec[b + F_NEXT];
    } else {
      while (i >= 0) {
        const n = rec[i * RECORD_WORDS + F_NEXT];
        if (n === ref) {
          rec[i * RECORD_WORDS + F_NEXT] = rec[b + F_NEXT];
          break;
        }
        i = n;
      }
    }
    this.unlinkAssociation_(ref);
    const sum = peSum(pool.handleSum_, id);
    this.addOwner_(this.u[b + F_OWNER], -sum, -1);
    this.totalSum_ -= sum;
    this.deadlines_.remove_(ref);
    this.freeTransport_(ref, false);
    if ((rec[b + F_FLAGS] & FLAG_ASAP) !== 0) this.freeTransport_(ref, true);
    rec[b + F_FLAGS] = 0;
    rec[b + F_POOL] = -1;
    rec[b + F_NEXT] = this.freeSlot_;
    this.freeSlot_ = ref;
    this.count--;
    if (pool.count_ === 0) this.deletePool_(pool);
    if (this.peBuckets_.length > 64 && this.count * 8 < this.peBuckets_.length) {
      this.rehashElements_(this.peBuckets_.length >> 1);
    }
  }

  // ===========================================================================
  // Lookup and selection

  /** The ref of PE `identifier` in the pool, or -1. */
  lookup(poolHandle: Uint8Array, identifier: number): number {
    const poolIndex = this.lookupPool(poolHandle);
    return poolIndex < 0 ? -1 : this.findSlot_(poolIndex, identifier >>> 0);
  }

  /** The pool's ref, or -1 (pools exist while they have PEs). */
  lookupPool(poolHandle: Uint8Array): number {
    return this.findPoolIndex_(poolHandle, hashBytes(poolHandle, 0, poolHandle.length));
  }

  /**
   * Selects up to k PEs of the pool by its policy into out[0 ...] and returns
   * how many (0 when the pool does not exist; see lookupPool). The first
   * min(k, maxIncrement) selected are consumed (maxIncrement 0: the policy's
   * default). Allocates nothing. Expiry is explicit: call expire(now) first.
   */
  resolve(poolHandle: Uint8Array, k: number, out: RefArray, maxIncrement: number): number {
    const poolIndex = this.lookupPool(poolHandle);
    if (poolIndex < 0) return 0;
    return this.resolvePool(poolIndex, k, out, maxIncrement);
  }

  /** resolve() by pool ref. */
  resolvePool(poolRef: number, k: number, out: RefArray, maxIncrement: number): number {
    const pool = this.pools_[poolRef] as Pool;
    return pool.select_(this, this.random_, k, out, maxIncrement, this.sequenceLimit_);
  }

  /**
   * Counts an ENDPOINT_UNREACHABLE report for the PE (RFC 5352 s3.5); at
   * maxBadPeReports reports the PE is removed (visit runs first, with the PE
   * still readable). Returns UNREACHABLE_UNKNOWN, _COUNTED or _REMOVED.
   */
  reportUnreachable<T>(poolHandle: Uint8Array, identifier: number,
    visit: ((target: T, ref: number) => void) | null, target: T): number {
    const slot = this.lookup(poolHandle, identifier);
    if (slot < 0) return UNREACHABLE_UNKNOWN;
    const b = slot * RECORD_WORDS + F_FLAGS;
    const n = (this.u[b] >>> 16) + 1;
    if (n < this.maxBadPeReports_) {
      this.rec_[b] = (this.rec_[b] & 0xffff) | (n << 16);
      return UNREACHABLE_COUNTED;
    }
    if (visit !== null) visit(target, slot);
    this.remove(slot);
    return UNREACHABLE_REMOVED;
  }

  // ===========================================================================
  // Deadlines

  /** Sets the PE's timer: absolute deadline (ms; < 0 clears it) and the caller's code. */
  setTimer(ref: number, deadline: number, timerCode: number): void {
    const b = ref * RECORD_WORDS + F_FLAGS;
    this.rec_[b] = (this.rec_[b] & ~0xff00) | ((timerCode & 0xff) << 8);
    if (deadline >= 0) this.deadlines_.set_(ref, deadline);
    else this.deadlines_.remove_(ref);
  }

  /** The earliest PE deadline, or -1 when no PE has one. */
  nextDeadline(): number {
    return this.deadlines_.size_ > 0 ? this.deadlines_.topKey_() : -1;
  }

  /**
   * The PE with the earliest deadline if that deadline is <= now, else -1.
   * The caller must then set, clear or remove that PE's timer.
   */
  nextDue(now: number): number {
    const heap = this.deadlines_;
    return heap.size_ > 0 && heap.topKey_() <= now ? heap.top_() : -1;
  }

  /** Removes every PE whose deadline is <= now (visit runs before each removal); returns how many. */
  expire<T>(now: number, visit: ((target: T, ref: number) => void) | null, target: T): number {
    const heap = this.deadlines_;
    let n = 0;
    while (heap.size_ > 0 && heap.topKey_() <= now) {
      const top = heap.top_();
      if (visit !== null) visit(target, top);
      this.remove(top);
      n++;
    }
    return n;
  }

  // ===========================================================================
  // Associations and owners

  /** Removes every PE registered through the association (visit first); returns how many. */
  removeAssociation<T>(association: number, visit: ((target: T, ref: number) => void) | null, target: T): number {
    association = association >>> 0;
    if (association === 0) return 0;
    let n = 0;
    for (;;) {
      const entry = this.associations_.get_(association);
      if (entry < 0) return n;
      const slot = this.associationHead_[entry];
      if (visit !== null) visit(target, slot);
      this.remove(slot);
      n++;
    }
  }

  /** PEs registered through the association. */
  associationSize(association: number): number {
    const entry = this.associations_.get_(association >>> 0);
    return entry < 0 ? 0 : this.associationCount_[entry];
  }

  /**
   * Visits every PE the registrar owns, in slot order (O(capacity)); the
   * visitor may remove the visited PE. Returns how many were visited.
   */
  forEachOwned<T>(owner: number, visit: (target: T, ref: number) => void, target: T): number {
    owner = owner >>> 0;
    let n = 0;
    const used = this.used_;
    for (let slot = 0; slot < used; slot++) {
      const b = slot * RECORD_WORDS;
      if (this.rec_[b + F_POOL] >= 0 && this.u[b + F_OWNER] === owner) {
        visit(target, slot);
        n++;
      }
    }
    return n;
  }

  /** Removes every PE the registrar owns (visit first); returns how many. */
  removeOwned<T>(owner: number, visit: ((target: T, ref: number) => void) | null, target: T): number {
    owner = owner >>> 0;
    let n = 0;
    const used = this.used_;
    for (let slot = 0; slot < used; slot++) {
      const b = slot * RECORD_WORDS;
      if (this.rec_[b + F_POOL] >= 0 && this.u[b + F_OWNER] === owner) {
        if (visit !== null) visit(target, slot);
        this.remove(slot);
        n++;
      }
    }
    return n;
  }

  /** PEs the registrar owns. */
  ownedCount(owner: number): number {
    const entry = this.owners_.get_(owner >>> 0);
    return entry < 0 ? 0 : this.ownerCount_[entry];
  }

  /** Changes the PE's owner (ENRP takeover) and home flag, moving its checksum. */
  setOwner(ref: number, owner: number, home: boolean): void {
    owner = owner >>> 0;
    const b = ref * RECORD_WORDS;
    if (owner !== this.u[b + F_OWNER]) this.moveOwner_(ref, owner);
    const flags = this.rec_[b + F_FLAGS];
    this.rec_[b + F_FLAGS] = home ? flags | FLAG_HOME : flags & ~FLAG_HOME;
  }

  // ===========================================================================
  // Checksums (RFC 5353 s3.1; checksum.ts)

  /** The 16-bit PE checksum over all PEs. */
  checksum(): number {
    return finishChecksum(this.totalSum_);
  }

  /** The 16-bit PE checksum over the PEs the registrar owns (ENRP_PRESENCE). */
  ownerChecksum(owner: number): number {
    const entry = this.owners_.get_(owner >>> 0);
    return finishChecksum(entry < 0 ? 0 : this.ownerSum_[entry]);
  }

  /** The PE's own folded (uncomplemented) checksum sum. */
  elementSum(ref: number): number {
    const b = ref * RECORD_WORDS;
    return peSum((this.pools_[this.rec_[b + F_POOL]] as Pool).handleSum_, this.u[b + F_ID]);
  }

  // ===========================================================================
  // Iteration

  /**
   * Visits up to maxElements PEs (<= 0: no limit) after the cursor, in
   * handle then identifier order, optionally only those `owner` owns
   * (owner < 0: all; ENRP W flag). The visitor returns false to refuse a PE
   * (page full): the walk stops before it. Returns how many PEs were taken;
   * cursor.done is set once the end is reached. The visitor must not modify
   * the handlespace.
   */
  nextPage<T>(cursor: TableCursor, owner: number, maxElements: number,
    visit: (target: T, ref: number) => boolean, target: T): number {
    if (cursor.done) return 0;
    this.sortPools_();
    const sorted = this.sortedPools_;
    const n = this.sortedPoolCount_;
    const u = this.u;
    let i = 0;
    if (cursor.handleLength_ >= 0) {
      // First pool whose handle is >= the cursor's.
      let a = 0;
      let b = n;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (this.compareStoredHandle_(sorted[mid], cursor.handle_, cursor.handleLength_) < 0) a = mid + 1;
        else b = mid;
      }
      i = a;
    }
    let taken = 0;
    for (; i < n; i++) {
      const pool = this.pools_[sorted[i]] as Pool;
      const same = cursor.handleLength_ >= 0
        && this.compareStoredHandle_(pool.index_, cursor.handle_, cursor.handleLength_) === 0;
      const after = same ? cursor.identifier_ : -1;
      // Members with identifier > after, sorted by identifier.
      let keys = this.pageKeys_;
      if (keys.length < pool.count_) keys = this.pageKeys_ = new Float64Array(powerOfTwoAtLeast(pool.count_));
      let m = 0;
      const order = pool.order_;
      for (let j = pool.lo_; j < pool.hi_; j++) {
        const b = order[j] * RECORD_WORDS;
        const id = u[b + F_ID];
        if (id > after && (owner < 0 || u[b + F_OWNER] === owner)) keys[m++] = id * PAGE_INDEX_SCALE + (j - pool.lo_);
      }
      sortNumbers(keys, m);
      let last = after;
      for (let j = 0; j < m; j++) {
        const index = keys[j] % PAGE_INDEX_SCALE;
        const slot = order[pool.lo_ + index];
        if ((maxElements > 0 && taken >= maxElements) || !visit(target, slot)) {
          this.setCursor_(cursor, pool.index_, last);
          return taken;
        }
        taken++;
        last = u[slot * RECORD_WORDS + F_ID];
      }
      this.setCursor_(cursor, pool.index_, IDENTIFIER_DONE);
    }
    cursor.done = true;
    return taken;
  }

  /** Visits the pool's PEs in selection order (sorting order; randomized: storage order). */
  forEachInPool<T>(poolRef: number, visit: (target: T, ref: number) => void, target: T): void {
    const pool = this.pools_[poolRef] as Pool;
    for (let i = pool.lo_; i < pool.hi_; i++) visit(target, pool.order_[i]);
  }

  /** Visits every pool ref (in storage order). */
  forEachPool<T>(visit: (target: T, poolRef: number) => void, target: T): void {
    const pools = this.pools_;
    for (let i = 0; i < pools.length; i++) if (pools[i] !== null) visit(target, i);
  }

  // ===========================================================================
  // Reading a PE

  /** Fills the reusable record from the PE without allocating (once its buffers exist). */
  readPoolElement(ref: number, record: PoolElementRecord): void {
    const b = ref * RECORD_WORDS;
    const element = record.element;
    element.identifier = this.u[b + F_ID];
    element.homeRegistrarIdentifier = this.u[b + F_HOME];
    element.registrationLife = this.rec_[b + F_LIFE];
    this.readTransport_(ref, false, element.userTransport, record.userBuffers_);
    this.readPolicy(ref, element.policy);
    if ((this.rec_[b + F_FLAGS] & FLAG_ASAP) !== 0) {
      this.readTransport_(ref, true, record.asap_, record.asapBuffers_);
      element.asapTransport = record.asap_;
    } else {
      element.asapTransport = null;
    }
  }

  /** Fills a Policy record with the PE's policy as registered (plus distance for DPF types). */
  readPolicy(ref: number, policy: Policy): void {
    const b = ref * RECORD_WORDS;
    const module = (this.pools_[this.rec_[b + F_POOL]] as Pool).policy_;
    policy.type = module.type;
    policy.weight = 0;
    policy.priority = 0;
    policy.load = 0;
    policy.loadDegradation = 0;
    policy.loadDpf = 0;
    policy.weightDpf = 0;
    policy.distance = module.carriesDistance_ ? this.u[b + F_DISTANCE] : 0;
    const fields = module.fields_;
    if (fields.length > 0) policy[fields[0]] = this.u[b + F_PA];
    if (fields.length > 1) policy[fields[1]] = this.u[b + F_PB];
    if (fields.length > 2) policy[fields[2]] = this.u[b + F_PC];
  }

  /** The PE's user transport into a Transport record (addresses into `buffers`). */
  readUserTransport(ref: number, transport: Transport, buffers: AddressBuffers): void {
    this.readTransport_(ref, false, transport, buffers);
  }

  /** The PE's ASAP transport into a Transport record; false (record untouched) when it has none. */
  readAsapTransport(ref: number, transport: Transport, buffers: AddressBuffers): boolean {
    if ((this.rec_[ref * RECORD_WORDS + F_FLAGS] & FLAG_ASAP) === 0) return false;
    this.readTransport_(ref, true, transport, buffers);
    return true;
  }

  getIdentifier(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_ID];
  }

  /** The PE's pool ref. */
  getPool(ref: number): number {
    return this.rec_[ref * RECORD_WORDS + F_POOL];
  }

  /** The PE's pool handle (see poolHandle). */
  getPoolHandle(ref: number): Uint8Array {
    return this.poolHandle(this.rec_[ref * RECORD_WORDS + F_POOL]);
  }

  getHomeRegistrar(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_HOME];
  }

  getOwner(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_OWNER];
  }

  isHome(ref: number): boolean {
    return (this.rec_[ref * RECORD_WORDS + F_FLAGS] & FLAG_HOME) !== 0;
  }

  getAssociation(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_ASSOCIATION];
  }

  getRegistrationLife(ref: number): number {
    return this.rec_[ref * RECORD_WORDS + F_LIFE];
  }

  getDistance(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_DISTANCE];
  }

  /** The PE's deadline, or -1. */
  getDeadline(ref: number): number {
    return this.deadlines_.deadline_(ref);
  }

  getTimerCode(ref: number): number {
    return (this.rec_[ref * RECORD_WORDS + F_FLAGS] >> 8) & 0xff;
  }

  getUnreachableReports(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_FLAGS] >>> 16;
  }

  /** Policy state: accumulated degradation (the *Degradation policies) or WRR round. */
  getPolicyState(ref: number): number {
    return this.u[ref * RECORD_WORDS + F_STATE];
  }

  /** True when ref names a live PE. */
  isValid(ref: number): boolean {
    return ref >= 0 && ref < this.used_ && this.rec_[ref * RECORD_WORDS + F_POOL] >= 0;
  }

  // ---- pools

  /**
   * The pool's handle: a copy made on the first request and kept with the
   * pool (do not modify it). Allocates once per pool, never again.
   */
  poolHandle(poolRef: number): Uint8Array {
    const pool = this.pools_[poolRef] as Pool;
    let copy = pool.handleCopy_;
    if (copy === null) {
      const b = poolRef * POOL_WORDS;
      const offset = this.poolTable_[b + 2];
      copy = new Uint8Array(this.poolTable_[b + 3]);
      for (let i = 0; i < copy.length; i++) copy[i] = this.poolHandles_.bytes_[offset + i];
      pool.handleCopy_ = copy;
    }
    return copy;
  }

  poolPolicyType(poolRef: number): number {
    return (this.pools_[poolRef] as Pool).policy_.type;
  }

  /** The transport parameter type the pool's first PE fixed. */
  poolProtocol(poolRef: number): number {
    return (this.pools_[poolRef] as Pool).protocol_;
  }

  /** The data/control flag the pool's first PE fixed. */
  poolControl(poolRef: number): boolean {
    return (this.pools_[poolRef] as Pool).control_;
  }

  poolSize(poolRef: number): number {
    return (this.pools_[poolRef] as Pool).count_;
  }

  /** The policy module registered for a wire policy type, or null. */
  policyByType(type: number): PolicyModule | null {
    const policies = this.policies_;
    for (let i = 0; i < policies.length; i++) if (policies[i].type === type) return policies[i];
    return null;
  }

  // ===========================================================================
  // Internals

  private validTransport_(t: Transport): boolean {
    if (t.type < PARAM_DCCP_TRANSPORT || t.type > PARAM_UDP_LITE_TRANSPORT) return false;
    if (t.port < 1 || t.port > 65535) return false;
    if (t.transportUse !== 0 && t.transportUse !== TRANSPORT_USE_DATA_PLUS_CONTROL) return false;
    const addresses = t.addresses;
    const n = addresses.length;
    if (n < 1 || n > this.maxAddresses_) return false;
    for (let i = 0; i < n; i++) {
      const length = addresses[i].length;
      if (length !== 4 && length !== 16) return false;
    }
    return true;
  }

  private peHash_(poolIndex: number, id: number): number {
    return mix32(id ^ ((poolIndex * 0x9e3779b1) | 0));
  }

  private findSlot_(poolIndex: number, id: number): number {
    let i = this.peBuckets_[this.peHash_(poolIndex, id) & (this.peBuckets_.length - 1)];
    const u = this.u;
    const rec = this.rec_;
    while (i >= 0) {
      const b = i * RECORD_WORDS;
      if (u[b + F_ID] === id && rec[b + F_POOL] === poolIndex) return i;
      i = rec[b + F_NEXT];
    }
    return -1;
  }

  private findPoolIndex_(handle: Uint8Array, hash: number): number {
    let i = this.poolBuckets_[hash & (this.poolBuckets_.length - 1)];
    const table = this.poolTable_;
    const length = handle.length;
    while (i >= 0) {
      const b = i * POOL_WORDS;
      if (table[b] === hash && table[b + 3] === length) {
        const bytes = this.poolHandles_.bytes_;
        const offset = table[b + 2];
        let j = 0;
        while (j < length && bytes[offset + j] === handle[j]) j++;
        if (j === length) return i;
      }
      i = table[b + 1];
    }
    return -1;
  }

  private createPool_(handle: Uint8Array, hash: number, module: PolicyModule, protocol: number,
    control: boolean): Pool {
    let index: number;
    if (this.freePools_.length > 0) {
      index = this.freePools_.pop() as number;
    } else {
      index = this.pools_.length;
      this.pools_.push(null);
      if ((index + 1) * POOL_WORDS > this.poolTable_.length) {
        const table = new Int32Array(this.poolTable_.length * 2);
        table.set(this.poolTable_);
        this.poolTable_ = table;
      }
    }
    const length = handle.length;
    const offset = this.poolHandles_.allocate_(length);
    const bytes = this.poolHandles_.bytes_;
    for (let i = 0; i < length; i++) bytes[offset + i] = handle[i];
    const b = index * POOL_WORDS;
    this.poolTable_[b] = hash;
    this.poolTable_[b + 2] = offset;
    this.poolTable_[b + 3] = length;
    const pool = new Pool(index, sumBytes(handle, 0, length), module, protocol, control);
    this.pools_[index] = pool;
    this.poolCount++;
    this.poolGeneration_++;
    if (this.poolCount > this.poolBuckets_.length) this.rehashPools_(this.poolBuckets_.length * 2);
    else this.linkPool_(index);
    return pool;
  }

  private deletePool_(pool: Pool): void {
    const table = this.poolTable_;
    const index = pool.index_;
    const b = index * POOL_WORDS;
    const bucket = table[b] & (this.poolBuckets_.length - 1);
    let i = this.poolBuckets_[bucket];
    if (i === index) {
      this.poolBuckets_[bucket] = table[b + 1];
    } else {
      while (i >= 0) {
        const n = table[i * POOL_WORDS + 1];
        if (n === index) {
          table[i * POOL_WORDS + 1] = table[b + 1];
          break;
        }
        i = n;
      }
    }
    this.poolHandles_.free_(table[b + 2], table[b + 3]);
    table[b + 3] = -1;
    this.pools_[index] = null;
    this.freePools_.push(index);
    this.poolCount--;
    this.poolGeneration_++;
    if (this.poolBuckets_.length > 16 && this.poolCount * 8 < this.poolBuckets_.length) {
      this.rehashPools_(this.poolBuckets_.length >> 1);
    }
  }

  private linkPool_(index: number): void {
    const b = index * POOL_WORDS;
    const bucket = this.poolTable_[b] & (this.poolBuckets_.length - 1);
    this.poolTable_[b + 1] = this.poolBuckets_[bucket];
    this.poolBuckets_[bucket] = index;
  }

  private rehashPools_(size: number): void {
    this.poolBuckets_ = new Int32Array(size);
    this.poolBuckets_.fill(-1);
    const pools = this.pools_;
    for (let i = 0; i < pools.length; i++) if (pools[i] !== null) this.linkPool_(i);
  }

  private rehashElements_(size: number): void {
    const buckets = new Int32Array(size);
    buckets.fill(-1);
    const mask = size - 1;
    const rec = this.rec_;
    for (let slot = 0; slot < this.used_; slot++) {
      const b = slot * RECORD_WORDS;
      const poolIndex = rec[b + F_POOL];
      if (poolIndex < 0) continue;
      const bucket = this.peHash_(poolIndex, this.u[b + F_ID]) & mask;
      rec[b + F_NEXT] = buckets[bucket];
      buckets[bucket] = slot;
    }
    this.peBuckets_ = buckets;
  }

  private allocateSlot_(): number {
    const free = this.freeSlot_;
    if (free >= 0) {
      this.freeSlot_ = this.rec_[free * RECORD_WORDS + F_NEXT];
      return free;
    }
    if (this.used_ === this.capacity_) {
      const c = this.capacity_;
      // Double while small, then grow by a quarter to bound the slack of big tables.
      this.resize_(c < 65536 ? c * 2 : c + (c >> 2));
    }
    return this.used_++;
  }

  private resize_(capacity: number): void {
    const rec = new Int32Array(capacity * RECORD_WORDS);
    rec.set(this.rec_);
    this.rec_ = rec;
    this.u = new Uint32Array(rec.buffer);
    this.f = new Float64Array(rec.buffer);
    this.capacity_ = capacity;
    this.deadlines_.resize_(capacity);
  }

  private storePolicy_(module: PolicyModule, b: number, policy: Policy): void {
    const fields = module.fields_;
    const u = this.u;
    u[b + F_PA] = fields.length > 0 ? policy[fields[0]] >>> 0 : 0;
    u[b + F_PB] = fields.length > 1 ? policy[fields[1]] >>> 0 : 0;
    u[b + F_PC] = fields.length > 2 ? policy[fields[2]] >>> 0 : 0;
  }

  private policyEquals_(module: PolicyModule, b: number, policy: Policy, distance: number): boolean {
    const fields = module.fields_;
    const u = this.u;
    if (fields.length > 0 && u[b + F_PA] !== policy[fields[0]] >>> 0) return false;
    if (fields.length > 1 && u[b + F_PB] !== policy[fields[1]] >>> 0) return false;
    if (fields.length > 2 && u[b + F_PC] !== policy[fields[2]] >>> 0) return false;
    return u[b + F_DISTANCE] === distance;
  }

  // ---- transports
  //
  // A transport is F_USER (or F_ASAP): type | use << 8 | port << 16, an
  // address count in F_COUNTS, and F_USER_ADDRESSES (F_ASAP_ADDRESSES):
  // either one IPv4 address itself (FLAG_*_INLINE), or the offset of an
  // arena block holding [DCCP service code (4 bytes)] then per address its
  // length byte and its bytes.

  private storeTransport_(slot: number, asap: boolean, t: Transport): void {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    // The ASAP words have the user words' layout: head at o, addresses at o + 1.
    const o = b + (asap ? F_ASAP : F_USER);
    const shift = asap ? 8 : 0;
    const addresses = t.addresses;
    const n = addresses.length;
    rec[o] = (t.type & 0xff) | ((t.transportUse & 0xff) << 8) | (t.port << 16);
    rec[b + F_COUNTS] = (rec[b + F_COUNTS] & ~(0xff << shift)) | (n << shift);
    const inlineFlag = asap ? FLAG_ASAP_INLINE : FLAG_USER_INLINE;
    let flags = rec[b + F_FLAGS] & ~inlineFlag;
    if (asap) flags |= FLAG_ASAP;
    if (n === 1 && addresses[0].length === 4 && t.type !== PARAM_DCCP_TRANSPORT) {
      const a = addresses[0];
      rec[o + 1] = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
      rec[b + F_FLAGS] = flags | inlineFlag;
      return;
    }
    rec[b + F_FLAGS] = flags;
    let size = t.type === PARAM_DCCP_TRANSPORT ? 4 : 0;
    for (let i = 0; i < n; i++) size += 1 + addresses[i].length;
    const offset = this.arena_.allocate_(size);
    rec[o + 1] = offset;
    const bytes = this.arena_.bytes_;
    let p = offset;
    if (t.type === PARAM_DCCP_TRANSPORT) {
      const code = t.serviceCode >>> 0;
      bytes[p] = code >>> 24;
      bytes[p + 1] = (code >>> 16) & 0xff;
      bytes[p + 2] = (code >>> 8) & 0xff;
      bytes[p + 3] = code & 0xff;
      p += 4;
    }
    for (let i = 0; i < n; i++) {
      const a = addresses[i];
      const length = a.length;
      bytes[p++] = length;
      for (let j = 0; j < length; j++) bytes[p + j] = a[j];
      p += length;
    }
  }

  /** Releases a transport's arena block (if any) and clears its ASAP flag. */
  private freeTransport_(slot: number, asap: boolean): void {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    const o = b + (asap ? F_ASAP : F_USER);
    const flags = rec[b + F_FLAGS];
    if ((flags & (asap ? FLAG_ASAP_INLINE : FLAG_USER_INLINE)) === 0) {
      const offset = rec[o + 1];
      const n = (rec[b + F_COUNTS] >> (asap ? 8 : 0)) & 0xff;
      const bytes = this.arena_.bytes_;
      let p = offset;
      if ((rec[o] & 0xff) === PARAM_DCCP_TRANSPORT) p += 4;
      for (let i = 0; i < n; i++) p += 1 + bytes[p];
      this.arena_.free_(offset, p - offset);
    }
    if (asap) {
      rec[b + F_FLAGS] = flags & ~(FLAG_ASAP | FLAG_ASAP_INLINE);
      rec[b + F_COUNTS] = rec[b + F_COUNTS] & 0xff;
    }
  }

  private transportEquals_(slot: number, asap: boolean, t: Transport): boolean {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    const o = b + (asap ? F_ASAP : F_USER);
    const head = (t.type & 0xff) | ((t.transportUse & 0xff) << 8) | (t.port << 16);
    if (rec[o] !== head) return false;
    const addresses = t.addresses;
    const n = addresses.length;
    if (((rec[b + F_COUNTS] >> (asap ? 8 : 0)) & 0xff) !== n) return false;
    const word = rec[o + 1];
    if ((rec[b + F_FLAGS] & (asap ? FLAG_ASAP_INLINE : FLAG_USER_INLINE)) !== 0) {
      const a = addresses[0];
      return a.length === 4 && ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) === word;
    }
    const bytes = this.arena_.bytes_;
    let p = word;
    if (t.type === PARAM_DCCP_TRANSPORT) {
      const code = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
      if (code !== t.serviceCode >>> 0) return false;
      p += 4;
    }
    for (let i = 0; i < n; i++) {
      const a = addresses[i];
      const length = a.length;
      if (bytes[p++] !== length) return false;
      for (let j = 0; j < length; j++) if (bytes[p + j] !== a[j]) return false;
      p += length;
    }
    return true;
  }

  private readTransport_(slot: number, asap: boolean, t: Transport, buffers: AddressBuffers): void {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    const o = b + (asap ? F_ASAP : F_USER);
    const head = rec[o];
    const type = head & 0xff;
    t.type = type;
    t.transportUse = (head >> 8) & 0xff;
    t.port = head >>> 16;
    const n = (rec[b + F_COUNTS] >> (asap ? 8 : 0)) & 0xff;
    const addresses = t.addresses;
    if (addresses.length !== n) addresses.length = n;
    const word = rec[o + 1];
    if ((rec[b + F_FLAGS] & (asap ? FLAG_ASAP_INLINE : FLAG_USER_INLINE)) !== 0) {
      t.serviceCode = 0;
      const view = addressBuffer(buffers, 0, 4);
      view[0] = word >>> 24;
      view[1] = (word >>> 16) & 0xff;
      view[2] = (word >>> 8) & 0xff;
      view[3] = word & 0xff;
      addresses[0] = view;
      return;
    }
    const bytes = this.arena_.bytes_;
    let p = word;
    if (type === PARAM_DCCP_TRANSPORT) {
      t.serviceCode = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
      p += 4;
    } else {
      t.serviceCode = 0;
    }
    for (let i = 0; i < n; i++) {
      const length = bytes[p++];
      const view = addressBuffer(buffers, i, length);
      for (let j = 0; j < length; j++) view[j] = bytes[p + j];
      addresses[i] = view;
      p += length;
    }
  }

  // ---- associations and owners

  private linkAssociation_(slot: number, association: number): void {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    rec[b + F_ASSOCIATION] = association;
    rec[b + F_ASSOCIATION_NEXT] = -1;
    rec[b + F_ASSOCIATION_PREVIOUS] = -1;
    if (association === 0) return;
    let entry = this.associations_.get_(association);
    if (entry < 0) {
      if (this.freeAssociations_.length > 0) {
        entry = this.freeAssociations_.pop() as number;
      } else {
        entry = this.associationHead_.length;
        this.associationHead_.push(-1);
        this.associationCount_.push(0);
      }
      this.associationHead_[entry] = -1;
      this.associationCount_[entry] = 0;
      this.associations_.set_(association, entry);
    }
    const head = this.associationHead_[entry];
    rec[b + F_ASSOCIATION_NEXT] = head;
    if (head >= 0) rec[head * RECORD_WORDS + F_ASSOCIATION_PREVIOUS] = slot;
    this.associationHead_[entry] = slot;
    this.associationCount_[entry]++;
  }

  private unlinkAssociation_(slot: number): void {
    const rec = this.rec_;
    const b = slot * RECORD_WORDS;
    const association = this.u[b + F_ASSOCIATION];
    if (association === 0) return;
    const entry = this.associations_.get_(association);
    const next = rec[b + F_ASSOCIATION_NEXT];
    const previous = rec[b + F_ASSOCIATION_PREVIOUS];
    if (previous >= 0) rec[previous * RECORD_WORDS + F_ASSOCIATION_NEXT] = next;
    else this.associationHead_[entry] = next;
    if (next >= 0) rec[next * RECORD_WORDS + F_ASSOCIATION_PREVIOUS] = previous;
    rec[b + F_ASSOCIATION] = 0;
    if (--this.associationCount_[entry] === 0) {
      this.associations_.remove_(association);
      this.freeAssociations_.push(entry);
    }
  }

  /** Adds `sum` and `delta` PEs to the owner's totals (entries exist while count > 0). */
  private addOwner_(owner: number, sum: number, delta: number): void {
    let entry = this.cachedOwnerEntry_ >= 0 && this.cachedOwner_ === owner ? this.cachedOwnerEntry_ : this.owners_.get_(owner);
    if (entry < 0) {
      if (this.freeOwners_.length > 0) {
        entry = this.freeOwners_.pop() as number;
      } else {
        entry = this.ownerCount_.length;
        this.ownerCount_.push(0);
        this.ownerSum_.push(0);
      }
      this.ownerCount_[entry] = 0;
      this.ownerSum_[entry] = 0;
      this.owners_.set_(owner, entry);
    }
    this.ownerSum_[entry] += sum;
    this.ownerCount_[entry] += delta;
    if (this.ownerCount_[entry] === 0) {
      this.owners_.remove_(owner);
      this.freeOwners_.push(entry);
      this.cachedOwnerEntry_ = -1;
    } else {
      this.cachedOwner_ = owner;
      this.cachedOwnerEntry_ = entry;
    }
  }

  private moveOwner_(slot: number, owner: number): void {
    const sum = this.elementSum(slot);
    const b = slot * RECORD_WORDS;
    this.addOwner_(this.u[b + F_OWNER], -sum, -1);
    this.u[b + F_OWNER] = owner;
    this.addOwner_(owner, sum, 1);
  }

  /** Bytewise order (a proper prefix first) of pool `index`'s handle against `length` bytes of `other`. */
  private compareStoredHandle_(index: number, other: Uint8Array, length: number): number {
    const b = index * POOL_WORDS;
    return compareBytes(this.poolHandles_.bytes_, this.poolTable_[b + 2], this.poolTable_[b + 3], other, 0, length);
  }

  /** Bytewise order of two pools' handles. */
  private comparePools_(x: number, y: number): number {
    const table = this.poolTable_;
    const bytes = this.poolHandles_.bytes_;
    return compareBytes(bytes, table[x * POOL_WORDS + 2], table[x * POOL_WORDS + 3],
      bytes, table[y * POOL_WORDS + 2], table[y * POOL_WORDS + 3]);
  }

  /** Puts the cursor after `identifier` in pool `index`. */
  private setCursor_(cursor: TableCursor, index: number, identifier: number): void {
    const b = index * POOL_WORDS;
    const offset = this.poolTable_[b + 2];
    const length = this.poolTable_[b + 3];
    const bytes = this.poolHandles_.bytes_;
    for (let i = 0; i < length; i++) cursor.handle_[i] = bytes[offset + i];
    cursor.handleLength_ = length;
    cursor.identifier_ = identifier;
  }

  /** Rebuilds the handle-sorted pool list used by nextPage when pools came or went. */
  private sortPools_(): void {
    if (this.sortedGeneration_ === this.poolGeneration_) return;
    if (this.sortedPools_.length < this.poolCount) this.sortedPools_ = new Int32Array(powerOfTwoAtLeast(this.poolCount));
    const sorted = this.sortedPools_;
    let n = 0;
    const pools = this.pools_;
    for (let i = 0; i < pools.length; i++) if (pools[i] !== null) sorted[n++] = i;
    this.sortedPoolCount_ = n;
    // Heap sort by handle (no recursion, no allocation).
    for (let start = (n >> 1) - 1; start >= 0; start--) this.siftPools_(start, n);
    for (let end = n - 1; end > 0; end--) {
      const t = sorted[0];
      sorted[0] = sorted[end];
      sorted[end] = t;
      this.siftPools_(0, end);
    }
    this.sortedGeneration_ = this.poolGeneration_;
  }

  private siftPools_(i: number, n: number): void {
    const sorted = this.sortedPools_;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) return;
      if (child + 1 < n && this.comparePools_(sorted[child], sorted[child + 1]) < 0) child++;
      if (this.comparePools_(sorted[i], sorted[child]) >= 0) return;
      const t = sorted[i];
      sorted[i] = sorted[child];
      sorted[child] = t;
      i = child;
    }
  }
}

/** Bytewise order of a[ao, ao + al) and b[bo, bo + bl) (a proper prefix first). */
function compareBytes(a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number): number {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return al - bl;
}

/** In-place heap sort of keys[0 .. n-1] (ascending). */
function sortNumbers(keys: Float64Array, n: number): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftNumbers(keys, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = keys[0];
    keys[0] = keys[end];
    keys[end] = t;
    siftNumbers(keys, 0, end);
  }
}

function siftNumbers(keys: Float64Array, i: number, n: number): void {
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) return;
    if (child + 1 < n && keys[child + 1] > keys[child]) child++;
    if (keys[i] >= keys[child]) return;
    const t = keys[i];
    keys[i] = keys[child];
    keys[child] = t;
    i = child;
  }
}

function clamp(v: number, min: number, max: number): number {
  if (!(v >= min)) return min;
  return v > max ? max : Math.floor(v);
}
