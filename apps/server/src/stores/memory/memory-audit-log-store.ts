import type { AuditRecord } from '@gatehouse/contracts';
import { createChainVerifier, EMPTY_HEAD, NOTHING_TRIMMED, type AuditChain, type ChainHead, type LowWaterMark } from '../../audit/audit-chain.js';
import { matchesAuditFilter, type AuditLogStore, type AuditTrim } from '../audit-log-store.js';
import { decodeCursor, encodeCursor } from '../page.js';
import { RingBuffer } from './ring-buffer.js';

/**
 * Records the development log holds at most. Not a retention policy (that is
 * age, as on Redis) but the memory bound every memory store has; reaching it
 * is reported like any trim (metric and `audit.trimmed`).
 */
export const MEMORY_AUDIT_LOG_CAPACITY = 100_000;

export interface MemoryAuditLogStoreOptions {
  readonly chain: AuditChain;
  readonly capacity?: number;
  /**
   * The storage itself. Passing one lets an operator's tooling (and the
   * tamper-detection tests) read and write records behind the store's back.
   */
  readonly ring?: RingBuffer<AuditRecord>;
  /** Told whenever the capacity bound (not retention) removed records. */
  readonly onCapacityTrim?: (trim: AuditTrim) => void;
}

/** The development audit log, in this process. Appends are synchronous, so the chain cannot fork. */
export function createMemoryAuditLogStore(options: MemoryAuditLogStoreOptions): AuditLogStore {
  const { chain } = options;
  const ring = options.ring ?? new RingBuffer<AuditRecord>(options.capacity ?? MEMORY_AUDIT_LOG_CAPACITY);
  let head: ChainHead = EMPTY_HEAD;
  let lowWater: LowWaterMark = NOTHING_TRIMMED;

  function removeOldest(count: number): number {
    let removed = 0;
    while (removed < count) {
      const oldest = ring.shift();
      if (oldest === undefined) break;
      lowWater = { sequence: oldest.sequence + 1, previousHash: oldest.hash };
      removed += 1;
    }
    return removed;
  }

  return {
    async append(event) {
      if (ring.size === ring.capacity) {
        // A tenth at once: the audit.trimmed record this reports must not itself trigger the next trim.
        const removed = removeOldest(Math.max(1, Math.floor(ring.capacity / 10)));
        options.onCapacityTrim?.({ removed, trimmedBefore: lowWater.sequence });
      }
      const record = chain.seal(event, head.sequence + 1, head.hash);
      ring.push(record);
      head = { sequence: record.sequence, hash: record.hash };
      return record;
    },

    async list(filter, page) {
      const before = page.cursor === undefined ? Number.POSITIVE_INFINITY : decodeSequenceCursor(page.cursor);
      const items: AuditRecord[] = [];
      let more = false;
      for (const record of ring.newestFirst()) {
        if (record.sequence >= before || !matchesAuditFilter(record, filter)) continue;
        if (items.length === page.limit) {
          more = true;
          break;
        }
        items.push(record);
      }
      const last = items.at(-1);
      return { items, nextCursor: more && last !== undefined ? encodeSequenceCursor(last.sequence) : null };
    },

    async verify() {
      // Head and low-water mark live in this process, out of the storage's reach.
      const verifier = createChainVerifier(chain, { lowWater, highestKnown: head.sequence });
      for (const record of ring.oldestFirst()) if (!verifier.check(record)) break;
      return verifier.result(head === EMPTY_HEAD ? undefined : head);
    },

    async trimBefore(before) {
      const cutoff = before.getTime();
      let expired = 0;
      let expected = lowWater;
      for (const record of ring.oldestFirst()) {
        const holds = record.sequence === expected.sequence && record.previousHash === expected.previousHash && chain.hash(record) === record.hash;
        if (!holds || Date.parse(record.time) >= cutoff) break;
        expected = { sequence: record.sequence + 1, previousHash: record.hash };
        expired += 1;
      }
      return { removed: removeOldest(expired), trimmedBefore: lowWater.sequence };
    },
  };
}

function encodeSequenceCursor(sequence: number): string {
  return encodeCursor(`a:${sequence}`);
}

function decodeSequenceCursor(cursor: string): number {
  return Number(decodeCursor(cursor, (position) => /^a:\d{1,15}$/.test(position)).slice(2));
}
