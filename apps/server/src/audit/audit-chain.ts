import { createHash } from 'node:crypto';
import type { AuditChainVerification, AuditRecord } from '@gatehouse/contracts';
import type { SecurityEvent } from './security-events.js';

/** The previousHash of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

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

/** SHA-256 over everything in the record but its own hash, previousHash included: that is the chain. */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { sequence, time, type, ip, principal, requestId, details, previousHash } = record;
  const content = canonicalJson({ sequence, time, type, ip, principal, requestId, details, previousHash });
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The record an event becomes at `sequence`, linked to the record before it. */
export function sealRecord(event: SecurityEvent, sequence: number, previousHash: string): AuditRecord {
  const unsealed = {
    sequence,
    time: event.time,
    type: event.type,
    ip: event.ip,
    principal: event.principal ?? null,
    requestId: event.requestId,
    details: { ...event.details } as AuditRecord['details'],
    previousHash,
  };
  return { ...unsealed, hash: hashRecord(unsealed) };
}

/** The head of a chain: what the next record links to. */
export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_HEAD: ChainHead = { sequence: -1, hash: GENESIS_HASH };

/**
 * Checks records fed oldest first and remembers the first one that breaks
 * the chain. The oldest retained record is trusted to link to what a bounded
 * log has trimmed away; from there every record must hash to its own `hash`,
 * follow its predecessor by one, and carry its predecessor's hash.
 */
export function createChainVerifier() {
  let previous: AuditRecord | undefined;
  let checkedFrom: number | null = null;
  let checked = 0;
  let firstBreak: AuditChainVerification['firstBreak'] = null;

  return {
    /** Returns false once the chain is broken: callers may stop reading. */
    check(record: AuditRecord): boolean {
      if (firstBreak !== null) return false;
      checked += 1;
      checkedFrom ??= record.sequence;
      if (hashRecord(record) !== record.hash) {
        firstBreak = { sequence: record.sequence, reason: 'hash_mismatch' };
      } else if (previous === undefined && record.sequence === 0 && record.previousHash !== GENESIS_HASH) {
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
        firstBreak = { sequence: previous === undefined ? (checkedFrom ?? 0) : previous.sequence + 1, reason: 'hash_mismatch' };
      }
      return false;
    },
    result(): AuditChainVerification {
      return { intact: firstBreak === null, checked, checkedFrom, firstBreak };
    },
  };
}
