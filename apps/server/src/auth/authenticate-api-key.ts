import { TRPCError } from '@trpc/server';
import type { Dependencies } from '../dependencies.js';
import { StoreUnavailableError } from '../stores/store-unavailable-error.js';
import { AuthFailure } from './auth-failure.js';
import type { UserPrincipal } from './principal.js';
import { scopesOfRole } from './scopes.js';

/**
 * The principal of an API key: its owner, with the key's scopes narrowed to
 * what the owner's role holds today (scopes come from the server's records,
 * so a demoted owner's old admin key loses admin). A key whose owner is gone
 * is invalid. When the store cannot answer, the call gets 503: the key is
 * neither accepted nor called invalid.
 */
export async function authenticateApiKey(
  deps: Pick<Dependencies, 'apiKeys' | 'users'>,
  key: string,
): Promise<UserPrincipal> {
  try {
    const record = await deps.apiKeys.verify(key);
    const owner = await deps.users.findById(record.ownerId);
    if (owner === undefined) throw new AuthFailure('invalid_token');
    const held = scopesOfRole(owner.role);
    return {
      kind: 'user',
      userId: owner.id,
      scopes: record.scopes.filter((scope) => held.includes(scope)),
      credential: { type: 'api_key', keyId: record.id },
    };
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Cannot check the API key right now; try again', cause: error });
    }
    throw error;
  }
}
