import { auditRecordSchema, type AuditRecord } from '@gatehouse/contracts';
import type { Redis } from 'ioredis';
import { createChainVerifier, EMPTY_HEAD, sealRecord, type ChainHead } from '../../audit/audit-chain.js';
import type { SecurityEvent } from '../../audit/security-events.js';
import { DEFAULT_AUDIT_LOG_MAX_RECORDS, matchesAuditFilter, type AuditLogStore } from '../audit-log-store.js';
import { decodeCursor, encodeCursor } from '../page.js';
import { createRedisScript } from './redis-script.js';

export interface RedisAuditLogStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly maxRecords?: number;
}

/**
 * Compare-and-append. Redis Lua has no SHA-256, so the hash is computed by
 * the caller against the head it last saw; the script appends only if that
 * head is still the head, else returns the real one for a retry. Two
 * processes can therefore never link two records to the same predecessor.
 * The stream's MAXLEN bound replaces a TTL: the log must not expire, only
 * stay bounded.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return {1, ''}
`;
const appendScript = createRedisScript(APPEND_SCRIPT);

/** Enough for a burst of writers from many processes; past it something is badly wrong. */
const MAX_APPEND_ATTEMPTS = 20;
const SCAN_CHUNK = 200;

export class AuditAppendConflictError extends Error {
  constructor() {
    super(`The audit log head kept moving: gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
    this.name = 'AuditAppendConflictError';
  }
}

/** The shared audit log: one Redis stream (XADD MAXLEN ~) plus the chain head, under the configured prefix. */
export function createRedisAuditLogStore(options: RedisAuditLogStoreOptions): AuditLogStore {
  const { redis } = options;
  const streamKey = `${options.keyPrefix}audit:log`;
  const headKey = `${options.keyPrefix}audit:head`;
  const maxRecords = options.maxRecords ?? DEFAULT_AUDIT_LOG_MAX_RECORDS;
  let knownHead: string | undefined;
  // Appends from this process go one at a time: they would only contend with each other.
  let queue: Promise<unknown> = Promise.resolve();

  async function appendNow(event: SecurityEvent): Promise<AuditRecord> {
    let head = knownHead ?? ((await redis.get(headKey)) ?? '');
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      const previous = parseHead(head);
      const record = sealRecord(event, previous.sequence + 1, previous.hash);
      const next = formatHead(record);
      const [appended, actual] = (await appendScript.run(redis, [streamKey, headKey], [head, next, JSON.stringify(record), String(maxRecords)])) as [
        number,
        string,
      ];
      if (appended === 1) {
        knownHead = next;
        return record;
      }
      head = actual;
    }
    knownHead = undefined;
    throw new AuditAppendConflictError();
  }

  return {
    append(event) {
      const result = queue.then(() => appendNow(event));
      queue = result.catch(() => {
        knownHead = undefined;
      });
      return result;
    },

    async list(filter, page) {
      let end = page.cursor === undefined ? '+' : `(${decodeStreamCursor(page.cursor)}`;
      const items: Array<{ id: string; record: AuditRecord }> = [];
      let more = false;
      // Filters apply while scanning newest to oldest; the stream's bound caps the scan.
      scan: for (;;) {
        const entries = await redis.xrevrange(streamKey, end, '-', 'COUNT', SCAN_CHUNK);
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          if (record === undefined || !matchesAuditFilter(record, filter)) continue;
          if (items.length === page.limit) {
            more = true;
            break scan;
          }
          items.push({ id, record });
        }
        const oldest = entries.at(-1);
        if (entries.length < SCAN_CHUNK || oldest === undefined) break;
        end = `(${oldest[0]}`;
      }
      const last = items.at(-1);
      return {
        items: items.map((item) => item.record),
        nextCursor: more && last !== undefined ? encodeCursor(`x:${last.id}`) : null,
      };
    },

    async verify() {
      const verifier = createChainVerifier();
      let start = '-';
      for (;;) {
        const entries = await redis.xrange(streamKey, start, '+', 'COUNT', SCAN_CHUNK);
        for (const [, fields] of entries) {
          const record = parseEntry(fields);
          const holds = record === undefined ? verifier.unreadable() : verifier.check(record);
          if (!holds) return verifier.result();
        }
        const newest = entries.at(-1);
        if (entries.length < SCAN_CHUNK || newest === undefined) return verifier.result();
        start = `(${newest[0]}`;
      }
    },
  };
}

function formatHead(record: AuditRecord): string {
  return `${record.sequence}:${record.hash}`;
}

function parseHead(head: string): ChainHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(head);
  if (match === null) return EMPTY_HEAD;
  return { sequence: Number(match[1]), hash: match[2] as string };
}

function parseEntry(fields: readonly string[]): AuditRecord | undefined {
  const index = fields.indexOf('r');
  const raw = index === -1 ? undefined : fields[index + 1];
  if (raw === undefined) return undefined;
  try {
    const parsed = auditRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function decodeStreamCursor(cursor: string): string {
  return decodeCursor(cursor, (position) => /^x:\d{1,20}-\d{1,20}$/.test(position)).slice(2);
}
