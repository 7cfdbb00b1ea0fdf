import { createRedisTestNamespace, type RedisTestNamespace } from '../../apps/server/src/stores/redis/redis-test-namespace.js';
import { redisEnv } from './redis-env.js';

/** A store the server can run on, with its env and a cleanup for what it left behind. */
export interface StoreVariant {
  readonly name: 'memory' | 'redis';
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

export function memoryVariant(): StoreVariant {
  return { name: 'memory', env: async () => ({ GATEHOUSE_STORE: 'memory' }), cleanup: async () => {} };
}

export function redisVariant(name: string): StoreVariant {
  let namespace: RedisTestNamespace | undefined;
  return {
    name: 'redis',
    async env() {
      namespace ??= await createRedisTestNamespace(name);
      return redisEnv(namespace);
    },
    async cleanup() {
      await namespace?.cleanup();
    },
  };
}
