import type { Logger } from 'pino';
import { createPasswordHasher, type PasswordHasher } from './auth/password-hasher.js';
import { createSecurityEvents, type SecurityEvents } from './audit/security-events.js';
import type { Config } from './config.js';
import { createMemoryOrderStore } from './stores/memory/memory-order-store.js';
import { createMemoryUserStore } from './stores/memory/memory-user-store.js';
import type { OrderStore } from './stores/order-store.js';
import type { UserStore } from './stores/user-store.js';
import { createAccessTokens, type AccessTokens } from './tokens/access-tokens.js';
import { generateEphemeralSigningKeys, loadSigningKeysFile, type SigningKeys } from './tokens/signing-keys.js';

/**
 * Everything a request handler may use, built once per server from the
 * config. Tests build it with the same function, so they run what ships.
 */
export interface Dependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly users: UserStore;
  readonly orders: OrderStore;
  readonly signingKeys: SigningKeys;
  readonly accessTokens: AccessTokens;
  readonly passwords: PasswordHasher;
  readonly events: SecurityEvents;
  /** Releases connections and timers; the server calls it on close. */
  close(): Promise<void>;
}

export interface DependencyOverrides {
  readonly now?: () => number;
}

export async function createDependencies(
  config: Config,
  logger: Logger,
  overrides: DependencyOverrides = {},
): Promise<Dependencies> {
  const now = overrides.now ?? Date.now;
  const signingKeys =
    config.signingKeysFile === undefined
      ? await generateEphemeralSigningKeys()
      : await loadSigningKeysFile(config.signingKeysFile);
  if (signingKeys.ephemeral) {
    logger.warn('No GATEHOUSE_SIGNING_KEYS_FILE: signing with an ephemeral key; tokens die with this process');
  }
  if (config.store.kind === 'redis') {
    throw new Error('GATEHOUSE_STORE=redis: not available in this build yet');
  }
  const clock = () => new Date(now());
  return {
    config,
    logger,
    users: createMemoryUserStore({ now: clock }),
    orders: createMemoryOrderStore({ now: clock }),
    signingKeys,
    accessTokens: createAccessTokens({
      keys: signingKeys,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      now,
    }),
    passwords: await createPasswordHasher({ cost: config.bcryptCost }),
    events: createSecurityEvents(logger, clock),
    async close() {},
  };
}
