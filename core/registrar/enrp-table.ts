// ENRP handle-table answers (RFC 5353 s2.2/s2.3, s3.6 paging): the part of
// ENRP a handlespace dump needs. A peer (or a tool pretending to be one, as
// rsplib's hsdump does) sends HANDLE_TABLE_REQUEST on an ENRP association;
// the registrar answers with HANDLE_TABLE_RESPONSEs of at most
// maxElementsPerHandleTableRequest PEs, sets M while more remain and keeps a
// cursor per requesting association, so the next request continues the walk.
// W (own children only) restricts the walk to the PEs this registrar owns.
//
// createEnrpTableExtension() plugs this into a registrar as its whole ENRP
// extension (no peers, no presence, no takeover); a full ENRP module can
// reuse createHandleTableResponder() for its table requests instead.

import {
  ENRP_FLAG_MORE_TO_SEND,
  ENRP_FLAG_OWN_CHILDREN_ONLY,
  ENRP_HANDLE_TABLE_REQUEST,
  ENRP_HANDLE_TABLE_RESPONSE,
  PPID_ENRP,
} from "../wire/constants.js";
import type { PoolElement, PoolEntry, Transport } from "../wire/types.js";
import { decodeEnrp, encodeEnrp } from "../wire/enrp.js";
import { createDecoder } from "../wire/decoder.js";
import { createWriter } from "../wire/writer.js";
import { newEnrpMessage, newPoolEntry } from "../wire/build.js";
import { pushTransmit } from "../driver/output-queue.js";
import { newTableCursor, resetTableCursor } from "../handlespace/handlespace.js";
import type { TableCursor } from "../handlespace/handlespace.js";
import { newPoolElementRecord } from "../handlespace/record.js";
import type { PoolElementRecord } from "../handlespace/record.js";
import type { Registrar, RegistrarExtension } from "./registrar.js";

/**
 * Bytes of PE parameters per response: an ENRP message's length field is
 * 16 bits (RFC 5353 s2), so a page also ends before it would pass this.
 */
const PAGE_BYTES = 60000;

export interface HandleTableStatistics {
  requests: number;
  responses: number;
  elementsSent: number;
  /** Responses the transmit queue refused (the requester asks again). */
  dropped: number;
}

export interface HandleTableResponder {
  readonly statistics: HandleTableStatistics;
  /**
   * A PPID 12 message from an ENRP association. Answers a HANDLE_TABLE_REQUEST
   * and returns true; returns false for anything else (not consumed).
   */
  handleMessage(now: number, association: number, stream: number, bytes: Uint8Array): boolean;
  /** The association is gone: drop its cursor. */
  forget(association: number): void;
}

interface WalkState {
  cursor_: TableCursor;
  own_: boolean;
  /** The requester's server id of the walk under way. */
  requester_: number;
}

interface PageTarget {
  count_: number;
  bytes_: number;
  max_: number;
}

function paddedLength(n: number): number {
  return (n + 3) & ~3;
}

/** Encoded size of a transport parameter (RFC 5354 s3.3-3.7). */
function transportBytes(t: Transport): number {
  let n = 8;
  for (let i = 0; i < t.addresses.length; i++) n += 4 + t.addresses[i].length;
  return n;
}

/** Upper bound of a PE parameter's encoded size (RFC 5354 s3.11): header, ids, life, transports, policy. */
function elementBytes(pe: PoolElement): number {
  let n = 16 + transportBytes(pe.userTransport) + 32;
  if (pe.asapTransport !== null) n += transportBytes(pe.asapTransport);
  return n;
}

