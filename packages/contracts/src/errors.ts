import { z } from 'zod';
import { ACR_VALUES } from './auth-requirement.js';
import { scopeSchema } from './scopes.js';

/**
 * Why a call was refused with 401 or 403, in RFC 6750 vocabulary where it has a word for it.
 * - 401: missing_credentials, invalid_credentials, invalid_token, expired_token, revoked_token, step_up_required
 * - 403: insufficient_scope, forbidden_role
 *
 * `step_up_required` (RFC 9470 `insufficient_user_authentication`): the
 * credential holds, but the sign-in behind it is too old or too weak for
 * this procedure; `data.auth.stepUp` says what a new sign-in must give.
 */
export const AUTH_FAILURE_REASONS = [
  'missing_credentials',
  'invalid_credentials',
  'invalid_token',
  'expired_token',
  'revoked_token',
  'step_up_required',
  'insufficient_scope',
  'forbidden_role',
] as const;

/** One of {@link AUTH_FAILURE_REASONS}: `data.auth.reason` of a 401 or 403. */
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/**
 * The 401/403 split, decided here once: 401 when the caller has no
 * credential that holds (authenticate again), 403 when it has one that may
 * not do this (asking again will not help). A new reason must pick a side.
 */
export const AUTH_FAILURE_STATUS = {
  missing_credentials: 'UNAUTHORIZED',
  invalid_credentials: 'UNAUTHORIZED',
  invalid_token: 'UNAUTHORIZED',
  expired_token: 'UNAUTHORIZED',
  revoked_token: 'UNAUTHORIZED',
  // RFC 9470 section 3: a 401, since the remedy is a new sign-in, not a different caller.
  step_up_required: 'UNAUTHORIZED',
  insufficient_scope: 'FORBIDDEN',
  forbidden_role: 'FORBIDDEN',
} as const satisfies Record<AuthFailureReason, 'UNAUTHORIZED' | 'FORBIDDEN'>;

/**
 * What a client can do about a refusal its `reason` alone does not say.
 * - `network_changed` (401 `invalid_token`): the access token is pinned to
 *   the network it was issued to and this call came from another. Sign in
 *   again (or refresh: the new token is issued to the network it is asked from).
 * - `invalid_dpop_proof` (401 `invalid_token`): the DPoP proof (RFC 9449) is
 *   missing or does not hold: wrong method or URL, too old, replayed, or not
 *   about the presented token. Sign a new proof for this request.
 * - `use_dpop_nonce` (401 `invalid_token`): the server wants its nonce in the
 *   proof; it is in the `DPoP-Nonce` header. Sign again with it.
 * - `dpop_key_mismatch` (401 `invalid_token`): the token is bound to a DPoP
 *   key and came as a Bearer token or with another key's proof.
 * - `certificate_mismatch` (401 `invalid_token`): the token is bound to a
 *   client certificate (RFC 8705) this connection did not present.
 */
export const AUTH_FAILURE_DETAILS = ['network_changed', 'invalid_dpop_proof', 'use_dpop_nonce', 'dpop_key_mismatch', 'certificate_mismatch'] as const;

/** One of {@link AUTH_FAILURE_DETAILS}: `data.auth.detail`. */
export type AuthFailureDetail = (typeof AUTH_FAILURE_DETAILS)[number];

/**
 * `data.auth.stepUp` of a `step_up_required` refusal, the RFC 9470 challenge's
 * `acr_values` and `max_age` as data: sign in again (with the second factor
 * when `acrValues` names `mfa`, within `maxAge` seconds) and retry.
 */
export const stepUpErrorDataSchema = z.object({
  acrValues: z.array(z.enum(ACR_VALUES)).optional(),
  maxAge: z.number().int().nonnegative().optional(),
});

export type StepUpErrorData = z.infer<typeof stepUpErrorDataSchema>;

/**
 * `data.auth` of a 401 or 403. `policy` names the contract's policy that
 * refused the call (403 `forbidden_role` from a policy declared
 * `whenDenied: 'forbidden'`); a plain string, so a client built before a
 * policy was added still reads the error.
 */
export const authErrorDataSchema = z.object({
  reason: z.enum(AUTH_FAILURE_REASONS),
  requiredScopes: z.array(scopeSchema).optional(),
  missingScopes: z.array(scopeSchema).optional(),
  detail: z.enum(AUTH_FAILURE_DETAILS).optional(),
  policy: z.string().optional(),
  stepUp: stepUpErrorDataSchema.optional(),
});

