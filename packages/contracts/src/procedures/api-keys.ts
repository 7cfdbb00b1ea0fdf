import { defineMutation, defineQuery } from '../define-procedure.js';
import { apiKeySchema, createApiKeyInput, createdApiKeySchema, revokedApiKeySchema } from '../schemas/api-key.js';
import { byIdInput, pageInput, pageOf } from '../schemas/common.js';

/**
 * API keys for the caller's own account. A key acts for the user who owns
 * it, so principals with no user behind them (OAuth clients, mTLS services)
 * are refused with forbidden_role even when they hold apikeys:manage.
 */
export const apiKeysContracts = {
  create: defineMutation({
    summary: 'Creates an API key for the caller with a subset of the caller’s scopes; the key is shown this once',
    input: createApiKeyInput,
    output: createdApiKeySchema,
    // A stolen access token must not become a long-lived key somewhere else: only from the network it was issued to.
    auth: { scopes: ['apikeys:manage'], subject: 'user', pinNetwork: true },
  }),
  list: defineQuery({
    summary: 'The caller’s live and expired API keys, newest first (revoked keys are gone)',
    input: pageInput,
    output: pageOf(apiKeySchema),
    auth: { scopes: ['apikeys:manage'], subject: 'user' },
  }),
  revoke: defineMutation({
    summary: 'Revokes one of the caller’s API keys; it stops working at once on every server',
    input: byIdInput,
    output: revokedApiKeySchema,
    auth: { scopes: ['apikeys:manage'], subject: 'user' },
    // Another user's key answers NOT_FOUND like a missing one: probing key ids is enumeration.
    idLookup: true,
  }),
};
