import type { AuditRecord } from '@gatehouse/contracts';
import { createChainVerifier, EMPTY_HEAD, sealRecord, type ChainHead } from '../../audit/audit-chain.js';
import { DEFAULT_AUDIT_LOG_MAX_RECORDS, matchesAuditFilter, type AuditLogStore } from '../audit-log-store.js';
import { decodeCursor, encodeCursor } from '../page.js';
import { RingBuffer } from './ring-buffer.js';

export interface MemoryAuditLogStoreOptions {
  readonly maxRecords?: number;
  /**
   * The storage itself. Passing one lets an operator's tooling (and the
   * tamper-detection tests) read and write records behind the store's back.
   */
  readonly ring?: RingBuffer<AuditRecord>;
}

/** The development audit log: a bounded ring in this process. Appends are synchronous, so the chain cannot fork. */
export function createMemoryAuditLogStore(options: MemoryAuditLogStoreOptions = {}): AuditLogStore {
  const ring = options.ring ?? new RingBuffer<AuditRecord>(options.maxRecords ?? DEFAULT_AUDIT_LOG_MAX_RECORDS);
  let head: ChainHead = EMPTY_HEAD;

  return {
    async append(event) {
      const record = sealRecord(event, head.sequence + 1, head.hash);
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
      const verifier = createChainVerifier();
      for (const record of ring.oldestFirst()) if (!verifier.check(record)) break;
      return verifier.result();
    },
  };
}

function encodeSequenceCursor(sequence: number): string {
  return encodeCursor(`a:${sequence}`);
}

function decodeSequenceCursor(cursor: string): number {
  return Number(decodeCursor(cursor, (position) => /^a:\d{1,15}$/.test(position)).slice(2));
}
