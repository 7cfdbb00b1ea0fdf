import type { Logger } from 'pino';
import { createPasswordHasher, type PasswordHasher } from './auth/password-hasher.js';
import { createPasswordWorkerPool } from './auth/password-worker-pool.js';
import { createSecurityEvents, type SecurityEvents } from './audit/security-events.js';
import type { Config } from './config.js';
import type { Redis } from 'ioredis';
import { createStores } from './stores/create-stores.js';
import { createRedisConnection, waitForRedis } from './stores/redis/redis-connection.js';
import type { OrderStore } from './stores/order-store.js';
import type { UserStore } from './stores/user-store.js';
import { createAccessTokens, type AccessTokens } from './tokens/access-tokens.js';
import { generateEphemeralSigningKeys, loadSigningKeysFile, type SigningKeys } from './tokens/signing-keys.js';
import { createVerifiedTokenCache } from './tokens/verified-token-cache.js';

/**
 * Everything a request handler may use, built once per server from the
 * config. Tests build it with the same function, so they run what ships.
 */
export interface Dependencies {
  readonly config: Config;
  readonly logger: Logger;
  /** The shared connection when GATEHOUSE_STORE=redis. */
  readonly redis: Redis | undefined;
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
  const clock = () => new Date(now());
  const redis =
    config.store.kind === 'redis' ? createRedisConnection({ url: config.store.url, logger }) : undefined;
  if (redis !== undefined) await waitForRedis(redis);
  const stores = createStores(config, { redis, now: clock });
  const passwordPool = createPasswordWorkerPool(config.passwordWorkers);
  return {
    config,
    logger,
    redis,
    ...stores,
    signingKeys,
    accessTokens: createAccessTokens({
      keys: signingKeys,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      now,
      cache: config.tokenCacheSize === 0 ? undefined : createVerifiedTokenCache({ maxEntries: config.tokenCacheSize, now }),
    }),
    passwords: await createPasswordHasher({ cost: config.bcryptCost, pool: passwordPool }),
    events: createSecurityEvents(logger, clock),
    async close() {
      await passwordPool.close();
      if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
