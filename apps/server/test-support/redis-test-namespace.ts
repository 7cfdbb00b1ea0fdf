import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisNode } from '../src/config.js';
import type { RedisClient } from '../src/stores/redis/redis-client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** REDIS_CLUSTER_NODES of the real cluster the e2e-redis-cluster project started; unset elsewhere. */
    redisClusterNodes: string;
  }
}

/**
 * For tests: a private key prefix on the real Redis, so test files running
 * in parallel never see each other's keys, and a cleanup that deletes every
 * key under it. In the e2e-redis-cluster project the namespace lives on the
 * project's Redis Cluster instead of the shared Redis. Test-only; nothing in
 * the server imports it.
 */
export interface RedisTestNamespace {
  readonly url: string;
  /** The cluster's seed nodes when the namespace is on a Redis Cluster. */
  readonly clusterNodes: readonly RedisNode[] | undefined;
  readonly prefix: string;
  /** A separate admin connection for inspecting keys (TTLs, counts). */
  readonly redis: RedisClient;
  /** A new connection to the same Redis or cluster (another "process"); the caller closes it. */
  connect(): RedisClient;
  /** Every key matching the pattern, from every master (KEYS on a cluster sees one node only). */
  keys(pattern: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** The seed nodes of the project's cluster, or undefined outside the e2e-redis-cluster project. */
export function testClusterNodes(): readonly RedisNode[] | undefined {
  let setting: string | undefined;
  try {
    setting = inject('redisClusterNodes');
  } catch {
    // Not inside a Vitest worker (a spawned process): no cluster.
    setting = undefined;
  }
  if (setting === undefined || setting === '') return undefined;
  return setting.split(',').map((entry) => {
    const [host = '127.0.0.1', port = '0'] = entry.split(':');
    return { host, port: Number(port) };
  });
}

export async function createRedisTestNamespace(name: string): Promise<RedisTestNamespace> {
  const prefix = `gatehouse-test:${name}:${randomUUID().slice(0, 8)}:`;
  const clusterNodes = testClusterNodes();
  const connect = (lazyConnect = false): RedisClient =>
    clusterNodes === undefined
      ? new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect })
      : new Cluster(clusterNodes.map((node) => ({ ...node })), { lazyConnect, scaleReads: 'master', redisOptions: { maxRetriesPerRequest: 1 } });
  const redis = connect(true);
  await redis.connect();

  async function keys(pattern: string): Promise<string[]> {
    const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const found: string[] = [];
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
    }
    return found;
  }

  return {
    url: TEST_REDIS_URL,
    clusterNodes,
    prefix,
    redis,
    connect: () => connect(),
    keys,
    async cleanup() {
      const found = await keys(`${prefix}*`);
      // One key per UNLINK: on a cluster the keys live in different slots.
      await Promise.all(found.map((key) => redis.unlink(key)));
      await redis.quit();
    },
  };
}
