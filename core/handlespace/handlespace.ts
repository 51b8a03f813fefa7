// The handlespace: pools of pool elements, their selection policies, PE
// checksums and deadlines. The same code is the registrar's handlespace
// (handle resolution, ENRP) and the pool user's cache (selection at the PU).
// It shares nothing with the outside world: time, randomness and bytes come
// in as arguments, and it allocates nothing per resolution.
//
// Storage. A PE is a slot: an index into struct-of-arrays columns (typed
// arrays grown together). A PE reference ("ref") is its slot number; it
// stays valid until that PE is removed (slots are reused after that).
// Transport addresses live in one byte arena; pools are small objects with
// a sorted Int32Array of slots (or a Fenwick tree for randomized policies).
// Every index is a typed-array hash table (table.ts): no Map, so Espruino
// runs it too.
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
  handle: Uint8Array;
  /** -1: before the first pool. */
  handleLength: number;
  /** Last identifier visited in that pool; -1: none; 2^32: the pool is done. */
  identifier: number;
  done: boolean;
}

export function newTableCursor(): TableCursor {
  return { handle: new Uint8Array(255), handleLength: -1, identifier: -1, done: false };
}

/** Rewinds a cursor to the start of the handlespace. */
export function resetTableCursor(cursor: TableCursor): void {
  cursor.handleLength = -1;
  cursor.identifier = -1;
  cursor.done = false;
}

/** reportUnreachable results. */
export const UNREACHABLE_UNKNOWN = -1;
export const UNREACHABLE_COUNTED = 0;
export const UNREACHABLE_REMOVED = 1;

const FLAG_HOME = 1;
const FLAG_ASAP = 2;
const IDENTIFIER_DONE = 4294967296;
const PAGE_INDEX_SCALE = 1048576; // 2^20 PEs per pool at most (paging keys)

/** One transport's columns (user transport, ASAP transport). */
class TransportColumns {
  type: Uint8Array;
  use: Uint8Array;
  port: Uint16Array;
  offset: Int32Array;
  count: Uint8Array;

  constructor(capacity: number) {
    this.type = new Uint8Array(capacity);
    this.use = new Uint8Array(capacity);
    this.port = new Uint16Array(capacity);
    this.offset = new Int32Array(capacity);
    this.count = new Uint8Array(capacity);
  }

  resize(capacity: number): void {
    this.type = growU8(this.type, capacity);
    this.use = growU8(this.use, capacity);
    this.port = growU16(this.port, capacity);
    this.offset = growI32(this.offset, capacity);
    this.count = growU8(this.count, capacity);
  }
}

export function createHandlespace(config: HandlespaceConfig): Handlespace {
  return new Handlespace(config);
}

export class Handlespace implements SlotStore {
  // ---- configuration
  maxPoolHandleLength: number;
  maxPools: number;
  maxPoolElements: number;
  maxPoolElementsPerPool: number;
  maxPoolElementsPerAssociation: number;
  maxAddresses: number;
  maxBadPeReports: number;
  random: RandomSource;
  policies: PolicyModule[];
  sequenceLimit: number;

  // ---- results of the last register()
  /** Ref of the PE the last successful register() created or updated, else -1. */
  lastRef: number;
  /** The last successful register() created the PE (false: updated it). */
  lastCreated: boolean;
  /** The last successful register() changed a value a peer would see (policy, transports, life, home). */
  lastChanged: boolean;

  // ---- PE columns (struct of arrays)
  capacity: number;
  used: number;
  freeSlot: number;
  count: number;
  identifier: Uint32Array;
  poolOf: Int32Array;
  homeRegistrar: Uint32Array;
  ownerOf: Uint32Array;
  life: Int32Array;
  associationOf: Uint32Array;
  flags: Uint8Array;
  timer: Uint8Array;
  reports: Uint16Array;
  pa: Uint32Array;
  pb: Uint32Array;
  pc: Uint32Array;
  distance: Uint32Array;
  state: Uint32Array;
  aux: Uint32Array;
  seq: Uint32Array;
  next: Int32Array;
  associationNext: Int32Array;
  associationPrevious: Int32Array;
  user: TransportColumns;
  asap: TransportColumns;
  arena: ByteArena;
  deadlines: DeadlineHeap;
  peBuckets: Int32Array;

  // ---- pools
  pools: (Pool | null)[];
  freePools: number[];
  poolCount: number;
  poolBuckets: Int32Array;
  poolGeneration: number;

  // ---- associations and owners
  associations: U32Table;
  associationHead: number[];
  associationCount: number[];
  freeAssociations: number[];
  owners: U32Table;
  ownerCount: number[];
  ownerSum: number[];
  freeOwners: number[];

  /** Exact sum of all PE sums (checksum.ts). */
  totalSum: number;

  // ---- paging scratch
  sortedPools: Int32Array;
  sortedPoolCount: number;
  sortedGeneration: number;
  pageKeys: Float64Array;