export function createHandleTableResponder(registrar: Registrar): HandleTableResponder {
  const hs = registrar.handlespace;
  const decoder = createDecoder();
  const writer = createWriter(2048);
  const response = newEnrpMessage(ENRP_HANDLE_TABLE_RESPONSE);
  /** Walks under way, by association number. */
  const walks: Array<WalkState | null> = [];
  /** Reusable records of one page, and the refs the walk visited. */
  const records: PoolElementRecord[] = [];
  const refs: number[] = [];
  const page: PageTarget = { count_: 0, bytes_: 0, max_: 0 };
  const statistics: HandleTableStatistics = { requests: 0, responses: 0, elementsSent: 0, dropped: 0 };

  function visit(target: PageTarget, ref: number): boolean {
    const i = target.count_;
    while (records.length <= i) records.push(newPoolElementRecord());
    hs.readPoolElement(ref, records[i]);
    let size = elementBytes(records[i].element);
    if (i === 0 || hs.getPool(refs[i - 1]) !== hs.getPool(ref)) size += 4 + paddedLength(hs.getPoolHandle(ref).length);
    // Always take one PE, so a walk cannot stall on a huge one.
    if (i > 0 && target.bytes_ + size > PAGE_BYTES) return false;
    target.bytes_ += size;
    refs[i] = ref;
    target.count_ = i + 1;
    return true;
  }

  function answer(association: number, stream: number, requester: number, own: boolean): void {
    let walk = association < walks.length ? walks[association] : null;
    if (walk === null || walk === undefined) {
      walk = { cursor_: newTableCursor(), own_: own, requester_: requester };
      while (walks.length <= association) walks.push(null);
      walks[association] = walk;
    } else if (walk.own_ !== own || walk.requester_ !== requester || walk.cursor_.done) {
      // A different question starts a new walk (RFC 5353 s3.6: the requester
      // keeps asking while M is set; anything else begins again).
      resetTableCursor(walk.cursor_);
      walk.own_ = own;
      walk.requester_ = requester;
    }
    page.count_ = 0;
    page.bytes_ = 0;
    page.max_ = registrar.config.maxElementsPerHandleTableRequest;
    hs.nextPage(walk.cursor_, own ? registrar.identifier : -1, page.max_, visit, page);
    const n = page.count_;
    // Group the page's PEs by pool (the walk is in pool order).
    const entries: PoolEntry[] = [];
    let entry: PoolEntry | null = null;
    let lastPool = -1;
    for (let i = 0; i < n; i++) {
      const pool = hs.getPool(refs[i]);
      if (entry === null || pool !== lastPool) {
        entry = newPoolEntry(hs.getPoolHandle(refs[i]), []);
        entries.push(entry);
        lastPool = pool;
      }
      entry.poolElements.push(records[i].element);
    }
    response.flags = walk.cursor_.done ? 0 : ENRP_FLAG_MORE_TO_SEND;
    response.senderServerIdentifier = registrar.identifier;
    response.receiverServerIdentifier = requester;
    response.poolEntries = entries;
    const bytes = encodeEnrp(writer, response);
    response.poolEntries = [];
    if (!pushTransmit(registrar.transmits, association, stream, PPID_ENRP, bytes)) {
      statistics.dropped++;
      return;
    }
    statistics.responses++;
    statistics.elementsSent += n;
    // The last page ends the walk; the next request starts from the top.
    if (walk.cursor_.done) walks[association] = null;
  }

  return {
    statistics: statistics,
    handleMessage: function (now: number, association: number, stream: number, bytes: Uint8Array): boolean {
      if (bytes.length < 12 || bytes[0] !== ENRP_HANDLE_TABLE_REQUEST) return false;
      const m = decodeEnrp(decoder, bytes, 0, bytes.length);
      if (m === null || m.type !== ENRP_HANDLE_TABLE_REQUEST) return false;
      statistics.requests++;
      answer(association, stream, m.senderServerIdentifier >>> 0, (m.flags & ENRP_FLAG_OWN_CHILDREN_ONLY) !== 0);
      return true;
    },
    forget: function (association: number): void {
      if (association < walks.length) walks[association] = null;
    },
  };
}

/**
 * A registrar extension with ENRP handle-table answers only: no peers,
 * presence, updates or takeover. Start-up completes at once.
 */
export function createEnrpTableExtension(registrar: Registrar): RegistrarExtension & { responder: HandleTableResponder } {
  const responder = createHandleTableResponder(registrar);
  // One no-op for the hooks this extension ignores (fewer parameters than
  // the interface names are fine in TypeScript and cost nothing).
  const ignore = function (): void {};
  const forget = function (now: number, association: number): void {
    responder.forget(association);
  };
  return {
    responder: responder,
    start: function (): boolean {
      return true;
    },
    stop: ignore,
    handleUpdate: ignore,
    handleAssociationUp: forget,
    handleAssociationDown: forget,
    handleMessage: function (now: number, association: number, stream: number, bytes: Uint8Array): void {
      responder.handleMessage(now, association, stream, bytes);
    },
    handleDatagram: ignore,
    handleTimeout: ignore,
    pollTimeout: function (): number {
      return -1;
    },
  };
}
