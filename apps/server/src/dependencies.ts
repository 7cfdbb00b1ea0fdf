import type { Logger } from 'pino';
import { createApiKeys, type ApiKeys } from './apikeys/api-keys.js';
import { createServiceDirectory, type ServiceDirectory } from './auth/service-directory.js';
import { createClientDirectory, type ClientDirectory } from './auth/client-directory.js';
import { createPrincipalPresence, type PrincipalPresence } from './auth/principal-presence.js';
import { createPasswordHasher, type PasswordHasher } from './auth/password-hasher.js';
import { createPasswordWorkerPool } from './auth/password-worker-pool.js';
import { createSecurityEvents, type SecurityEvents } from './audit/security-events.js';
import type { Config } from './config.js';
import type { Redis } from 'ioredis';
import { createStores } from './stores/create-stores.js';
import { createApiKeyStore } from './stores/create-api-key-store.js';
import { createRedisConnection, waitForRedis } from './stores/redis/redis-connection.js';
import type { OrderStore } from './stores/order-store.js';
import type { OAuthClientStore } from './stores/oauth-client-store.js';
import { createRateLimits, type RateLimits } from './ratelimit/rate-limits.js';
import type { UserStore } from './stores/user-store.js';
import { createAccessTokens, type AccessTokens } from './tokens/access-tokens.js';
import { generateEphemeralSigningKeys, loadSigningKeysFile, type SigningKeys } from './tokens/signing-keys.js';
import { createAbuseDetection, type AbuseDetection } from './abuse/create-abuse-detection.js';
import { createAuditLog } from './audit/create-audit-log.js';
import { createMetrics, type Metrics } from './metrics/create-metrics.js';
import { createSecurityEventMetricsSink } from './metrics/security-event-metrics.js';
import type { AuditLogStore } from './stores/audit-log-store.js';
import { createVerifiedTokenCache } from './tokens/verified-token-cache.js';
import { createTokenStore } from './stores/create-token-store.js';
import type { TokenStore } from './stores/token-store.js';
import { createRefreshTokens, type RefreshTokens } from './tokens/refresh-tokens.js';
import { createTokenRevocation, type TokenRevocation } from './tokens/token-revocation.js';

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
  /** The OAuth clients' records: the registry and the client directory read them. */
  readonly oauthClients: OAuthClientStore;
  readonly signingKeys: SigningKeys;
  readonly accessTokens: AccessTokens;
  readonly passwords: PasswordHasher;
  readonly events: SecurityEvents;
  /** API keys: issuing, verifying (no cache: revocation holds at once), listing, revoking. */
  readonly apiKeys: ApiKeys;
  /** Services that authenticate with a client certificate (seed `services`). */
  readonly services: ServiceDirectory;
  /** Whether an OAuth client's tokens are still accepted (in the store and not disabled). */
  readonly clients: ClientDirectory;
  /** Refuses tokens whose client or user is gone, checked on every call like revocation. */
  readonly principals: PrincipalPresence;
  /** This server's Prometheus registry and instruments. */
  readonly metrics: Metrics;
  /** The keyed hash chain every security event is appended to (repeated refusals aggregated). */
  readonly auditLog: AuditLogStore;
  /** Removes audit records past GATEHOUSE_AUDIT_LOG_RETENTION now, reporting the trim (a timer does it too). */
  trimAuditLog(): Promise<void>;
  /** Credential-stuffing and enumeration detectors. */
  readonly abuse: AbuseDetection;
  /** Every rate limiter and the login guard, in memory or Redis (GATEHOUSE_RATE_LIMIT_STORE). */
  readonly rateLimits: RateLimits;
  /** Refresh families and access-token revocation markers. */
  readonly tokens: TokenStore;
  readonly refreshTokens: RefreshTokens;
  readonly revocation: TokenRevocation;
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
    config.store.kind === 'redis' ? createRedisConnection({ url: config.store.url, logger, commandTimeoutMs: config.redisCommandTimeoutMs }) : undefined;
  if (redis !== undefined) await waitForRedis(redis);
  const stores = createStores(config, { redis, now: clock });
  const metrics = createMetrics();
  redis?.on('error', () => metrics.storeErrors.inc({ store: 'redis', operation: 'connection' }));
  const events = createSecurityEvents(logger, clock);
  const tokens = createTokenStore(config.store, { redis, now });
  const accessTokenTtlSeconds = config.accessTokenTtlSeconds;
  const audit = createAuditLog(config, { redis, events, metrics, logger, now });
  events.addSink(createSecurityEventMetricsSink(metrics));
  const abuse = createAbuseDetection({
    config,
    redis,
    events,
    onStoreError: () => metrics.storeErrors.inc({ store: 'abuse_counters', operation: 'count' }),
  });
  metrics.gaugeFlag('gatehouse_credential_stuffing_active', '1 while login runs under the strict credential-stuffing policy', () =>
    abuse.stuffing.isStuffingActive(),
  );
  const rateLimits = await createRateLimits(config, { redis, logger });
  const passwordPool = createPasswordWorkerPool(config.passwordWorkers);
  const clients = createClientDirectory({ store: stores.oauthClients, now });
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
    events,
    metrics,
    auditLog: audit.store,
    trimAuditLog: () => audit.trimNow(),
    abuse,
    apiKeys: createApiKeys({
      store: createApiKeyStore(config, { redis, now: clock }),
      now,
      onTouchFailed: (error) => logger.warn({ err: error }, 'could not record an API key’s last use'),
    }),
    services: createServiceDirectory(),
    clients,
    principals: createPrincipalPresence({ users: stores.users, clients, now }),
    rateLimits,
    tokens,
    refreshTokens: createRefreshTokens({ store: tokens, events, ttlSeconds: config.refreshTokenTtlSeconds, accessTokenTtlSeconds, now }),
    revocation: createTokenRevocation({ store: tokens, accessTokenTtlSeconds, now }),
    async close() {
      await audit.close();
      await passwordPool.close();
      await rateLimits.close();
      if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
