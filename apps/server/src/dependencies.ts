import { createSecondFactorChallenges, type SecondFactorChallenges } from './auth/second-factor-challenge.js';
import { createSecondFactors, type SecondFactors } from './auth/second-factors.js';
import { createSecretSealer } from './auth/secret-sealer.js';
import type { Logger } from 'pino';
import { createApiKeys, type ApiKeys } from './apikeys/api-keys.js';
import { createAuthenticator, type Authenticate } from './auth/authenticate.js';
import { createServiceDirectory, type ServiceDirectory } from './auth/service-directory.js';
import { createClientDirectory, type ClientDirectory } from './auth/client-directory.js';
import { createPrincipalPresence, type PrincipalPresence } from './auth/principal-presence.js';
import { createPasswordHasher, type PasswordHasher } from './auth/password-hasher.js';
import { createPasswordWorkerPool } from './auth/password-worker-pool.js';
import { createSecurityEvents, type SecurityEvents } from './audit/security-events.js';
import type { Config } from './config.js';
import type { RedisClient } from './stores/redis/redis-client.js';
import { createStores, MAX_CACHED_API_KEYS, MAX_CACHED_USERS } from './stores/create-stores.js';
import { createRedisConnection, waitForRedis } from './stores/redis/redis-connection.js';
import { openPostgres } from './stores/postgres/open-postgres.js';
import type { PostgresDatabase } from './stores/postgres/postgres-database.js';
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
import type { TokenStore } from './stores/token-store.js';
import { createRefreshTokens, type RefreshTokens } from './tokens/refresh-tokens.js';
import { createTokenRevocation, type TokenRevocation } from './tokens/token-revocation.js';
import { createNetworkHasher, type NetworkHasher } from './tokens/network-hash.js';
import { createTokenNetworkCheck, type TokenNetworkCheck } from './auth/token-network.js';
import { isCluster } from './stores/redis/redis-client.js';
import { createRedisInvalidationFeed, type RedisInvalidationFeed } from './stores/redis/redis-invalidation-feed.js';
import { redisRevocationMarkerPrefixes } from './stores/redis/redis-token-store.js';
import { redisUserRecordPrefix } from './stores/redis/redis-user-store.js';
import { createHeldApiKeyReads, redisApiKeyPrefixes } from './stores/redis/redis-api-key-store.js';
import { createFeedHeldReads, type FeedHeldReads } from './stores/redis/feed-held-reads.js';
import type { UserRecord } from './stores/user-store.js';
import type { ApiKeyRecord } from './stores/api-key-store.js';
import { createDpopVerifier, type DpopVerifier } from './dpop/dpop-verifier.js';
import { createDpopNonces } from './dpop/dpop-nonces.js';
import { createMemoryDpopProofStore } from './stores/memory/memory-dpop-proof-store.js';
import { createRedisDpopProofStore } from './stores/redis/redis-dpop-proof-store.js';

/**
 * Everything a request handler may use, built once per server from the
 * config. Tests build it with the same function, so they run what ships.
 */
