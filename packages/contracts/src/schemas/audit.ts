import { z } from 'zod';
import { isoTimestamp } from './common.js';

/** Every security event type; each event is logged and kept in the audit log (docs/operations.md, "The audit log"). */
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
  // An admin set a user's attributes (department, region), which policies read.
  'user.attributes_changed',
  // An access token used from another network than the one it was issued to (rate-limited per token).
  'token.ip_mismatch',
  // Operators' changes through `pnpm gatehouse` (principal `cli:<os user>`), audited like the API's own.
  'user.created',
  'user.disabled',
  'user.unlocked',
  'client.created',
  'client.secret_rotated',
  'client.disabled',
  'abuse.credential_stuffing',
  'abuse.enumeration',
  // Not a caller's action: the server reporting that retention (or the development store's cap) removed records.
  'audit.trimmed',
] as const;

/** One of {@link SECURITY_EVENT_TYPES}. */
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/** One of {@link SECURITY_EVENT_TYPES}, as a schema (admin.auditLog.list filters by it). */
export const securityEventTypeSchema = z.enum(SECURITY_EVENT_TYPES);

/** A principal as the audit log names it: `user:<id>`, `apikey:<id>`, `client:<id>`, `service:<name>` or `cli:<os user>` (an operator's `pnpm gatehouse`). */
export const principalKeySchema = z.string().min(1).max(200).regex(/^(?:user|apikey|client|service|cli):[\w.:@-]{1,190}$/, 'A principal is kind:id, e.g. user:<uuid>');

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
 * One audit log record: the event (time, type, ip, principal if any, requestId, details),
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
  /**
   * How many identical events this record stands for (absent: one). Repeated
   * refusals (authz.denied, ratelimit.exceeded, login.blocked) of one
   * principal or IP, type and procedure are aggregated per window: the first
   * is recorded at once, the repeats in one record with their count.
   */
  count: z.number().int().min(2).optional(),
  /** With `count`: when the last of the aggregated events happened (`time` is the first). */
  lastTime: isoTimestamp.optional(),
  /** HMAC-SHA-256 (hex) of the previous record; 64 zeros for the first record ever written. */
  previousHash: z.string(),
  /** HMAC-SHA-256 (hex, keyed with the server's audit key) of this record's canonical form, previousHash included. */
  hash: z.string(),
});

/** One audit log record; see {@link auditRecordSchema}. */
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/**
 * Why the chain does not hold at a record:
 * - `hash_mismatch`: the record is not what the server wrote (edited, or forged without the key);
 * - `previous_hash_mismatch`: the record does not link to the one before it;
 * - `sequence_gap`: records are missing in the middle;
 * - `head_mismatch`: the newest record is not the head the server last wrote (the newest were deleted, or the head was);
 * - `start_missing`: the oldest record is newer than what retention removed (records cut off the start);
 * - `low_water_mismatch`: the mark of what retention removed is not one the server wrote.
 */
export const CHAIN_BREAK_REASONS = [
  'hash_mismatch',
  'previous_hash_mismatch',
  'sequence_gap',
  'head_mismatch',
  'start_missing',
  'low_water_mismatch',
] as const;

/**
 * What admin.auditLog.verify found. `intact` is false from the first break
 * on; `firstBreak` names that record (or, for a missing one, where it should
 * be). Records removed by age retention are not a break: `trimmedBefore`
 * says below which sequence they were, `checkedFrom` where checking began.
 */
export const auditChainVerificationSchema = z.object({
  intact: z.boolean(),
  checked: z.number().int().nonnegative(),
  checkedFrom: z.number().int().nonnegative().nullable(),
  /** Records below this sequence were removed by retention (0: none ever were). */
  trimmedBefore: z.number().int().nonnegative().optional(),
  firstBreak: z
    .object({ sequence: z.number().int().nonnegative(), reason: z.enum(CHAIN_BREAK_REASONS) })
    .nullable(),
});

/** What admin.auditLog.verify returns; see {@link auditChainVerificationSchema}. */
export type AuditChainVerification = z.infer<typeof auditChainVerificationSchema>;