/** `data.auth` of a 401 or 403; see {@link authErrorDataSchema}. */
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

/** `data.rateLimit` of a 429; see {@link rateLimitErrorDataSchema}. */
export type RateLimitErrorData = z.infer<typeof rateLimitErrorDataSchema>;

/** One input problem, with the path of the field it belongs to. */
export const fieldIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.string(),
});

/** One entry of `data.issues` of a 400; see {@link fieldIssueSchema}. */
export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/** The tRPC error codes that have no data of their own beyond the common fields. */
export const OTHER_ERROR_CODES = [
  'PARSE_ERROR',
  'INTERNAL_SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'BAD_GATEWAY',
  'GATEWAY_TIMEOUT',
  'PAYMENT_REQUIRED',
  'METHOD_NOT_SUPPORTED',
  'TIMEOUT',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_CONTENT',
  'PRECONDITION_REQUIRED',
  'CLIENT_CLOSED_REQUEST',
] as const;

/** One of {@link OTHER_ERROR_CODES}. */
export type OtherErrorCode = (typeof OTHER_ERROR_CODES)[number];

// tRPC's own fields plus the request id. Loose, because tRPC may add fields.
const common = {
  httpStatus: z.number().int(),
  path: z.string().optional(),
  requestId: z.string().optional(),
};

/** 401: `auth.reason` says why (missing, invalid, expired or revoked credential). */
export const unauthorizedErrorDataSchema = z.looseObject({
  code: z.literal('UNAUTHORIZED'),
  ...common,
  auth: authErrorDataSchema.optional(),
});

/** 403: `auth` names the reason and, for insufficient_scope, the required and missing scopes. */
export const forbiddenErrorDataSchema = z.looseObject({
  code: z.literal('FORBIDDEN'),
  ...common,
  auth: authErrorDataSchema.optional(),
});

/** 429: `rateLimit` says which budget ran out and when to come back. */
export const tooManyRequestsErrorDataSchema = z.looseObject({
  code: z.literal('TOO_MANY_REQUESTS'),
  ...common,
  rateLimit: rateLimitErrorDataSchema.optional(),
});

/** 400: `issues` name each refused field (absent when the request itself could not be read). */
export const badRequestErrorDataSchema = z.looseObject({
  code: z.literal('BAD_REQUEST'),
  ...common,
  issues: z.array(fieldIssueSchema).optional(),
});

/** 404: no such record, or one the caller may not see. */
export const notFoundErrorDataSchema = z.looseObject({ code: z.literal('NOT_FOUND'), ...common });

/** 503: on an overloaded server (too many logins at once), `retryAfterMs`; absent for a store outage. */
export const serviceUnavailableErrorDataSchema = z.looseObject({
  code: z.literal('SERVICE_UNAVAILABLE'),
  ...common,
  retryAfterMs: z.number().int().nonnegative().optional(),
});

/** Every other tRPC code (409 on a taken email, 500, ...). */
export const otherErrorDataSchema = z.looseObject({ code: z.enum(OTHER_ERROR_CODES), ...common });

/**
 * The `data` of every Gatehouse error on the wire (docs/wire-protocol.md, "Errors"),
 * a union discriminated by `code`: `auth` exists only on 401 and 403,
 * `rateLimit` only on 429, `issues` only on 400, `retryAfterMs` only on 503.
 * The server's error formatter produces it and the client parses it with
 * this same schema.
 */
export const errorDataSchema = z.discriminatedUnion('code', [
  unauthorizedErrorDataSchema,
  forbiddenErrorDataSchema,
  tooManyRequestsErrorDataSchema,
  badRequestErrorDataSchema,
  notFoundErrorDataSchema,
  serviceUnavailableErrorDataSchema,
  otherErrorDataSchema,
]);

/**
 * The `data` of any Gatehouse error; narrow it on `code`.
 *
 * @example
 * ```ts
 * const data = errorDataSchema.parse(body.error.data);
 * if (data.code === 'TOO_MANY_REQUESTS') await sleep(data.rateLimit?.retryAfterMs ?? 1000);
 * ```
 */
export type ErrorData = z.infer<typeof errorDataSchema>;

/** The wire data of one code, e.g. `ErrorDataOf<'TOO_MANY_REQUESTS'>`. */
export type ErrorDataOf<TCode extends ErrorData['code']> = Extract<ErrorData, { code: TCode }>;
