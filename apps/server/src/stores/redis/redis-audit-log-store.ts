import { auditRecordSchema, type AuditChainVerification, type AuditRecord } from '@gatehouse/contracts';
import type { RedisClient } from './redis-client.js';
import { createChainVerifier, EMPTY_HEAD, NOTHING_TRIMMED, type AuditChain, type ChainHead, type LowWaterMark, type StoredHead } from '../../audit/audit-chain.js';
import type { SecurityEvent } from '../../audit/security-events.js';
import { AuditChainHeadError, matchesAuditFilter, type AuditLogStore } from '../audit-log-store.js';
import { decodeCursor, encodeCursor } from '../page.js';
import { createRedisScript } from './redis-script.js';

export interface RedisAuditLogStoreOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly chain: AuditChain;
}

/**
 * Compare-and-append. Redis Lua has no HMAC, so the hash and the sealed head
 * are computed by the caller against the head it last saw; the script
 * appends only if that head is still the head, else returns the real one for
 * a retry. Two processes can therefore never link two records to the same
 * predecessor. The stream has no TTL and no MAXLEN: it is trimmed by age
 * only (trimBefore), never by how much was written lately.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
redis.call('XADD', KEYS[1], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return {1, ''}
`;
const appendScript = createRedisScript(APPEND_SCRIPT);

/**
 * Retention: moves the sealed low-water mark and removes what lies below it
 * in one step, so the mark always says exactly what retention removed. The
 * mark must still be the one the caller read: two trimmers never interleave.
 */
const TRIM_SCRIPT = `
local mark = redis.call('GET', KEYS[2]) or ''
if mark ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[3])
`;
const trimScript = createRedisScript(TRIM_SCRIPT);

/** Enough for a burst of writers from many processes; past it something is badly wrong. */
const MAX_APPEND_ATTEMPTS = 20;
const SCAN_CHUNK = 200;
/** Appends racing a verification can move the head while it reads; it catches up this often at most. */
const MAX_TAIL_CATCH_UPS = 5;

