import { createRedisTestNamespace, testClusterNodes, type RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import { createPostgresTestSchema, type PostgresTestSchema } from '../../apps/server/test-support/postgres-test-schema.js';
import { redisEnv } from './redis-env.js';

/** A store the server can run on, with its env and a cleanup for what it left behind. */
export interface StoreVariant {
  readonly name: 'memory' | 'redis' | 'redis-cluster' | 'postgres';
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

export function memoryVariant(): StoreVariant {
  return { name: 'memory', env: async () => ({ GATEHOUSE_STORE: 'memory' }), cleanup: async () => {} };
}

export function redisVariant(name: string): StoreVariant {
  return namespacedVariant('redis', name);
}

/**
 * The project's Redis Cluster (REDIS_CLUSTER_NODES): createRedisTestNamespace puts the namespace there when
 * the project provides `redisClusterNodes`, and refuses to pretend otherwise.
 */
export function redisClusterVariant(name: string): StoreVariant {
  if (testClusterNodes() === undefined) throw new Error('the redis-cluster store needs a project that starts a cluster (e2e-redis-cluster)');
  return namespacedVariant('redis-cluster', name);
}

function namespacedVariant(variant: 'redis' | 'redis-cluster', name: string): StoreVariant {
  let namespace: RedisTestNamespace | undefined;
  return {
    name: variant,
    async env() {
      namespace ??= await createRedisTestNamespace(name);
      return redisEnv(namespace);
    },
    async cleanup() {
      await namespace?.cleanup();
    },
  };
}

/**
 * Durable records in a private PostgreSQL schema (migrated by the server as it starts, dropped on cleanup),
 * hot state in a private Redis namespace: what GATEHOUSE_STORE=postgres runs on in production.
 */
export function postgresVariant(name: string): StoreVariant {
  let namespace: RedisTestNamespace | undefined;
  let schema: PostgresTestSchema | undefined;
  return {
    name: 'postgres',
    async env() {
      namespace ??= await createRedisTestNamespace(name);
      schema ??= await createPostgresTestSchema(name);
      // A loaded two-core CI host can take a while to answer; outage tests set their own bound.
      return { ...redisEnv(namespace), GATEHOUSE_STORE: 'postgres', DATABASE_URL: schema.url, GATEHOUSE_DATABASE_TIMEOUT_MS: '5000' };
    },
    async cleanup() {
      await Promise.all([namespace?.cleanup(), schema?.cleanup()]);
    },
  };
}
