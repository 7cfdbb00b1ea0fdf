import { z } from 'zod';
import { scopeSchema } from '../scopes.js';
import { idSchema, isoTimestamp } from './common.js';

/** The longest lifetime a key may be given at creation: ten years (a key minted with a key: no longer than that key). */
export const API_KEY_MAX_EXPIRY_DAYS = 3650;

/**
 * The input of apiKeys.create. Scopes must be a subset of the caller's own
 * (checked by the server, 403 insufficient_scope otherwise); duplicates are
 * folded. Without `expiresInDays` the key lives until it is revoked. A key
 * created by a caller authenticated with an API key expires no later than
 * that key and is revoked with it.
 */
export const createApiKeyInput = z.strictObject({
  name: z.string().trim().min(1, 'A key name cannot be empty').max(100, 'A key name has at most 100 characters'),
  scopes: z
    .array(scopeSchema)
    .min(1, 'A key needs at least one scope')
    .transform((scopes) => [...new Set(scopes)]),
  expiresInDays: z.number().int().min(1).max(API_KEY_MAX_EXPIRY_DAYS).optional(),
});

/** The input of apiKeys.create as a caller writes it; see {@link createApiKeyInput}. */
export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

/**
 * What apiKeys.create returns. `key` is the secret itself, shown this once:
 * the server keeps only its SHA-256 hash and can never show it again.
 * `prefix` is the key's first characters, safe to display to tell keys apart.
 */
export const createdApiKeySchema = z.object({
  id: idSchema,
  key: z.string(),
  prefix: z.string(),
  scopes: z.array(scopeSchema),
  /** ISO 8601, or null for a key that does not expire. */
  expiresAt: isoTimestamp.nullable(),
});

/**
 * What apiKeys.create returns; see {@link createdApiKeySchema}. Handing it to
 * `createGatehouseClient({ url, apiKey: created })` binds the client's types to the key's scopes.
 */
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

/** A key as apiKeys.list shows it: never the key or its hash. */
export const apiKeySchema = z.object({
  id: idSchema,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(scopeSchema),
  createdAt: isoTimestamp,
  /** Updated at most once a minute, so it is accurate to about a minute. */
  lastUsedAt: isoTimestamp.nullable(),
  expiresAt: isoTimestamp.nullable(),
});

/** A key as apiKeys.list shows it; see {@link apiKeySchema}. */
export type ApiKey = z.infer<typeof apiKeySchema>;

/** What apiKeys.revoke returns: the key that no longer authenticates, and since when. */
export const revokedApiKeySchema = z.object({
  id: idSchema,
  revokedAt: isoTimestamp,
});

/** What apiKeys.revoke returns; see {@link revokedApiKeySchema}. */
export type RevokedApiKey = z.infer<typeof revokedApiKeySchema>;

/** The input of admin.apiKeys.list: one user's keys, page by page. */
export const adminApiKeyListInput = z.strictObject({
  userId: idSchema,
  cursor: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(100).optional(),
});

/** The input of admin.apiKeys.revoke: a key of the named user. */
export const adminRevokeApiKeyInput = z.strictObject({ userId: idSchema, id: idSchema });

/** What admin.sessions.revokeAll returns: the sessions and the API keys it ended. */
export const revokeUserAccessOutput = z.object({
  /** How many refresh families (logged-in sessions) were live and are now revoked. */
  revokedFamilies: z.number().int().nonnegative(),
  /** How many of the user's API keys were not revoked yet and now are. */
  revokedApiKeys: z.number().int().nonnegative(),
});

/** What admin.sessions.revokeAll returns; see {@link revokeUserAccessOutput}. */
export type RevokeUserAccess = z.infer<typeof revokeUserAccessOutput>;