  constructor(config: HandlespaceConfig) {
    this.maxPoolHandleLength = clamp(config.maxPoolHandleLength, 1, 255);
    this.maxPools = clamp(config.maxPools, 1, 1073741824);
    this.maxPoolElements = clamp(config.maxPoolElements, 1, 1073741824);
    this.maxPoolElementsPerPool = clamp(config.maxPoolElementsPerPool, 1, PAGE_INDEX_SCALE);
    this.maxPoolElementsPerAssociation = clamp(config.maxPoolElementsPerAssociation, 1, 1073741824);
    this.maxAddresses = clamp(config.maxAddresses, 1, 64);
    this.maxBadPeReports = clamp(config.maxBadPeReports, 1, 65535);
    this.random = config.random;
    this.policies = config.policies !== null ? config.policies : allPolicies();
    this.sequenceLimit = clamp(config.sequenceLimit, 16, 0xffffffff);

    this.lastRef = -1;
    this.lastCreated = false;
    this.lastChanged = false;

    const capacity = clamp(config.initialCapacity, 8, 1073741824);
    this.capacity = capacity;
    this.used = 0;
    this.freeSlot = -1;
    this.count = 0;
    this.identifier = new Uint32Array(capacity);
    this.poolOf = new Int32Array(capacity);
    this.homeRegistrar = new Uint32Array(capacity);
    this.ownerOf = new Uint32Array(capacity);
    this.life = new Int32Array(capacity);
    this.associationOf = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.timer = new Uint8Array(capacity);
    this.reports = new Uint16Array(capacity);
    this.pa = new Uint32Array(capacity);
    this.pb = new Uint32Array(capacity);
    this.pc = new Uint32Array(capacity);
    this.distance = new Uint32Array(capacity);
    this.state = new Uint32Array(capacity);
    this.aux = new Uint32Array(capacity);
    this.seq = new Uint32Array(capacity);
    this.next = new Int32Array(capacity);
    this.associationNext = new Int32Array(capacity);
    this.associationPrevious = new Int32Array(capacity);
    this.user = new TransportColumns(capacity);
    this.asap = new TransportColumns(capacity);
    this.arena = new ByteArena(capacity * 8);
    this.deadlines = new DeadlineHeap(capacity);
    this.peBuckets = new Int32Array(powerOfTwoAtLeast(capacity));
    this.peBuckets.fill(-1);

    this.pools = [];
    this.freePools = [];
    this.poolCount = 0;
    this.poolBuckets = new Int32Array(16);
    this.poolBuckets.fill(-1);
    this.poolGeneration = 0;

    this.associations = new U32Table(16);
    this.associationHead = [];
    this.associationCount = [];
    this.freeAssociations = [];
    this.owners = new U32Table(8);
    this.ownerCount = [];
    this.ownerSum = [];
    this.freeOwners = [];

    this.totalSum = 0;

    this.sortedPools = new Int32Array(0);
    this.sortedPoolCount = 0;
    this.sortedGeneration = -1;
    this.pageKeys = new Float64Array(0);
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
    if (handleLength === 0 || handleLength > this.maxPoolHandleLength) return CAUSE_INVALID_VALUES;
    const id = pe.identifier >>> 0;
    if (id === 0) return CAUSE_INVALID_VALUES; // rsplib reserves identifier 0
    const userTransport = pe.userTransport;
    if (!this.validTransport(userTransport)) return CAUSE_INVALID_VALUES;
    const asapTransport = pe.asapTransport;
    if (asapTransport !== null && !this.validTransport(asapTransport)) return CAUSE_INVALID_VALUES;
    const policy = pe.policy;
    const control = userTransport.transportUse === TRANSPORT_USE_DATA_PLUS_CONTROL;

    const hash = hashBytes(poolHandle, 0, handleLength);
    const poolIndex = this.findPoolIndex(poolHandle, hash);
    let pool: Pool | null = null;
    let module: PolicyModule | null = null;
    if (poolIndex >= 0) {
      pool = this.pools[poolIndex] as Pool;
      // RFC 5352 s3.1.1: the pool's first PE fixed these (rsplib checks in this order).
      if (userTransport.type !== pool.protocol) return CAUSE_INCONSISTENT_TRANSPORT;
      if (control !== pool.control) return CAUSE_INCONSISTENT_DATA_CONTROL;
      if ((policy.type >>> 0) !== pool.policy.type) return CAUSE_INCONSISTENT_POLICY;
      const slot = this.findSlot(poolIndex, id);
      if (slot >= 0) return this.update(pool, slot, pe, meta);
      if (pool.count >= this.maxPoolElementsPerPool) return CAUSE_LACK_OF_RESOURCES;
      module = pool.policy;
    } else {
      module = this.policyByType(policy.type >>> 0);
      if (module === null) return CAUSE_INVALID_VALUES;
      if (this.poolCount >= this.maxPools) return CAUSE_LACK_OF_RESOURCES;
    }
    if (this.count >= this.maxPoolElements) return CAUSE_LACK_OF_RESOURCES;
    const association = meta.association >>> 0;
    if (association !== 0 && this.associationSize(association) >= this.maxPoolElementsPerAssociation) {
      return CAUSE_LACK_OF_RESOURCES;
    }

    if (pool === null) pool = this.createPool(poolHandle, hash, module, userTransport.type, control);
    const slot = this.allocateSlot();
    this.identifier[slot] = id;
    this.poolOf[slot] = pool.index;
    this.homeRegistrar[slot] = pe.homeRegistrarIdentifier >>> 0;
    this.life[slot] = pe.registrationLife | 0;
    this.flags[slot] = (meta.home ? FLAG_HOME : 0) | (asapTransport !== null ? FLAG_ASAP : 0);
    this.reports[slot] = 0;
    this.storePolicy(module, slot, policy);
    this.distance[slot] = meta.distance >>> 0;
    this.state[slot] = 0;
    this.aux[slot] = 0;
    this.storeTransport(this.user, slot, userTransport, true);
    if (asapTransport !== null) this.storeTransport(this.asap, slot, asapTransport, true);
    else this.asap.count[slot] = 0;

    // Index, association, owner, checksum, timer.
    const bucket = this.peHash(pool.index, id) & (this.peBuckets.length - 1);
    this.next[slot] = this.peBuckets[bucket];
    this.peBuckets[bucket] = slot;
    this.associationOf[slot] = 0;
    this.linkAssociation(slot, association);
    const sum = peSum(pool.handleSum, id);
    this.ownerOf[slot] = meta.owner >>> 0;
    this.addOwner(meta.owner >>> 0, sum, 1);
    this.totalSum += sum;
    this.timer[slot] = meta.timerCode & 0xff;
    if (meta.deadline >= 0) this.deadlines.set(slot, meta.deadline);
    this.count++;
    if (this.count > this.peBuckets.length) this.rehashElements(this.peBuckets.length * 2);

    // Selection structure.
    if (!module.randomized) {
      if (pool.seq >= this.sequenceLimit) pool.resequence(this);
      this.seq[slot] = pool.seq++;
    }
    if (module.initialize !== null) module.initialize(this, pool, slot);
    pool.attach(this, slot);

    this.lastRef = slot;
    this.lastCreated = true;
    this.lastChanged = true;
    return 0;
  }

