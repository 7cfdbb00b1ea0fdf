import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './start-redis-cluster.js';

/**
 * Vitest globalSetup of the e2e-redis-cluster project: one real cluster of
 * three masters and three replicas for the whole project, its seed nodes
 * provided to every test file (`inject('redisClusterNodes')`), torn down after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.nodesSetting);
  process.stderr.write(`redis cluster (3 masters, 3 replicas) on ${cluster.nodesSetting} in ${Math.round(performance.now() - started)} ms\n`);
  return () => cluster.stop();
}
