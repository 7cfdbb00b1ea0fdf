import { createHash } from 'node:crypto';
import { ReplyError, type RedisKey, type RedisValue } from 'ioredis';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { RedisClient } from './redis-client.js';

/**
 * A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does
 * not know it yet (after a restart, a SCRIPT FLUSH, or on a cluster node that
 * has not run it). Scripts are how stores make a read-check-write one atomic
 * step: Redis runs a script alone. Every key a script touches is passed in
 * KEYS, never built inside it, and all of them share one hash tag, so the
 * script runs on a cluster as on one server.
 */
export interface RedisScript {
  run(redis: RedisClient, keys: readonly RedisKey[], args: readonly RedisValue[]): Promise<unknown>;
}

export function createRedisScript(lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return {
    async run(redis, keys, args) {
      return runOnRedis(async () => {
        try {
          return await redis.evalsha(sha, keys.length, ...keys, ...args);
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
          return redis.eval(lua, keys.length, ...keys, ...args);
        }
      });
    },
  };
}

/**
 * Runs Redis commands, turning connection failures (down, timed out, offline
 * queue disabled) into StoreUnavailableError naming the store (`what`), which
 * procedures answer with 503. Errors Redis itself replied with (a bad script,
 * a wrong type) are bugs and pass through unchanged, as does a failure
 * already translated by an inner runOnRedis (a script run).
 */
export async function runOnRedis<T>(operation: () => Promise<T>, what = 'Redis'): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ReplyError || error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(what, { cause: error });
  }
}
