import type { ApiKeys } from '../apikeys/api-keys.js';
import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import type { UserPrincipal } from './principal.js';
import { scopesOfRole } from './scopes.js';
import { isActiveUser, type UserStore } from '../stores/user-store.js';

/** What an API key's check reads: the key's record and its owner's. */
export interface ApiKeyAuthenticationServices {
  readonly apiKeys: Pick<ApiKeys, 'verify'>;
  readonly users: Pick<UserStore, 'findById'>;
}

/**
 * The principal of an API key: its owner, with the key's scopes narrowed to
 * what the owner's role holds today (scopes come from the server's records,
 * so a demoted owner's old admin key loses admin). A key whose owner is gone
 * is invalid. When the store cannot answer, the call gets 503: the key is
 * neither accepted nor called invalid.
 */
export async function authenticateApiKey(
  deps: ApiKeyAuthenticationServices,
  key: string,
): Promise<UserPrincipal> {
  const record = await deps.apiKeys.verify(key).catch(rethrowUnavailable);
  const owner = await deps.users.findById(record.ownerId).catch(rethrowUnavailable);
  if (!isActiveUser(owner)) throw new AuthFailureError('invalid_token');
  const held = scopesOfRole(owner.role);
  return {
    kind: 'user',
    userId: owner.id,
    scopes: record.scopes.filter((scope) => held.includes(scope)),
    credential: { type: 'api_key', keyId: record.id },
  };
}
