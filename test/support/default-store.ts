import { inject } from 'vitest';
import { memoryVariant, redisClusterVariant, redisVariant, type StoreVariant } from './store-variants.js';

/** The stores an e2e project can put every server on that does not choose one itself. */
export type DefaultStoreName = 'memory' | 'redis' | 'redis-cluster';

/**
 * The store this project's servers run on when a test does not name one (GATEHOUSE_STORE in its env): the
 * e2e project runs on memory, the e2e-redis project runs a representative part of the same suites on Redis,
 * and e2e-redis-cluster the same part on a real Redis Cluster its globalSetup started.
 * Each server gets its own namespace, removed when the server closes.
 */
export function defaultStoreVariant(testName: string): StoreVariant {
  const store: DefaultStoreName = inject('store') ?? 'memory';
  switch (store) {
    case 'memory':
      return memoryVariant();
    case 'redis':
      return redisVariant(testName);
    case 'redis-cluster':
      return redisClusterVariant(testName);
  }
}
