import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createApiKeys, type ApiKeys } from '../apikeys/api-keys.js';
import { createAuditChain } from '../audit/audit-chain.js';
import type { Config } from '../config.js';
import { createTokenRevocation, type TokenRevocation } from '../tokens/token-revocation.js';
import type { AuditLogStore } from './audit-log-store.js';
import { createAuditLogStore, createStores } from './create-stores.js';
import type { OAuthClientStore } from './oauth-client-store.js';
import { openPostgres } from './postgres/open-postgres.js';
import { isCluster, type RedisClient } from './redis/redis-client.js';
import { createRedisConnection, waitForRedis } from './redis/redis-connection.js';
import type { UserStore } from './user-store.js';

/**
 * The stores as an operator's tool (`pnpm gatehouse`) sees them: the very
 * stores a server of this configuration uses, built by the same factories,
 * so that a change made here is the change the servers read on their next
 * request. A store kind added to the factories plugs in here.
 */
export interface OperatorStores {
  readonly users: UserStore;
  readonly oauthClients: OAuthClientStore;
  readonly apiKeys: ApiKeys;
  readonly auditLog: AuditLogStore;
  /** Ends users' sessions and access tokens, as admin.sessions.revokeAll does. */
  readonly revocation: TokenRevocation;
  /** Deletes an email's failed-login counters (the email and email+IP layers); resolves to how many were deleted. */
  unlockLogin(email: string): Promise<number>;
  close(): Promise<void>;
}

/** Why the operator's tool cannot reach the records; `message` says what to do. */
export class OperatorStoreError extends Error {
  constructor(
    readonly reason: 'memory_store' | 'no_audit_key' | 'memory_rate_limits',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorStoreError';
  }
}

export interface OperatorStoresOptions {
  readonly logger: Logger;
  /** Writers need the servers' audit key: a record chained under another key would break the log's verification. */
  readonly requireAuditKey: boolean;
  readonly now?: () => number;
}

export async function createOperatorStores(config: Config, options: OperatorStoresOptions): Promise<OperatorStores> {
  if (config.store.kind === 'memory') {
    throw new OperatorStoreError(
      'memory_store',
      'GATEHOUSE_STORE is memory: the records live inside the running server process, which this separate process cannot reach. ' +
        'Run the server with GATEHOUSE_STORE=redis and run this command with the same GATEHOUSE_STORE, REDIS_URL (or REDIS_CLUSTER_NODES) and GATEHOUSE_REDIS_PREFIX.',
    );
  }
  const auditKey = config.audit.hmacKey;
  if (auditKey === undefined && options.requireAuditKey) {
    throw new OperatorStoreError(
      'no_audit_key',
      'GATEHOUSE_AUDIT_HMAC_KEY is unset: this change is recorded in the audit log, chained with the servers’ key. ' +
        'Set GATEHOUSE_AUDIT_HMAC_KEY to the key the servers use.',
    );
  }
  const now = options.now ?? Date.now;
  // REDIS_CLUSTER_NODES as the servers read it: on a cluster, REDIS_URL is unused and may point at some other Redis.
  const redis = createRedisConnection({
    url: config.store.url,
    clusterNodes: config.store.clusterNodes,
    logger: options.logger,
    commandTimeoutMs: Math.max(config.redisCommandTimeoutMs, 2_000),
  });
  await waitForRedis(redis, isCluster(redis) ? undefined : 3_000).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  });
  // GATEHOUSE_STORE=postgres: the records are in PostgreSQL (migrated as a server would), the hot state in Redis.
  const database =
    config.database === undefined
      ? undefined
      : await openPostgres(config.database, options.logger).catch((error: unknown) => {
          redis.disconnect();
          throw error;
        });
  const stores = createStores(config, { redis, database, now });
  return {
    users: stores.users,
    oauthClients: stores.oauthClients,
    apiKeys: createApiKeys({ store: stores.apiKeys, now }),
    // Without a key (readers only: export) the chain is never written; verification needs the key and says so.
    auditLog: createAuditLogStore(config, { redis, database, chain: createAuditChain(auditKey ?? new Uint8Array(randomBytes(32))), onCapacityTrim: () => undefined }),
    revocation: createTokenRevocation({ store: stores.tokens, accessTokenTtlSeconds: config.accessTokenTtlSeconds, now }),
    unlockLogin: (email) => unlockLogin(config, redis, options.logger, email),
    async close() {
      await database?.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The login guard's counters live under `<prefix>rl:<policy>:<key>` (ratelimit/create-limiter.ts); the
 * email+IP layer's keys end in `|<email>`, one per address that failed, found with SCAN.
 */
async function unlockLogin(config: Config, redis: RedisClient, logger: Logger, rawEmail: string): Promise<number> {
  const limits = config.rateLimitStore;
  if (limits.kind === 'memory') {
    throw new OperatorStoreError(
      'memory_rate_limits',
      'GATEHOUSE_RATE_LIMIT_STORE is memory: failed-login counters live inside each server process. Restarting the servers clears them.',
    );
  }
  if (limits.url !== (config.store.kind === 'redis' ? config.store.url : undefined)) {
    const own = createRedisConnection({ url: limits.url, clusterNodes: limits.clusterNodes, logger, commandTimeoutMs: 2_000 });
    try {
      await waitForRedis(own, isCluster(own) ? undefined : 3_000);
      return await deleteLoginCounters(own, limits.keyPrefix, rawEmail);
    } finally {
      own.disconnect();
    }
  }
  return deleteLoginCounters(redis, limits.keyPrefix, rawEmail);
}

async function deleteLoginCounters(redis: RedisClient, keyPrefix: string, rawEmail: string): Promise<number> {
  // Loaded here, not at the top: the limiter modules cost every other CLI command their start-up time.
  const { LOGIN_POLICY_NAMES } = await import('../ratelimit/login-guard.js');
  // The guard keys on the trimmed, lowercased email (ratelimit/login-guard.ts).
  const email = rawEmail.trim().toLowerCase();
  const keys = [`${keyPrefix}rl:${LOGIN_POLICY_NAMES.email}:${email}`];
  const pattern = `${keyPrefix}rl:${LOGIN_POLICY_NAMES.emailAndIp}:*|${email.replace(/[*?[\]\\]/g, '\\$&')}`;
  // SCAN walks one server: on a cluster, every primary's share of the keys.
  for (const node of isCluster(redis) ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
  }
  // One DEL per key: on a cluster the keys sit in different slots, and a multi-key DEL across slots is refused.
  const deleted = await Promise.all(keys.map((key) => redis.del(key)));
  return deleted.reduce((sum, count) => sum + count, 0);
}
