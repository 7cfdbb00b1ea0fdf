import { inject } from 'vitest';
import { memoryVariant, postgresVariant, redisClusterVariant, redisVariant, type StoreVariant } from './store-variants.js';

/** The stores an e2e project can put every server on that does not choose one itself. */
export type DefaultStoreName = 'memory' | 'redis' | 'redis-cluster' | 'postgres';

/**
 * The store this project's servers run on when a test does not name one (GATEHOUSE_STORE in its env): the
 * e2e project runs on memory, the e2e-redis and e2e-postgres projects run a representative part of the same
 * suites on Redis and on PostgreSQL (records) with Redis (hot state), and e2e-redis-cluster a part on a real
 * Redis Cluster its globalSetup started.
 * Each server gets its own namespace, removed when the server closes.
 */
export function defaultStoreName(): DefaultStoreName {
  return inject('store') ?? 'memory';
}

/**
 * The stores a suite about store-held state runs on in this project, for `describe.each`: the project's
 * default store alone. Each store gets its own project (e2e for memory, e2e-redis for Redis, whose list in
 * vitest.config.ts names the suites), rather than every project running every suite on both stores again.
 */
export function projectStores(): readonly [DefaultStoreName] {
  return [defaultStoreName()];
}

/** The project's default store as a variant: its env, and a cleanup of its own namespace when on Redis. */
export function defaultStoreVariant(testName: string): StoreVariant {
  const store = defaultStoreName();
  switch (store) {
    case 'memory':
      return memoryVariant();
    case 'redis':
      return redisVariant(testName);
    case 'redis-cluster':
      return redisClusterVariant(testName);
    case 'postgres':
      return postgresVariant(testName);
  }
}
