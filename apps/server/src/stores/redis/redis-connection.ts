import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { StartupError } from '../../startup-error.js';

/**
 * How long a Redis command may take before it fails. A request never waits
 * longer than this on Redis: past it, the caller's defined fallback applies
 * (the rate limiter's insurance limiter, or a 503 for state only Redis has).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

export interface RedisConnectionOptions {
  readonly url: string;
  readonly logger: Logger;
  readonly commandTimeoutMs?: number;
}

/**
 * One ioredis connection configured to fail fast: no offline queue (a
 * command while disconnected fails at once instead of queueing unbounded),
 * one retry per command, a command timeout, and auto-pipelining, which
 * batches concurrent commands into one round trip.
 */
export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
    // Reconnect with a capped backoff forever: Redis coming back must heal the server by itself.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
  const redis = new Redis(options.url, redisOptions);
  let reportedDown = false;
  redis.on('error', (error: Error) => {
    // The reason, not the stack: a refused or dropped connection's trace points into ioredis, not at the cause.
    if (!reportedDown) options.logger.error({ reason: error.message }, 'redis unavailable');
    reportedDown = true;
  });
  redis.on('ready', () => {
    if (reportedDown) options.logger.info('redis available again');
    reportedDown = false;
  });
  return redis;
}

/**
 * Resolves once the connection is ready, or rejects after `timeoutMs` with a
 * StartupError naming the address and the last connection error: start-up
 * fails loudly, in one line, not later.
 */
export async function waitForRedis(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError = 'no answer';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      const { host, port, tls } = redis.options;
      reject(
        new StartupError(
          `cannot reach Redis at ${tls === undefined ? 'redis' : 'rediss'}://${host ?? '127.0.0.1'}:${port ?? 6379} (${lastError}) ` +
            `within ${timeoutMs / 1000} s: start Redis there, or set REDIS_URL to where it runs`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      lastError = error.message || (error as NodeJS.ErrnoException).code || error.name;
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
