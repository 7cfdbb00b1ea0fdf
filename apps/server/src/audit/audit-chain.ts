import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditChainVerification, AuditRecord } from '@gatehouse/contracts';
import type { SecurityEvent } from './security-events.js';

/** The previousHash of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** Fewest bytes an audit key may have: HMAC-SHA-256's own output size (RFC 2104 section 3). */
export const MIN_AUDIT_KEY_BYTES = 32;

/**
 * JSON with object keys sorted at every depth, so a record hashes the same
 * whichever store held it and in whatever order its keys came back.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The head of a chain: what the next record links to. */
export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_HEAD: ChainHead = { sequence: -1, hash: GENESIS_HASH };

/**
 * What retention removed: every record below `sequence` is gone, and the
 * record at `sequence` must link to `previousHash` (the hash of the last one
 * removed). Without it, a cut at the start of the log would look exactly
 * like retention.
 */
export interface LowWaterMark {
  readonly sequence: number;
  readonly previousHash: string;
}

export const NOTHING_TRIMMED: LowWaterMark = { sequence: 0, previousHash: GENESIS_HASH };

/**
 * The keyed chain. Every hash is an HMAC-SHA-256 under the server's audit
 * key (GATEHOUSE_AUDIT_HMAC_KEY), so someone who can write to the store but
 * does not hold the key can neither re-chain records after an edit nor
 * append a record that links: a plain SHA-256 chain only proves that the
 * editor was careless. The head and the low-water mark are sealed the same
 * way, each with its own label, so neither can be forged or swapped for a
 * record's hash.
 */
export interface AuditChain {
  hash(record: Omit<AuditRecord, 'hash'>): string;
  /** The record an event becomes at `sequence`, linked to the record before it. */
  seal(event: SecurityEvent, sequence: number, previousHash: string): AuditRecord;
  /** The head as stored beside the log: `sequence:hash:mac`. */
  formatHead(head: ChainHead): string;
  /** The stored head, or 'invalid' when it is not one this key sealed. */
  parseHead(text: string): ChainHead | 'invalid';
  formatLowWater(mark: LowWaterMark): string;
  parseLowWater(text: string): LowWaterMark | 'invalid';
}

export function createAuditChain(key: Uint8Array): AuditChain {
  if (key.byteLength < MIN_AUDIT_KEY_BYTES) throw new RangeError(`An audit key has at least ${MIN_AUDIT_KEY_BYTES} bytes`);
  const secret = Buffer.from(key);
  const mac = (label: string, content: string) => createHmac('sha256', secret).update(`${label}\n${content}`, 'utf8').digest('hex');

  function hash(record: Omit<AuditRecord, 'hash'>): string {
    const { sequence, time, type, ip, principal, requestId, details, count, lastTime, previousHash } = record;
    return mac('record', canonicalJson({ sequence, time, type, ip, principal, requestId, details, count, lastTime, previousHash }));
  }

  function sealed(label: string, sequence: number, hashed: string): string {
    return `${sequence}:${hashed}:${mac(label, `${sequence}:${hashed}`)}`;
  }

  function opened(label: string, text: string): { sequence: number; hash: string } | 'invalid' {
    const match = /^(\d{1,15}):([0-9a-f]{64}):([0-9a-f]{64})$/.exec(text);
    if (match === null) return 'invalid';
    const [, sequence = '', hashed = '', tag = ''] = match;
    const expected = Buffer.from(mac(label, `${sequence}:${hashed}`), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(tag, 'hex'))) return 'invalid';
    return { sequence: Number(sequence), hash: hashed };
  }

  return {
    hash,
    seal(event, sequence, previousHash) {
      const unsealed: Omit<AuditRecord, 'hash'> = {
        sequence,
        time: event.time,
        type: event.type,
        ip: event.ip,
        principal: event.principal ?? null,
        requestId: event.requestId,
        details: { ...event.details } as AuditRecord['details'],
        ...(event.count === undefined ? {} : { count: event.count }),
        ...(event.lastTime === undefined ? {} : { lastTime: event.lastTime }),
        previousHash,
      };
      return { ...unsealed, hash: hash(unsealed) };
    },
    formatHead: (head) => sealed('head', head.sequence, head.hash),
    parseHead: (text) => opened('head', text),
    formatLowWater: (mark) => sealed('low-water', mark.sequence, mark.previousHash),
    parseLowWater(text) {
      const mark = opened('low-water', text);
      return mark === 'invalid' ? mark : { sequence: mark.sequence, previousHash: mark.hash };
    },
  };
}

