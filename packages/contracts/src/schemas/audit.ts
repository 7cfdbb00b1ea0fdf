import { z } from 'zod';
import { isoTimestamp } from './common.js';

/** Every security event SPEC.md names; each is logged and kept in the audit log. */
export const SECURITY_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'login.blocked',
  'token.refreshed',
  'token.reuse_detected',
  'token.revoked',
  'authz.denied',
  'ratelimit.exceeded',
  'apikey.created',
  'apikey.revoked',
  'user.role_changed',
  'abuse.credential_stuffing',
  'abuse.enumeration',
] as const;

/** One of {@link SECURITY_EVENT_TYPES}. */
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

export const securityEventTypeSchema = z.enum(SECURITY_EVENT_TYPES);

/** A principal as the audit log names it: `user:<id>`, `apikey:<id>`, `client:<id>` or `service:<name>`. */
export const principalKeySchema = z.string().min(1).max(200).regex(/^(?:user|apikey|client|service):[\w.:@-]{1,190}$/, 'A principal is kind:id, e.g. user:<uuid>');

/** The input of admin.auditLog.list: newest first, optionally only one type or one principal. */
export const auditLogListInput = z
  .strictObject({
    cursor: z.string().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(100).optional(),
    type: securityEventTypeSchema.optional(),
    principal: principalKeySchema.optional(),
  })
  .optional();

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/**
 * One audit log record: the event as SPEC "Security events" describes it,
 * its position in the log, and the hash chain that makes edits detectable.
 */
export const auditRecordSchema = z.object({
  /** Position in the log, increasing by one per record; never reused. */
  sequence: z.number().int().nonnegative(),
  time: isoTimestamp,
  type: securityEventTypeSchema,
  ip: z.string(),
  principal: z.string().nullable(),
  requestId: z.string(),
  details: z.record(z.string(), detailValue),
  /** SHA-256 (hex) of the previous record; 64 zeros for the first record ever written. */
  previousHash: z.string(),
  /** SHA-256 (hex) of this record's canonical form, previousHash included. */
  hash: z.string(),
});

export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** Why the chain does not hold at a record. */
export const CHAIN_BREAK_REASONS = ['hash_mismatch', 'previous_hash_mismatch', 'sequence_gap'] as const;

/**
 * What admin.auditLog.verify found. `intact` is false from the first break
 * on; `firstBreak` names that record. Records trimmed off the start of a
 * bounded log are not a break: `checkedFrom` says where checking began.
 */
export const auditChainVerificationSchema = z.object({
  intact: z.boolean(),
  checked: z.number().int().nonnegative(),
  checkedFrom: z.number().int().nonnegative().nullable(),
  firstBreak: z
    .object({ sequence: z.number().int().nonnegative(), reason: z.enum(CHAIN_BREAK_REASONS) })
    .nullable(),
});

export type AuditChainVerification = z.infer<typeof auditChainVerificationSchema>;