  private update(pool: Pool, slot: number, pe: PoolElement, meta: RegistrationMeta): number {
    const association = meta.association >>> 0;
    const previousAssociation = this.associationOf[slot];
    if (association !== previousAssociation && association !== 0
      && this.associationSize(association) >= this.maxPoolElementsPerAssociation) {
      return CAUSE_LACK_OF_RESOURCES;
    }
    const module = pool.policy;
    const policyChanged = !this.policyEquals(module, slot, pe.policy, meta.distance >>> 0);
    // rsplib poolElementNodeUpdate: new values, or degradation to reset, re-sort the PE.
    const reposition = policyChanged || (module.dirty !== null && module.dirty(this, slot));
    let weightBefore = 0;
    if (reposition) {
      if (pool.tree !== null) weightBefore = (module.weight as (s: SlotStore, slot: number) => number)(this, slot);
      else pool.detach(this, slot);
      if (policyChanged) {
        this.storePolicy(module, slot, pe.policy);
        this.distance[slot] = meta.distance >>> 0;
      }
      if (module.reset !== null) module.reset(this, slot);
      if (pool.tree !== null) pool.reweigh(this, slot, weightBefore);
      else pool.attach(this, slot);
    }

    let changed = policyChanged;
    const userTransport = pe.userTransport;
    if (!this.transportEquals(this.user, slot, userTransport)) {
      this.storeTransport(this.user, slot, userTransport, false);
      changed = true;
    }
    const asapTransport = pe.asapTransport;
    const hadAsap = (this.flags[slot] & FLAG_ASAP) !== 0;
    if (asapTransport === null) {
      if (hadAsap) {
        this.freeTransport(this.asap, slot);
        changed = true;
      }
    } else if (!hadAsap) {
      this.storeTransport(this.asap, slot, asapTransport, true);
      changed = true;
    } else if (!this.transportEquals(this.asap, slot, asapTransport)) {
      this.storeTransport(this.asap, slot, asapTransport, false);
      changed = true;
    }
    const home = pe.homeRegistrarIdentifier >>> 0;
    const life = pe.registrationLife | 0;
    if (home !== this.homeRegistrar[slot] || life !== this.life[slot]) changed = true;
    this.homeRegistrar[slot] = home;
    this.life[slot] = life;
    this.flags[slot] = (meta.home ? FLAG_HOME : 0) | (asapTransport !== null ? FLAG_ASAP : 0);
    // A PE that re-registers is alive: its unreachability reports start over.
    this.reports[slot] = 0;
    if (association !== previousAssociation) {
      this.unlinkAssociation(slot);
      this.linkAssociation(slot, association);
    }
    const owner = meta.owner >>> 0;
    if (owner !== this.ownerOf[slot]) this.moveOwner(slot, owner);
    this.timer[slot] = meta.timerCode & 0xff;
    if (meta.deadline >= 0) this.deadlines.set(slot, meta.deadline);
    else this.deadlines.remove(slot);

    this.lastRef = slot;
    this.lastCreated = false;
    this.lastChanged = changed;
    return 0;
  }

  /** Removes the PE (idempotent): true when it existed. */
  deregister(poolHandle: Uint8Array, identifier: number): boolean {
    const slot = this.find(poolHandle, identifier);
    if (slot < 0) return false;
    this.remove(slot);
    return true;
  }

  /** Removes the PE `ref` (must be valid). */
  remove(ref: number): void {
    const pool = this.pools[this.poolOf[ref]] as Pool;
    pool.detach(this, ref);
    // Hash chain.
    const id = this.identifier[ref];
    const bucket = this.peHash(pool.index, id) & (this.peBuckets.length - 1);
    let i = this.peBuckets[bucket];
    if (i === ref) {
      this.peBuckets[bucket] = this.next[ref];
    } else {
      while (i >= 0) {
        const n = this.next[i];
        if (n === ref) {
          this.next[i] = this.next[ref];
          break;
        }
        i = n;
      }
    }
    this.unlinkAssociation(ref);
    const sum = peSum(pool.handleSum, id);
    this.addOwner(this.ownerOf[ref], -sum, -1);
    this.totalSum -= sum;
    this.deadlines.remove(ref);
    this.freeTransport(this.user, ref);
    if ((this.flags[ref] & FLAG_ASAP) !== 0) this.freeTransport(this.asap, ref);
    this.flags[ref] = 0;
    this.poolOf[ref] = -1;
    this.next[ref] = this.freeSlot;
    this.freeSlot = ref;
    this.count--;
    if (pool.count === 0) this.deletePool(pool);
    if (this.peBuckets.length > 64 && this.count * 8 < this.peBuckets.length) {
      this.rehashElements(this.peBuckets.length >> 1);
    }
  }

  // ===========================================================================
  // Lookup and selection