export interface Dependencies {
  readonly config: Config;
  readonly logger: Logger;
  /** The shared connection when GATEHOUSE_STORE=redis (or postgres, for the hot state). */
  readonly redis: RedisClient | undefined;
  /** The PostgreSQL pool when GATEHOUSE_STORE=postgres. */
  readonly database: PostgresDatabase | undefined;
  readonly users: UserStore;
  readonly orders: OrderStore;
  /** The OAuth clients' records: the registry and the client directory read them. */
  readonly oauthClients: OAuthClientStore;
  readonly signingKeys: SigningKeys;
  readonly accessTokens: AccessTokens;
  readonly passwords: PasswordHasher;
  readonly events: SecurityEvents;
  /** API keys: issuing, verifying (revocation holds on the next call everywhere), listing, revoking. */
  readonly apiKeys: ApiKeys;
  /** Services that authenticate with a client certificate (seed `services`). */
  readonly services: ServiceDirectory;
  /** Whether an OAuth client's tokens are still accepted (in the store and not disabled). */
  readonly clients: ClientDirectory;
  /** Refuses tokens whose client or user is gone, checked on every call like revocation. */
  readonly principals: PrincipalPresence;
  /** User records held under Redis's invalidation feed (users in Redis on one server), for the memory report. */
  readonly heldUsers: Pick<FeedHeldReads<UserRecord>, 'size' | 'maxEntries'> | undefined;
  /** API key records held the same way (API keys in Redis on one server), for the memory report. */
  readonly heldApiKeys: Pick<FeedHeldReads<ApiKeyRecord>, 'size' | 'maxEntries'> | undefined;
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
  /** Keyed hashes of client networks (GATEHOUSE_TOKEN_NETWORK_KEY), recorded in access tokens. */
  readonly networks: NetworkHasher;
  /** Notices an access token used from another network (token.ip_mismatch) and refuses a pinned one. */
  readonly tokenNetworks: TokenNetworkCheck;
  /** DPoP proofs (RFC 9449): checked at the token endpoint, auth.login/refresh and on calls with DPoP-bound tokens. */
  readonly dpop: DpopVerifier;
  /** A request's credential to a principal (auth/authenticate.ts), built once from the parts above. */
  readonly authenticate: Authenticate;
  /** TOTP second factors: enrolment, codes at sign-in and step-up, under their own per-user budget. */
  readonly secondFactors: SecondFactors;
  /** The signed, short-lived challenge between auth.login's password step and its second factor. */
  readonly secondFactorChallenges: SecondFactorChallenges;
  /** The server's clock (epoch ms): injected by tests, read by step-up's max_age and sign-in times. */
  readonly now: () => number;
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
    config.store.kind === 'redis' ? createRedisConnection({ url: config.store.url, clusterNodes: config.store.clusterNodes, logger, commandTimeoutMs: config.redisCommandTimeoutMs }) : undefined;
  if (redis !== undefined) await waitForRedis(redis);
  // GATEHOUSE_STORE=postgres: reachable and migrated before anything is served.
  const database = config.database === undefined ? undefined : await openPostgres(config.database, logger);
  const feed = invalidationFeed(config, redis, logger);
  // Users and API keys in Redis (not PostgreSQL, whose stores cache through its own channel): held under the feed.
  const recordsHeld = feed !== undefined && config.database === undefined ? feed : undefined;
  const heldUsers = recordsHeld === undefined ? undefined : createFeedHeldReads<UserRecord>({ feed: recordsHeld, maxEntries: MAX_CACHED_USERS });
  const heldApiKeys = recordsHeld === undefined ? undefined : createHeldApiKeyReads(recordsHeld, MAX_CACHED_API_KEYS);
  const stores = createStores(config, { redis, database, now, heldUsers, heldApiKeys });
  const metrics = createMetrics();
  redis?.on('error', () => metrics.storeErrors.inc({ store: 'redis', operation: 'connection' }));
  const events = createSecurityEvents(logger, clock);
  const tokens = stores.tokens;
  const accessTokenTtlSeconds = config.accessTokenTtlSeconds;
  const audit = createAuditLog(config, { redis, database, events, metrics, logger, now });
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
  // Bounded like the token caches it sits beside: one remembered address per recently seen caller.
  const networks = createNetworkHasher(config.tokenNetworkKey, config.tokenCacheSize);
  const tokenNetworks = createTokenNetworkCheck({ networks, events, metrics, now });
  const accessTokens = createAccessTokens({
    keys: signingKeys,
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds: config.accessTokenTtlSeconds,
    now,
    cache: config.tokenCacheSize === 0 ? undefined : createVerifiedTokenCache({ maxEntries: config.tokenCacheSize, now }),
    networks,
  });
  const apiKeys = createApiKeys({
    store: stores.apiKeys,
    now,
    onTouchFailed: (error) => logger.warn({ err: error }, 'could not record an API key’s last use'),
  });
  const services = createServiceDirectory();
  const principals = createPrincipalPresence({ users: stores.users, clients, now });
  // Proof ids live where the other hot state does, so a proof accepted by one process is a replay on every other.
  const dpop = createDpopVerifier({
    proofs:
      config.store.kind === 'redis' && redis !== undefined
        ? createRedisDpopProofStore(redis, config.store.keyPrefix)
        : createMemoryDpopProofStore({ now }),
    nonces: createDpopNonces({ key: signingKeys.deriveSecret('dpop-nonce'), now }),
    now,
  });
  const revocation = createTokenRevocation({ store: tokens, accessTokenTtlSeconds, now, feed, maxHeldVerdicts: config.tokenCacheSize });
  return {
    config,
    logger,
    redis,
    database,
    ...stores,
    signingKeys,
    accessTokens,
    networks,
    tokenNetworks,
    passwords: await createPasswordHasher({ cost: config.bcryptCost, pool: passwordPool }),
    events,
    metrics,
    auditLog: audit.store,
    trimAuditLog: () => audit.trimNow(),
    abuse,
    apiKeys,
    services,
    clients,
    principals,
    heldUsers,
    heldApiKeys: heldApiKeys?.records,
    rateLimits,
    tokens,
    refreshTokens: createRefreshTokens({ store: tokens, events, ttlSeconds: config.refreshTokenTtlSeconds, accessTokenTtlSeconds, graceSeconds: config.refreshGraceSeconds, now }),
    revocation,
    now,
    secondFactorChallenges: createSecondFactorChallenges({ keys: signingKeys, issuer: config.issuer, now }),
    secondFactors: createSecondFactors({
      users: stores.users,
      sealer: createSecretSealer(config.secretEncryptionKey),
      guard: rateLimits.secondFactor,
      events,
      issuer: 'Gatehouse',
      now,
    }),
    dpop,
    authenticate: createAuthenticator({ dpop, config, accessTokens, apiKeys, users: stores.users, services, revocation, metrics, principals, tokenNetworks }),
    async close() {
      await audit.close();
      await passwordPool.close();
      await rateLimits.close();
      await feed?.close();
      if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
      await database?.close();
    },
  };
}

/**
 * Redis announces every write to a revocation marker and, with users and API keys in Redis, to a user
 * record or an API key's index entry or record, so a token's "not revoked", a user's record and an API
 * key can be held here until one comes. Only on one Redis server:
 * on a cluster each primary would need a tracking connection of its own, so every call asks the store.
 */
function invalidationFeed(config: Config, redis: RedisClient | undefined, logger: Logger): RedisInvalidationFeed | undefined {
  if (redis === undefined || isCluster(redis) || config.store.kind !== 'redis') return undefined;
  const { keyPrefix } = config.store;
  const records = config.database === undefined ? [redisUserRecordPrefix(keyPrefix), ...redisApiKeyPrefixes(keyPrefix)] : [];
  return createRedisInvalidationFeed({ redis, prefixes: [...redisRevocationMarkerPrefixes(keyPrefix), ...records], logger });
}
