import { z } from 'zod';
import { scopeSchema } from './scopes.js';

/**
 * Why a call was refused with 401 or 403, in RFC 6750 vocabulary where it has a word for it.
 * - 401: missing_credentials, invalid_credentials, invalid_token, expired_token, revoked_token
 * - 403: insufficient_scope, forbidden_role
 */
export const AUTH_FAILURE_REASONS = [
  'missing_credentials',
  'invalid_credentials',
  'invalid_token',
  'expired_token',
  'revoked_token',
  'insufficient_scope',
  'forbidden_role',
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** `data.auth` of a 401 or 403. */
export const authErrorDataSchema = z.object({
  reason: z.enum(AUTH_FAILURE_REASONS),
  requiredScopes: z.array(scopeSchema).optional(),
  missingScopes: z.array(scopeSchema).optional(),
});

export type AuthErrorData = z.infer<typeof authErrorDataSchema>;

/** `data.rateLimit` of a 429. */
export const rateLimitErrorDataSchema = z.object({
  limit: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
  /** ISO 8601 time at which the budget refills. */
  resetAt: z.iso.datetime({ offset: true }),
  /** How long to wait before trying again, in milliseconds. */
  retryAfterMs: z.number().int().nonnegative(),
  /** The name of the policy that was exceeded, e.g. `auth.login:email+ip`. */
  policy: z.string(),
});

export type RateLimitErrorData = z.infer<typeof rateLimitErrorDataSchema>;

/** One input problem, with the path of the field it belongs to. */
export const fieldIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.string(),
});

export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/**
 * The `data` of every Gatehouse error on the wire: tRPC's own fields
 * (`code`, `httpStatus`, `path`) plus the request id and, depending on the
 * error, `auth`, `rateLimit` or `issues`. Loose, because tRPC may add fields.
 */
export const errorDataSchema = z.looseObject({
  code: z.string(),
  httpStatus: z.number().int(),
  path: z.string().optional(),
  requestId: z.string().optional(),
  auth: authErrorDataSchema.optional(),
  rateLimit: rateLimitErrorDataSchema.optional(),
  issues: z.array(fieldIssueSchema).optional(),
  /** On a 503 (the server is busy, e.g. too many logins at once): how long to wait, in milliseconds. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});

export type ErrorData = z.infer<typeof errorDataSchema>;
