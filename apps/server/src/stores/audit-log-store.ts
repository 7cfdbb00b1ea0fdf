import type { AuditChainVerification, AuditRecord, SecurityEventType } from '@gatehouse/contracts';
import type { SecurityEvent } from '../audit/security-events.js';
import type { Page, PageRequest } from './page.js';

export interface AuditLogFilter {
  readonly type?: SecurityEventType | undefined;
  /** A principal key such as `user:<id>`. */
  readonly principal?: string | undefined;
}

/** What a trim removed: `removed` records, every one below `trimmedBefore`. */
export interface AuditTrim {
  readonly removed: number;
  readonly trimmedBefore: number;
}

/**
 * The audit log: an append-only, keyed hash chain of security events. It is
 * trimmed by age only (GATEHOUSE_AUDIT_LOG_RETENTION), never by the volume
 * of recent events, and every trim leaves a sealed low-water mark, so
 * verification tells retention apart from records cut off the start.
 */
export interface AuditLogStore {
  /** Appends the event as the next link of the chain. Atomic: concurrent writers never fork it. */
  append(event: SecurityEvent): Promise<AuditRecord>;
  /** Newest first. */
  list(filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** Recomputes the chain over every kept record, checks both ends against their marks, and reports the first break. */
  verify(): Promise<AuditChainVerification>;
  /**
   * Removes the records older than `before`, oldest first, and moves the
   * low-water mark past them. Stops early at a record that does not verify:
   * retention never erases the evidence of an edit.
   */
  trimBefore(before: Date): Promise<AuditTrim>;
}

export function matchesAuditFilter(record: AuditRecord, filter: AuditLogFilter): boolean {
  return (
    (filter.type === undefined || record.type === filter.type) &&
    (filter.principal === undefined || record.principal === filter.principal)
  );
}

/** Thrown by append when the stored head is missing or not one the server sealed: linking to it would hide the break. */
export class AuditChainHeadError extends Error {
  constructor(problem: 'missing' | 'invalid' | 'rewound') {
    super(`The audit log head is ${problem}: appends stop until admin.auditLog.verify is clean again`);
    this.name = 'AuditChainHeadError';
  }
}
