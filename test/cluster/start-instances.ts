import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateJwk } from '../../apps/server/src/tokens/signing-keys.js';
import { removeServerBuild, spawnGatehouse, type SpawnedGatehouse } from '../support/spawn-gatehouse.js';
import { TEST_SEED } from '../support/test-seed.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';

/**
 * Several Gatehouse OS processes on one Redis (or Redis Cluster) behind one
 * round-robin address, set up as production would run them: one keys file
 * (tokens from any instance verify on every other), one issuer (the
 * balancer's address), one audit key, one seed, the balancer trusted for
 * X-Forwarded-For. Test-only.
 */
export interface GatehouseInstances {
  readonly proxy: RoundRobinProxy;
  readonly instances: SpawnedGatehouse[];
  /** Replaces instance `index` with a new process on the same settings (after a crash drill). */
  restart(index: number): Promise<SpawnedGatehouse>;
  close(): Promise<void>;
}

export async function startInstances(count: number, storeEnv: Readonly<Record<string, string>>, extraEnv: Readonly<Record<string, string>> = {}): Promise<GatehouseInstances> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-instances-'));
  const keysFile = join(dir, 'keys.json');
  const seedFile = join(dir, 'seed.json');
  await writeFile(keysFile, JSON.stringify({ keys: [await generatePrivateJwk('ES256')] }));
  await writeFile(seedFile, JSON.stringify(TEST_SEED));
  const proxy = await startRoundRobinProxy();
  const env = {
    ...storeEnv,
    GATEHOUSE_SIGNING_KEYS_FILE: keysFile,
    GATEHOUSE_SEED_FILE: seedFile,
    GATEHOUSE_ISSUER: proxy.url,
    GATEHOUSE_TRUST_PROXY: '127.0.0.1',
    GATEHOUSE_LIMIT_AUTHENTICATED: '100000/60',
    ...extraEnv,
  };
  const instances: SpawnedGatehouse[] = [];
  try {
    // One first: it seeds the shared store; the others then find the seeded users there.
    instances.push(await spawnGatehouse(env, { listenTimeoutMs: 45_000 }));
    instances.push(...(await Promise.all(Array.from({ length: count - 1 }, () => spawnGatehouse(env, { listenTimeoutMs: 45_000 })))));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  proxy.setUpstreams(instances.map((instance) => instance.url));
  return {
    proxy,
    instances,
    async restart(index) {
      await instances[index]?.stop('SIGKILL');
      const replacement = await spawnGatehouse(env, { listenTimeoutMs: 45_000 });
      instances[index] = replacement;
      proxy.setUpstreams(instances.map((instance) => instance.url));
      return replacement;
    },
    async close() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await proxy.close();
      await removeServerBuild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
