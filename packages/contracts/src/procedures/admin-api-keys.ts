import { defineMutation, defineQuery } from '../define-procedure.js';
import { adminApiKeyListInput, adminRevokeApiKeyInput, apiKeySchema, revokedApiKeySchema } from '../schemas/api-key.js';
import { pageOf } from '../schemas/common.js';
import type { AdminAccess } from './admin-access.js';

/** API key administration: seeing and ending any user's keys, e.g. after a leak. */
export function defineAdminApiKeysContracts<const TAccess extends AdminAccess>(access: TAccess) {
  return {
    list: defineQuery({
      summary: 'A user’s live and expired API keys, newest first (revoked keys are gone)',
      input: adminApiKeyListInput,
      output: pageOf(apiKeySchema),
      auth: access,
    }),
    revoke: defineMutation({
      summary: 'Revokes one of a user’s API keys and every key minted through it; audited as apikey.revoked',
      input: adminRevokeApiKeyInput,
      output: revokedApiKeySchema,
      auth: access,
    }),
  };
}
