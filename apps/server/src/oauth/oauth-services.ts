import type { Dependencies } from '../dependencies.js';
import type { AuthorizationCodeStore } from '../stores/authorization-code-store.js';
import { createMemoryAuthorizationCodeStore } from '../stores/memory/memory-authorization-code-store.js';
import { createRedisAuthorizationCodeStore } from '../stores/redis/redis-authorization-code-store.js';
import { createClientRegistry, type ClientRegistry } from './client-registry.js';
import { createFormProtection, type FormProtection } from './form-protection.js';
import { createOAuthBudgets, type OAuthBudgets } from './oauth-budgets.js';

/** What the OAuth endpoints need beyond the server's common dependencies. */
export interface OAuthServices {
  readonly clients: ClientRegistry;
  readonly codes: AuthorizationCodeStore;
  readonly formProtection: FormProtection;
  readonly budgets: OAuthBudgets;
}

export function createOAuthServices(deps: Dependencies): OAuthServices {
  const { config } = deps;
  return {
    clients: createClientRegistry(deps.oauthClients, deps.passwords),
    codes:
      config.store.kind === 'redis' && deps.redis !== undefined
        ? createRedisAuthorizationCodeStore(deps.redis, config.store.keyPrefix)
        : createMemoryAuthorizationCodeStore(),
    formProtection: createFormProtection({ key: deps.signingKeys.deriveSecret('oauth-authorize-form') }),
    budgets: createOAuthBudgets(deps),
  };
}
