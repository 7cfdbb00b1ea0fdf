import type { AuditChainVerification, AuditRecord, SecurityEventType } from '@gatehouse/contracts';
import type { SecurityEvent } from '../audit/security-events.js';
import type { Page, PageRequest } from './page.js';

export interface AuditLogFilter {
  readonly type?: SecurityEventType | undefined;
  /** A principal key such as `user:<id>`. */
  readonly principal?: string | undefined;
}

/**
 * The audit log: an append-only, bounded, hash-chained record of security
 * events. When full, the oldest records go first; verification starts at
 * the oldest one kept.
 */
export interface AuditLogStore {
  /** Appends the event as the next link of the chain. Atomic: concurrent writers never fork it. */
  append(event: SecurityEvent): Promise<AuditRecord>;
  /** Newest first. */
  list(filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** Recomputes the chain over every kept record and reports the first break. */
  verify(): Promise<AuditChainVerification>;
}

/** How many records an audit log keeps by default before dropping the oldest. */
export const DEFAULT_AUDIT_LOG_MAX_RECORDS = 100_000;

export function matchesAuditFilter(record: AuditRecord, filter: AuditLogFilter): boolean {
  return (
    (filter.type === undefined || record.type === filter.type) &&
    (filter.principal === undefined || record.principal === filter.principal)
  );
}