/** Where a log starts, as the store holds it apart from the records. */
export interface ChainStart {
  readonly lowWater: LowWaterMark | 'invalid';
  /** The highest sequence this process wrote or saw as head: a head below it was rewound. */
  readonly highestKnown: number;
}

/** The stored head, read after the records; undefined when none is stored. */
export type StoredHead = ChainHead | 'invalid' | undefined;

/**
 * Checks records fed oldest first and remembers the first one that breaks
 * the chain: the oldest must be where the low-water mark says retention
 * stopped, every record must carry its own keyed hash, follow its
 * predecessor by one and link to its hash, and the newest must be the
 * stored head. Deleting from either end, or everything, is therefore a break.
 */
export function createChainVerifier(chain: AuditChain, start: ChainStart) {
  let previous: AuditRecord | undefined;
  let checkedFrom: number | null = null;
  let checked = 0;
  let firstBreak: AuditChainVerification['firstBreak'] = null;
  const lowWater = start.lowWater === 'invalid' ? NOTHING_TRIMMED : start.lowWater;
  if (start.lowWater === 'invalid') firstBreak = { sequence: 0, reason: 'low_water_mismatch' };

  function checkTail(head: StoredHead): void {
    const storedHeadSequence = head === undefined || head === 'invalid' ? -1 : head.sequence;
    const expectedNext = previous === undefined ? lowWater.sequence : previous.sequence + 1;
    if (head === 'invalid' || (head === undefined && expectedNext !== 0)) {
      firstBreak = { sequence: expectedNext, reason: 'head_mismatch' };
    } else if (head !== undefined && previous === undefined && head.sequence + 1 !== lowWater.sequence) {
      firstBreak = { sequence: lowWater.sequence, reason: 'head_mismatch' };
    } else if (head !== undefined && previous !== undefined && (previous.sequence !== head.sequence || previous.hash !== head.hash)) {
      // Newest records missing: name the first; a record past the head: name it.
      firstBreak = { sequence: previous.sequence < head.sequence ? previous.sequence + 1 : previous.sequence, reason: 'head_mismatch' };
    } else if (storedHeadSequence < start.highestKnown) {
      firstBreak = { sequence: storedHeadSequence + 1, reason: 'head_mismatch' };
    }
  }

  return {
    /** Returns false once the chain is broken: callers may stop reading. */
    check(record: AuditRecord): boolean {
      if (firstBreak !== null) return false;
      checked += 1;
      checkedFrom ??= record.sequence;
      if (previous === undefined && record.sequence > lowWater.sequence) {
        firstBreak = { sequence: lowWater.sequence, reason: 'start_missing' };
      } else if (previous === undefined && record.sequence < lowWater.sequence) {
        firstBreak = { sequence: record.sequence, reason: 'low_water_mismatch' };
      } else if (chain.hash(record) !== record.hash) {
        firstBreak = { sequence: record.sequence, reason: 'hash_mismatch' };
      } else if (previous === undefined && record.previousHash !== lowWater.previousHash) {
        firstBreak = { sequence: record.sequence, reason: 'previous_hash_mismatch' };
      } else if (previous !== undefined && record.sequence !== previous.sequence + 1) {
        firstBreak = { sequence: record.sequence, reason: 'sequence_gap' };
      } else if (previous !== undefined && record.previousHash !== previous.hash) {
        firstBreak = { sequence: record.sequence, reason: 'previous_hash_mismatch' };
      }
      previous = record;
      return firstBreak === null;
    },
    /** A stored entry that no longer reads as a record at all: edited, so a break where it stands. */
    unreadable(): false {
      if (firstBreak === null) {
        checked += 1;
        firstBreak = { sequence: previous === undefined ? lowWater.sequence : previous.sequence + 1, reason: 'hash_mismatch' };
      }
      return false;
    },
    /** The newest record seen so far, or undefined. */
    newestSequence(): number | undefined {
      return previous?.sequence;
    },
    result(head: StoredHead): AuditChainVerification {
      if (firstBreak === null) checkTail(head);
      return { intact: firstBreak === null, checked, checkedFrom, trimmedBefore: lowWater.sequence, firstBreak };
    },
  };
}