export class AuditAppendConflictError extends Error {
  constructor() {
    super(`The audit log head kept moving: gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
    this.name = 'AuditAppendConflictError';
  }
}

/** The shared audit log: one Redis stream, its sealed head and its sealed low-water mark, under the configured prefix. */
export function createRedisAuditLogStore(options: RedisAuditLogStoreOptions): AuditLogStore {
  const { redis, chain } = options;
  // One chain is one sequence: its three keys share one hash tag so that each append and trim is one atomic
  // script on a Redis Cluster too. The chain is the one thing kept under a single tag; every hot path (tokens,
  // limits, API keys) spreads by user, family or owner.
  const streamKey = `${options.keyPrefix}{audit}:log`;
  const headKey = `${options.keyPrefix}{audit}:head`;
  const lowWaterKey = `${options.keyPrefix}{audit}:low-water`;
  let knownHead: string | undefined;
  // A head below what this process has seen was rewound: refused on append, a break on verify.
  let highestKnown = -1;
  // Appends from this process go one at a time: they would only contend with each other.
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * The stored head, read in one transaction with what tells a new log from a deleted head: read apart, another
   * process's first append landing between the two reads made a new log look like one whose head was deleted.
   * No head is a new log unless records or a low-water mark say otherwise.
   */
  async function readHeadText(): Promise<string> {
    const replies = await redis.multi().get(headKey).xlen(streamKey).exists(lowWaterKey).exec();
    const [headReply, lengthReply, markReply] = replies ?? [];
    const failure = headReply?.[0] ?? lengthReply?.[0] ?? markReply?.[0];
    if (failure) throw failure;
    const text = (headReply?.[1] as string | null) ?? '';
    const length = lengthReply?.[1] as number;
    const marked = markReply?.[1] as number;
    if (text === '' && (length > 0 || marked > 0 || highestKnown >= 0)) throw new AuditChainHeadError('missing');
    return text;
  }

  function currentHead(text: string): ChainHead {
    if (text === '') return EMPTY_HEAD;
    const head = chain.parseHead(text);
    if (head === 'invalid') throw new AuditChainHeadError('invalid');
    if (head.sequence < highestKnown) throw new AuditChainHeadError('rewound');
    return head;
  }

  async function appendNow(event: SecurityEvent): Promise<AuditRecord> {
    let read = knownHead === undefined;
    let text = knownHead ?? (await readHeadText());
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      // An empty head not just read with its context (the script's answer): deleted meanwhile, or never written?
      if (text === '' && !read) text = await readHeadText();
      read = false;
      const previous = currentHead(text);
      const record = chain.seal(event, previous.sequence + 1, previous.hash);
      const next = chain.formatHead(record);
      const [appended, actual] = (await appendScript.run(redis, [streamKey, headKey], [text, next, JSON.stringify(record)])) as [number, string];
      if (appended === 1) {
        knownHead = next;
        highestKnown = Math.max(highestKnown, record.sequence);
        return record;
      }
      text = actual;
    }
    knownHead = undefined;
    throw new AuditAppendConflictError();
  }

  async function readAnchors(): Promise<{ lowWater: LowWaterMark | 'invalid'; first: Array<[string, string[]]> }> {
    // The mark and the oldest records in one transaction: a trim between the two would look like a cut.
    const replies = await redis.multi().get(lowWaterKey).xrange(streamKey, '-', '+', 'COUNT', SCAN_CHUNK).exec();
    const [markReply, firstReply] = replies ?? [];
    if (markReply?.[0] || firstReply?.[0]) throw markReply?.[0] ?? firstReply?.[0];
    const mark = markReply?.[1] as string | null;
    return { lowWater: mark === null ? NOTHING_TRIMMED : chain.parseLowWater(mark), first: firstReply?.[1] as Array<[string, string[]]> };
  }

  async function verifyOnce(): Promise<AuditChainVerification> {
    const anchors = await readAnchors();
    const verifier = createChainVerifier(chain, { lowWater: anchors.lowWater, highestKnown });
    let entries = anchors.first;
    let lastId: string | undefined;
    let head: StoredHead;
    // Read to the end, then the head; appends in between are caught up with, so the head read is never older than the tail.
    for (let catchUps = 0; ; catchUps += 1) {
      for (;;) {
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          lastId = id;
          const holds = record === undefined ? verifier.unreadable() : verifier.check(record);
          if (!holds) return verifier.result(undefined);
        }
        if (entries.length < SCAN_CHUNK || lastId === undefined) break;
        entries = await redis.xrange(streamKey, `(${lastId}`, '+', 'COUNT', SCAN_CHUNK);
      }
      const text = await redis.get(headKey);
      head = text === null ? undefined : chain.parseHead(text);
      const newest = verifier.newestSequence() ?? -1;
      if (head === undefined || head === 'invalid' || head.sequence <= newest || catchUps === MAX_TAIL_CATCH_UPS) break;
      entries = await redis.xrange(streamKey, lastId === undefined ? '-' : `(${lastId}`, '+', 'COUNT', SCAN_CHUNK);
    }
    if (head !== undefined && head !== 'invalid') highestKnown = Math.max(highestKnown, head.sequence);
    return verifier.result(head);
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
      // Filters apply while scanning newest to oldest.
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
      const first = await verifyOnce();
      // A trim running during the read can look like a cut; a real break is there the second time too.
      return first.intact ? first : verifyOnce();
    },

    async trimBefore(before) {
      const cutoff = before.getTime();
      const markText = await redis.get(lowWaterKey);
      const mark = markText === null ? NOTHING_TRIMMED : chain.parseLowWater(markText);
      if (mark === 'invalid') return { removed: 0, trimmedBefore: 0 };
      let expected = mark;
      let lastExpiredId: string | undefined;
      let start = '-';
      scan: for (;;) {
        const entries = await redis.xrange(streamKey, start, '+', 'COUNT', SCAN_CHUNK);
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          const holds =
            record !== undefined &&
            record.sequence === expected.sequence &&
            record.previousHash === expected.previousHash &&
            chain.hash(record) === record.hash;
          if (!holds || Date.parse(record.time) >= cutoff) break scan;
          expected = { sequence: record.sequence + 1, previousHash: record.hash };
          lastExpiredId = id;
        }
        const newest = entries.at(-1);
        if (entries.length < SCAN_CHUNK || newest === undefined) break;
        start = `(${newest[0]}`;
      }
      if (lastExpiredId === undefined) return { removed: 0, trimmedBefore: mark.sequence };
      const removed = (await trimScript.run(redis, [streamKey, lowWaterKey], [markText ?? '', chain.formatLowWater(expected), idAfter(lastExpiredId)])) as number;
      // Another process trimmed first; it reports its own trim.
      if (removed < 0) return { removed: 0, trimmedBefore: mark.sequence };
      return { removed, trimmedBefore: expected.sequence };
    },
  };
}

/** The smallest stream id above `id` (`ms-seq`): XTRIM MINID keeps it and everything after. */
function idAfter(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${(BigInt(seq) + 1n).toString()}`;
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