  /** The ref of PE `identifier` in the pool, or -1. */
  find(poolHandle: Uint8Array, identifier: number): number {
    const poolIndex = this.findPool(poolHandle);
    return poolIndex < 0 ? -1 : this.findSlot(poolIndex, identifier >>> 0);
  }

  /** The pool's ref, or -1 (pools exist while they have PEs). */
  findPool(poolHandle: Uint8Array): number {
    return this.findPoolIndex(poolHandle, hashBytes(poolHandle, 0, poolHandle.length));
  }

  /**
   * Selects up to k PEs of the pool by its policy into out[0 ...] and returns
   * how many (0 when the pool does not exist; see findPool). The first
   * min(k, maxIncrement) selected are consumed (maxIncrement 0: the policy's
   * default). Allocates nothing. Expiry is explicit: call expire(now) first.
   */
  resolve(poolHandle: Uint8Array, k: number, out: RefArray, maxIncrement: number): number {
    const poolIndex = this.findPool(poolHandle);
    if (poolIndex < 0) return 0;
    return this.resolvePool(poolIndex, k, out, maxIncrement);
  }

  /** resolve() by pool ref. */
  resolvePool(poolRef: number, k: number, out: RefArray, maxIncrement: number): number {
    const pool = this.pools[poolRef] as Pool;
    return pool.select(this, this.random, k, out, maxIncrement, this.sequenceLimit);
  }

