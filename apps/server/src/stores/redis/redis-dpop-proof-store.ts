import type { DpopProofStore } from '../dpop-proof-store.js';
import type { RedisClient } from './redis-client.js';
import { runOnRedis } from './redis-script.js';

/**
 * Proof ids in Redis, shared by every process: SET NX PX is the one atomic
 * "first time?" step, and the entry expires with the proof's window. The
 * key's hash tag is the proof id itself, so ids spread over a cluster's slots.
 */
export function createRedisDpopProofStore(redis: RedisClient, keyPrefix: string): DpopProofStore {
  return {
    async claim(key, ttlMs) {
      const set = await runOnRedis(() => redis.set(`${keyPrefix}dpop-jti:{${key}}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'), 'the DPoP proof store');
      return set === 'OK';
    },
  };
}
