import { Cluster, type Redis } from 'ioredis';

/**
 * The connection every Redis store, limiter and counter takes: one Redis
 * server, or a Redis Cluster (REDIS_CLUSTER_NODES). Both speak the same
 * commands; what differs is that on a cluster every multi-key command and
 * script must keep its keys in one hash slot, which each store's key layout
 * ensures with a hash tag (`{…}`) per user, family, owner or code, never one
 * tag for everything (that would put all load on one node).
 */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The values of keys that may live in different slots, in order. On one
 * server, one MGET; on a cluster, one GET per key, sent together (ioredis
 * pipelines them per node), since MGET across slots is refused (CROSSSLOT).
 */
export async function getMany(redis: RedisClient, keys: readonly string[]): Promise<Array<string | null>> {
  if (keys.length === 0) return [];
  if (!isCluster(redis)) return redis.mget(...keys);
  return Promise.all(keys.map((key) => redis.get(key)));
}