  /**
   * Counts an ENDPOINT_UNREACHABLE report for the PE (RFC 5352 s3.5); at
   * maxBadPeReports reports the PE is removed (visit runs first, with the PE
   * still readable). Returns UNREACHABLE_UNKNOWN, _COUNTED or _REMOVED.
   */
  reportUnreachable<T>(poolHandle: Uint8Array, identifier: number,
    visit: ((target: T, ref: number) => void) | null, target: T): number {
    const slot = this.find(poolHandle, identifier);
    if (slot < 0) return UNREACHABLE_UNKNOWN;
    const n = this.reports[slot] + 1;
    if (n < this.maxBadPeReports) {
      this.reports[slot] = n;
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
    this.timer[ref] = timerCode & 0xff;
    if (deadline >= 0) this.deadlines.set(ref, deadline);
    else this.deadlines.remove(ref);
  }

  /** The earliest PE deadline, or -1 when no PE has one. */
  nextDeadline(): number {
    const top = this.deadlines.top();
    return top < 0 ? -1 : this.deadlines.deadline[top];
  }

  /**
   * The PE with the earliest deadline if that deadline is <= now, else -1.
   * The caller must then set, clear or remove that PE's timer.
   */
  nextDue(now: number): number {
    const top = this.deadlines.top();
    return top >= 0 && this.deadlines.deadline[top] <= now ? top : -1;
  }

  /** Removes every PE whose deadline is <= now (visit runs before each removal); returns how many. */
  expire<T>(now: number, visit: ((target: T, ref: number) => void) | null, target: T): number {
    let n = 0;
    for (;;) {
      const top = this.deadlines.top();
      if (top < 0 || this.deadlines.deadline[top] > now) return n;
      if (visit !== null) visit(target, top);
      this.remove(top);
      n++;
    }
  }

  // ===========================================================================
  // Associations and owners

  /** Removes every PE registered through the association (visit first); returns how many. */
  removeAssociation<T>(association: number, visit: ((target: T, ref: number) => void) | null, target: T): number {
    association = association >>> 0;
    if (association === 0) return 0;
    let n = 0;
    for (;;) {
      const entry = this.associations.get(association);
      if (entry < 0) return n;
      const slot = this.associationHead[entry];
      if (visit !== null) visit(target, slot);
      this.remove(slot);
      n++;
    }
  }

  /** PEs registered through the association. */
  associationSize(association: number): number {
    const entry = this.associations.get(association >>> 0);
    return entry < 0 ? 0 : this.associationCount[entry];
  }

  /**
   * Visits every PE the registrar owns, in slot order (O(capacity)); the
   * visitor may remove the visited PE. Returns how many were visited.
   */
  forEachOwned<T>(owner: number, visit: (target: T, ref: number) => void, target: T): number {
    owner = owner >>> 0;
    let n = 0;
    const used = this.used;
    for (let slot = 0; slot < used; slot++) {
      if (this.poolOf[slot] >= 0 && this.ownerOf[slot] === owner) {
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
    const used = this.used;
    for (let slot = 0; slot < used; slot++) {
      if (this.poolOf[slot] >= 0 && this.ownerOf[slot] === owner) {
        if (visit !== null) visit(target, slot);
        this.remove(slot);
        n++;
      }
    }
    return n;
  }

  /** PEs the registrar owns. */
  ownedCount(owner: number): number {
    const entry = this.owners.get(owner >>> 0);
    return entry < 0 ? 0 : this.ownerCount[entry];
  }

  /** Changes the PE's owner (ENRP takeover) and home flag, moving its checksum. */
  setOwner(ref: number, owner: number, home: boolean): void {
    owner = owner >>> 0;
    if (owner !== this.ownerOf[ref]) this.moveOwner(ref, owner);
    this.flags[ref] = home ? this.flags[ref] | FLAG_HOME : this.flags[ref] & ~FLAG_HOME;
  }

  // ===========================================================================
  // Checksums (RFC 5353 s3.1; checksum.ts)

  /** The 16-bit PE checksum over all PEs. */
  checksum(): number {
    return finishChecksum(this.totalSum);
  }

  /** The 16-bit PE checksum over the PEs the registrar owns (ENRP_PRESENCE). */
  ownerChecksum(owner: number): number {
    const entry = this.owners.get(owner >>> 0);
    return finishChecksum(entry < 0 ? 0 : this.ownerSum[entry]);
  }

  /** The PE's own folded (uncomplemented) checksum sum. */
  elementSum(ref: number): number {
    return peSum((this.pools[this.poolOf[ref]] as Pool).handleSum, this.identifier[ref]);
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
    this.sortPools();
    const sorted = this.sortedPools;
    const n = this.sortedPoolCount;
    let i = 0;
    if (cursor.handleLength >= 0) {
      // First pool whose handle is >= the cursor's.
      let a = 0;
      let b = n;
      while (a < b) {
        const mid = (a + b) >> 1;
        const h = (this.pools[sorted[mid]] as Pool).handle;
        if (compareHandles(h, h.length, cursor.handle, cursor.handleLength) < 0) a = mid + 1;
        else b = mid;
      }
      i = a;
    }
    let taken = 0;
    for (; i < n; i++) {
      const pool = this.pools[sorted[i]] as Pool;
      const same = cursor.handleLength >= 0
        && compareHandles(pool.handle, pool.handle.length, cursor.handle, cursor.handleLength) === 0;
      const after = same ? cursor.identifier : -1;
      // Members with identifier > after, sorted by identifier.
      let keys = this.pageKeys;
      if (keys.length < pool.count) keys = this.pageKeys = new Float64Array(powerOfTwoAtLeast(pool.count));
      let m = 0;
      const order = pool.order;
      for (let j = pool.lo; j < pool.hi; j++) {
        const slot = order[j];
        const id = this.identifier[slot];
        if (id > after && (owner < 0 || this.ownerOf[slot] === owner)) keys[m++] = id * PAGE_INDEX_SCALE + (j - pool.lo);
      }
      sortNumbers(keys, m);
      let last = after;
      for (let j = 0; j < m; j++) {
        const key = keys[j];
        const index = key % PAGE_INDEX_SCALE;
        const slot = order[pool.lo + index];
        if ((maxElements > 0 && taken >= maxElements) || !visit(target, slot)) {
          setCursor(cursor, pool.handle, last);
          return taken;
        }
        taken++;
        last = this.identifier[slot];
      }
      setCursor(cursor, pool.handle, IDENTIFIER_DONE);
    }
    cursor.done = true;
    return taken;
  }

  /** Visits the pool's PEs in selection order (sorting order; randomized: storage order). */
  forEachInPool<T>(poolRef: number, visit: (target: T, ref: number) => void, target: T): void {
    const pool = this.pools[poolRef] as Pool;
    for (let i = pool.lo; i < pool.hi; i++) visit(target, pool.order[i]);
  }

  /** Visits every pool ref (in storage order). */
  forEachPool<T>(visit: (target: T, poolRef: number) => void, target: T): void {
    const pools = this.pools;
    for (let i = 0; i < pools.length; i++) if (pools[i] !== null) visit(target, i);
  }

  // ===========================================================================
  // Reading a PE

  /** Fills the reusable record from the PE without allocating (once its buffers exist). */
  readPoolElement(ref: number, record: PoolElementRecord): void {
    const element = record.element;
    element.identifier = this.identifier[ref];
    element.homeRegistrarIdentifier = this.homeRegistrar[ref];
    element.registrationLife = this.life[ref];
    this.readTransport(this.user, ref, element.userTransport, record.userBuffers);
    this.readPolicy(ref, element.policy);
    if ((this.flags[ref] & FLAG_ASAP) !== 0) {
      this.readTransport(this.asap, ref, record.asap, record.asapBuffers);
      element.asapTransport = record.asap;
    } else {
      element.asapTransport = null;
    }
  }

  /** Fills a Policy record with the PE's policy as registered (plus distance for DPF types). */
  readPolicy(ref: number, policy: Policy): void {
    const module = (this.pools[this.poolOf[ref]] as Pool).policy;
    policy.type = module.type;
    policy.weight = 0;
    policy.priority = 0;
    policy.load = 0;
    policy.loadDegradation = 0;
    policy.loadDpf = 0;
    policy.weightDpf = 0;
    policy.distance = module.carriesDistance ? this.distance[ref] : 0;
    const fields = module.fields;
    if (fields.length > 0) policy[fields[0]] = this.pa[ref];
    if (fields.length > 1) policy[fields[1]] = this.pb[ref];
    if (fields.length > 2) policy[fields[2]] = this.pc[ref];
  }

  /** The PE's user transport into a Transport record (addresses into `buffers`). */
  readUserTransport(ref: number, transport: Transport, buffers: AddressBuffers): void {
    this.readTransport(this.user, ref, transport, buffers);
  }

  /** The PE's ASAP transport into a Transport record; false (record untouched) when it has none. */
  readAsapTransport(ref: number, transport: Transport, buffers: AddressBuffers): boolean {
    if ((this.flags[ref] & FLAG_ASAP) === 0) return false;
    this.readTransport(this.asap, ref, transport, buffers);
    return true;
  }

  getIdentifier(ref: number): number {
    return this.identifier[ref];
  }

  /** The PE's pool ref. */
  getPool(ref: number): number {
    return this.poolOf[ref];
  }

  /** The stored pool handle (do not modify; valid while the pool exists). */
  getPoolHandle(ref: number): Uint8Array {
    return (this.pools[this.poolOf[ref]] as Pool).handle;
  }

  getHomeRegistrar(ref: number): number {
    return this.homeRegistrar[ref];
  }

  getOwner(ref: number): number {
    return this.ownerOf[ref];
  }

  isHome(ref: number): boolean {
    return (this.flags[ref] & FLAG_HOME) !== 0;
  }

  getAssociation(ref: number): number {
    return this.associationOf[ref];
  }

  getRegistrationLife(ref: number): number {
    return this.life[ref];
  }

  getDistance(ref: number): number {
    return this.distance[ref];
  }

  /** The PE's deadline, or -1. */
  getDeadline(ref: number): number {
    return this.deadlines.position[ref] >= 0 ? this.deadlines.deadline[ref] : -1;
  }

  getTimerCode(ref: number): number {
    return this.timer[ref];
  }

  getUnreachableReports(ref: number): number {
    return this.reports[ref];
  }

  /** Policy state: accumulated degradation (the *Degradation policies) or WRR round. */
  getPolicyState(ref: number): number {
    return this.state[ref];
  }

  /** True when ref names a live PE. */
  isValid(ref: number): boolean {
    return ref >= 0 && ref < this.used && this.poolOf[ref] >= 0;
  }

  // ---- pools

  /** The pool's handle (do not modify). */
  poolHandle(poolRef: number): Uint8Array {
    return (this.pools[poolRef] as Pool).handle;
  }

  poolPolicyType(poolRef: number): number {
    return (this.pools[poolRef] as Pool).policy.type;
  }

  /** The transport parameter type the pool's first PE fixed. */
  poolProtocol(poolRef: number): number {
    return (this.pools[poolRef] as Pool).protocol;
  }

  /** The data/control flag the pool's first PE fixed. */
  poolControl(poolRef: number): boolean {
    return (this.pools[poolRef] as Pool).control;
  }

  poolSize(poolRef: number): number {
    return (this.pools[poolRef] as Pool).count;
  }

  /** The policy module registered for a wire policy type, or null. */
  policyByType(type: number): PolicyModule | null {
    const policies = this.policies;
    for (let i = 0; i < policies.length; i++) if (policies[i].type === type) return policies[i];
    return null;
  }

  // ===========================================================================
  // Internals

  private validTransport(t: Transport): boolean {
    if (t.type < PARAM_DCCP_TRANSPORT || t.type > PARAM_UDP_LITE_TRANSPORT) return false;
    if (t.port < 1 || t.port > 65535) return false;
    if (t.transportUse !== 0 && t.transportUse !== TRANSPORT_USE_DATA_PLUS_CONTROL) return false;
    const addresses = t.addresses;
    const n = addresses.length;
    if (n < 1 || n > this.maxAddresses) return false;
    for (let i = 0; i < n; i++) {
      const length = addresses[i].length;
      if (length !== 4 && length !== 16) return false;
    }
    return true;
  }

  private peHash(poolIndex: number, id: number): number {
    return mix32(id ^ ((poolIndex * 0x9e3779b1) | 0));
  }

  private findSlot(poolIndex: number, id: number): number {
    let i = this.peBuckets[this.peHash(poolIndex, id) & (this.peBuckets.length - 1)];
    const identifier = this.identifier;
    const poolOf = this.poolOf;
    const next = this.next;
    while (i >= 0) {
      if (identifier[i] === id && poolOf[i] === poolIndex) return i;
      i = next[i];
    }
    return -1;
  }

  private findPoolIndex(handle: Uint8Array, hash: number): number {
    let i = this.poolBuckets[hash & (this.poolBuckets.length - 1)];
    while (i >= 0) {
      const pool = this.pools[i] as Pool;
      if (pool.hash === hash && equalBytes(pool.handle, handle)) return i;
      i = pool.chain;
    }
    return -1;
  }

  private createPool(handle: Uint8Array, hash: number, module: PolicyModule, protocol: number,
    control: boolean): Pool {
    let index: number;
    if (this.freePools.length > 0) {
      index = this.freePools.pop() as number;
    } else {
      index = this.pools.length;
      this.pools.push(null);
    }
    const copy = new Uint8Array(handle.length);
    copy.set(handle);
    const pool = new Pool(index, copy, hash, sumBytes(copy, 0, copy.length), module, protocol, control);
    this.pools[index] = pool;
    this.poolCount++;
    this.poolGeneration++;
    if (this.poolCount > this.poolBuckets.length) this.rehashPools(this.poolBuckets.length * 2);
    else this.linkPool(pool);
    return pool;
  }

  private deletePool(pool: Pool): void {
    const bucket = pool.hash & (this.poolBuckets.length - 1);
    let i = this.poolBuckets[bucket];
    if (i === pool.index) {
      this.poolBuckets[bucket] = pool.chain;
    } else {
      while (i >= 0) {
        const p = this.pools[i] as Pool;
        if (p.chain === pool.index) {
          p.chain = pool.chain;
          break;
        }
        i = p.chain;
      }
    }
    this.pools[pool.index] = null;
    this.freePools.push(pool.index);
    this.poolCount--;
    this.poolGeneration++;
    if (this.poolBuckets.length > 16 && this.poolCount * 8 < this.poolBuckets.length) {
      this.rehashPools(this.poolBuckets.length >> 1);
    }
  }

  private linkPool(pool: Pool): void {
    const bucket = pool.hash & (this.poolBuckets.length - 1);
    pool.chain = this.poolBuckets[bucket];
    this.poolBuckets[bucket] = pool.index;
  }

  private rehashPools(size: number): void {
    this.poolBuckets = new Int32Array(size);
    this.poolBuckets.fill(-1);
    const pools = this.pools;
    for (let i = 0; i < pools.length; i++) {
      const pool = pools[i];
      if (pool !== null) this.linkPool(pool);
    }
  }

  private rehashElements(size: number): void {
    const buckets = new Int32Array(size);
    buckets.fill(-1);
    const mask = size - 1;
    for (let slot = 0; slot < this.used; slot++) {
      const poolIndex = this.poolOf[slot];
      if (poolIndex < 0) continue;
      const bucket = this.peHash(poolIndex, this.identifier[slot]) & mask;
      this.next[slot] = buckets[bucket];
      buckets[bucket] = slot;
    }
    this.peBuckets = buckets;
  }

  private allocateSlot(): number {
    const free = this.freeSlot;
    if (free >= 0) {
      this.freeSlot = this.next[free];
      return free;
    }
    if (this.used === this.capacity) {
      const c = this.capacity;
      // Double while small, then grow by a quarter to bound the slack of big tables.
      this.resize(c < 65536 ? c * 2 : c + (c >> 2));
    }
    return this.used++;
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.identifier = growU32(this.identifier, capacity);
    this.poolOf = growI32(this.poolOf, capacity);
    this.homeRegistrar = growU32(this.homeRegistrar, capacity);
    this.ownerOf = growU32(this.ownerOf, capacity);
    this.life = growI32(this.life, capacity);
    this.associationOf = growU32(this.associationOf, capacity);
    this.flags = growU8(this.flags, capacity);
    this.timer = growU8(this.timer, capacity);
    this.reports = growU16(this.reports, capacity);
    this.pa = growU32(this.pa, capacity);
    this.pb = growU32(this.pb, capacity);
    this.pc = growU32(this.pc, capacity);
    this.distance = growU32(this.distance, capacity);
    this.state = growU32(this.state, capacity);
    this.aux = growU32(this.aux, capacity);
    this.seq = growU32(this.seq, capacity);
    this.next = growI32(this.next, capacity);
    this.associationNext = growI32(this.associationNext, capacity);
    this.associationPrevious = growI32(this.associationPrevious, capacity);
    this.user.resize(capacity);
    this.asap.resize(capacity);
    this.deadlines.resize(capacity);
  }

  private storePolicy(module: PolicyModule, slot: number, policy: Policy): void {
    const fields = module.fields;
    this.pa[slot] = fields.length > 0 ? policy[fields[0]] >>> 0 : 0;
    this.pb[slot] = fields.length > 1 ? policy[fields[1]] >>> 0 : 0;
    this.pc[slot] = fields.length > 2 ? policy[fields[2]] >>> 0 : 0;
  }

  private policyEquals(module: PolicyModule, slot: number, policy: Policy, distance: number): boolean {
    const fields = module.fields;
    if (fields.length > 0 && this.pa[slot] !== policy[fields[0]] >>> 0) return false;
    if (fields.length > 1 && this.pb[slot] !== policy[fields[1]] >>> 0) return false;
    if (fields.length > 2 && this.pc[slot] !== policy[fields[2]] >>> 0) return false;
    return this.distance[slot] === distance;
  }

  /** Bytes a transport takes in the arena: [service code] then (length, address bytes) each. */
  private transportSize(t: Transport): number {
    let size = t.type === PARAM_DCCP_TRANSPORT ? 4 : 0;
    const addresses = t.addresses;
    for (let i = 0; i < addresses.length; i++) size += 1 + addresses[i].length;
    return size;
  }

  private storedSize(columns: TransportColumns, slot: number): number {
    const bytes = this.arena.bytes;
    let offset = columns.offset[slot];
    let size = 0;
    if (columns.type[slot] === PARAM_DCCP_TRANSPORT) {
      size = 4;
      offset += 4;
    }
    const n = columns.count[slot];
    for (let i = 0; i < n; i++) {
      const length = bytes[offset];
      size += 1 + length;
      offset += 1 + length;
    }
    return size;
  }

  /** Stores a transport; `fresh`: the slot has no block of this kind yet. */
  private storeTransport(columns: TransportColumns, slot: number, t: Transport, fresh: boolean): void {
    const size = this.transportSize(t);
    const arena = this.arena;
    let offset: number;
    if (fresh) {
      offset = arena.allocate(size);
    } else {
      const oldSize = this.storedSize(columns, slot);
      offset = columns.offset[slot];
      if (arena.classOf(oldSize) !== arena.classOf(size)) {
        arena.free(offset, oldSize);
        offset = arena.allocate(size);
      }
    }
    columns.type[slot] = t.type;
    columns.use[slot] = t.transportUse;
    columns.port[slot] = t.port;
    columns.offset[slot] = offset;
    const addresses = t.addresses;
    columns.count[slot] = addresses.length;
    const bytes = arena.bytes;
    let o = offset;
    if (t.type === PARAM_DCCP_TRANSPORT) {
      const code = t.serviceCode >>> 0;
      bytes[o] = code >>> 24;
      bytes[o + 1] = (code >>> 16) & 0xff;
      bytes[o + 2] = (code >>> 8) & 0xff;
      bytes[o + 3] = code & 0xff;
      o += 4;
    }
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i];
      const length = a.length;
      bytes[o++] = length;
      for (let j = 0; j < length; j++) bytes[o + j] = a[j];
      o += length;
    }
  }

  private freeTransport(columns: TransportColumns, slot: number): void {
    this.arena.free(columns.offset[slot], this.storedSize(columns, slot));
    columns.count[slot] = 0;
  }

  private transportEquals(columns: TransportColumns, slot: number, t: Transport): boolean {
    if (columns.type[slot] !== t.type || columns.use[slot] !== t.transportUse || columns.port[slot] !== t.port) {
      return false;
    }
    const addresses = t.addresses;
    if (columns.count[slot] !== addresses.length) return false;
    const bytes = this.arena.bytes;
    let o = columns.offset[slot];
    if (t.type === PARAM_DCCP_TRANSPORT) {
      const code = ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
      if (code !== t.serviceCode >>> 0) return false;
      o += 4;
    }
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i];
      const length = a.length;
      if (bytes[o++] !== length) return false;
      for (let j = 0; j < length; j++) if (bytes[o + j] !== a[j]) return false;
      o += length;
    }
    return true;
  }

  private readTransport(columns: TransportColumns, slot: number, t: Transport, buffers: AddressBuffers): void {
    const type = columns.type[slot];
    t.type = type;
    t.port = columns.port[slot];
    t.transportUse = columns.use[slot];
    const bytes = this.arena.bytes;
    let o = columns.offset[slot];
    if (type === PARAM_DCCP_TRANSPORT) {
      t.serviceCode = ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
      o += 4;
    } else {
      t.serviceCode = 0;
    }
    const n = columns.count[slot];
    const addresses = t.addresses;
    if (addresses.length !== n) addresses.length = n;
    for (let i = 0; i < n; i++) {
      const length = bytes[o++];
      const view = addressBuffer(buffers, i, length);
      for (let j = 0; j < length; j++) view[j] = bytes[o + j];
      addresses[i] = view;
      o += length;
    }
  }

  private linkAssociation(slot: number, association: number): void {
    this.associationOf[slot] = association;
    this.associationNext[slot] = -1;
    this.associationPrevious[slot] = -1;
    if (association === 0) return;
    let entry = this.associations.get(association);
    if (entry < 0) {
      if (this.freeAssociations.length > 0) {
        entry = this.freeAssociations.pop() as number;
      } else {
        entry = this.associationHead.length;
        this.associationHead.push(-1);
        this.associationCount.push(0);
      }
      this.associationHead[entry] = -1;
      this.associationCount[entry] = 0;
      this.associations.set(association, entry);
    }
    const head = this.associationHead[entry];
    this.associationNext[slot] = head;
    if (head >= 0) this.associationPrevious[head] = slot;
    this.associationHead[entry] = slot;
    this.associationCount[entry]++;
  }

  private unlinkAssociation(slot: number): void {
    const association = this.associationOf[slot];
    if (association === 0) return;
    const entry = this.associations.get(association);
    const next = this.associationNext[slot];
    const previous = this.associationPrevious[slot];
    if (previous >= 0) this.associationNext[previous] = next;
    else this.associationHead[entry] = next;
    if (next >= 0) this.associationPrevious[next] = previous;
    this.associationOf[slot] = 0;
    if (--this.associationCount[entry] === 0) {
      this.associations.remove(association);
      this.freeAssociations.push(entry);
    }
  }

  /** Adds `sum` and `delta` PEs to the owner's totals (entries exist while count > 0). */
  private addOwner(owner: number, sum: number, delta: number): void {
    let entry = this.owners.get(owner);
    if (entry < 0) {
      if (this.freeOwners.length > 0) {
        entry = this.freeOwners.pop() as number;
      } else {
        entry = this.ownerCount.length;
        this.ownerCount.push(0);
        this.ownerSum.push(0);
      }
      this.ownerCount[entry] = 0;
      this.ownerSum[entry] = 0;
      this.owners.set(owner, entry);
    }
    this.ownerSum[entry] += sum;
    this.ownerCount[entry] += delta;
    if (this.ownerCount[entry] === 0) {
      this.owners.remove(owner);
      this.freeOwners.push(entry);
    }
  }

  private moveOwner(slot: number, owner: number): void {
    const sum = this.elementSum(slot);
    this.addOwner(this.ownerOf[slot], -sum, -1);
    this.ownerOf[slot] = owner;
    this.addOwner(owner, sum, 1);
  }

  /** Rebuilds the handle-sorted pool list used by nextPage when pools came or went. */
  private sortPools(): void {
    if (this.sortedGeneration === this.poolGeneration) return;
    if (this.sortedPools.length < this.poolCount) this.sortedPools = new Int32Array(powerOfTwoAtLeast(this.poolCount));
    const sorted = this.sortedPools;
    let n = 0;
    const pools = this.pools;
    for (let i = 0; i < pools.length; i++) if (pools[i] !== null) sorted[n++] = i;
    this.sortedPoolCount = n;
    // Heap sort by handle (no recursion, no allocation).
    for (let start = (n >> 1) - 1; start >= 0; start--) this.siftPools(start, n);
    for (let end = n - 1; end > 0; end--) {
      const t = sorted[0];
      sorted[0] = sorted[end];
      sorted[end] = t;
      this.siftPools(0, end);
    }
    this.sortedGeneration = this.poolGeneration;
  }

  private siftPools(i: number, n: number): void {
    const sorted = this.sortedPools;
    const pools = this.pools;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) return;
      if (child + 1 < n) {
        const a = (pools[sorted[child]] as Pool).handle;
        const b = (pools[sorted[child + 1]] as Pool).handle;
        if (compareHandles(a, a.length, b, b.length) < 0) child++;
      }
      const p = (pools[sorted[i]] as Pool).handle;
      const c = (pools[sorted[child]] as Pool).handle;
      if (compareHandles(p, p.length, c, c.length) >= 0) return;
      const t = sorted[i];
      sorted[i] = sorted[child];
      sorted[child] = t;
      i = child;
    }
  }
}

function setCursor(cursor: TableCursor, handle: Uint8Array, identifier: number): void {
  cursor.handle.set(handle);
  cursor.handleLength = handle.length;
  cursor.identifier = identifier;
}

/** Bytewise order, a proper prefix first. */
function compareHandles(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): number {
  const n = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return aLength - bLength;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
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

function growU8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}

function growU16(a: Uint16Array, n: number): Uint16Array {
  const b = new Uint16Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}

function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}

function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}
