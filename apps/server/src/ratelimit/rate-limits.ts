import type { ProcedureContract } from '@gatehouse/contracts';
import type { RedisClient } from '../stores/redis/redis-client.js';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { createRedisConnection, waitForRedis } from '../stores/redis/redis-connection.js';
import { createFallbackReporter, createLimiter, type LimiterBackend } from './create-limiter.js';
import { createLoginGuard, type LoginGuard } from './login-guard.js';
import { resolvePolicy, resolvePolicyTable, type ResolvedPolicy } from './resolve-policy.js';
import { createRefusalBudgets, type RefusalBudgets } from './refusal-budgets.js';
import { createRequestRateLimit, type RequestRateLimit } from './request-rate-limit.js';

/** Every limiter of the server: one per policy, the login guard, and where they count. */
export interface RateLimits {
  readonly store: 'memory' | 'redis';
  policyFor(contract: ProcedureContract): ResolvedPolicy | undefined;
  policyForPath(path: string): ResolvedPolicy | undefined;
  limiterFor(policy: ResolvedPolicy): RateLimiterAbstract;
  /** The state one HTTP request shares across its calls; `calls` are the paths tRPC parsed from it. */
  forRequest(calls: readonly string[]): RequestRateLimit;
  readonly login: LoginGuard;
  /** Per-IP budgets of failed authentication and denied calls. */
  readonly refusals: RefusalBudgets;
  /** Closes the limiter's own Redis connection, if it opened one. */
  close(): Promise<void>;
}

export interface RateLimitsOptions {
  readonly logger: Logger;
  /** The server's shared connection when GATEHOUSE_STORE=redis; reused when it points at the same Redis. */
  readonly redis: RedisClient | undefined;
}

/**
 * Builds the limiters for GATEHOUSE_RATE_LIMIT_STORE (default: where
 * GATEHOUSE_STORE keeps state). Policies are resolved and validated here, at
 * start-up. With Redis and no shared connection (the users live in memory),
 * it opens its own, fail-fast like every other, and waits for it to be ready.
 */
export async function createRateLimits(config: Config, options: RateLimitsOptions): Promise<RateLimits> {
  const table = resolvePolicyTable(config.limits);
  let ownConnection: RedisClient | undefined;
  let backend: LimiterBackend = { kind: 'memory' };
  if (config.rateLimitStore.kind === 'redis') {
    const shared = config.store.kind === 'redis' && config.store.url === config.rateLimitStore.url ? options.redis : undefined;
    let redis = shared;
    if (redis === undefined) {
      ownConnection = createRedisConnection({
        url: config.rateLimitStore.url,
        clusterNodes: config.rateLimitStore.clusterNodes,
        logger: options.logger,
        commandTimeoutMs: config.redisCommandTimeoutMs,
      });
      redis = ownConnection;
      await waitForRedis(redis).catch(async (error: unknown) => {
        ownConnection?.disconnect();
        throw error;
      });
    }
    backend = { kind: 'redis', redis, keyPrefix: config.rateLimitStore.keyPrefix, onFallback: createFallbackReporter(options.logger) };
  }

  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterFor = (policy: ResolvedPolicy): RateLimiterAbstract => {
    let limiter = limiters.get(policy.name);
    if (limiter === undefined) {
      limiter = createLimiter(policy, backend);
      limiters.set(policy.name, limiter);
    }
    return limiter;
  };
  for (const policy of table.values()) if (policy !== undefined) limiterFor(policy);
  const policyForPath = (path: string) => table.get(path);
  // Resolved once per contract: the config does not change, and this runs on every call.
  const contractPolicies = new WeakMap<ProcedureContract, ResolvedPolicy | undefined>();
  const policyFor = (contract: ProcedureContract): ResolvedPolicy | undefined => {
    if (contractPolicies.has(contract)) return contractPolicies.get(contract);
    const policy = resolvePolicy(contract, config.limits);
    contractPolicies.set(contract, policy);
    return policy;
  };

  return {
    store: backend.kind,
    policyFor,
    policyForPath,
    limiterFor,
    forRequest: (calls) => createRequestRateLimit({ calls, policyForPath, limiterFor }),
    login: createLoginGuard(config.loginLimits, backend),
    refusals: createRefusalBudgets(config.refusalLimits, backend),
    async close() {
      if (ownConnection !== undefined) await ownConnection.quit().catch(() => ownConnection?.disconnect());
    },
  };
}
