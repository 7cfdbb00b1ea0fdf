import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { findFreePort, waitForPing } from './redis-server-process.js';

const run = promisify(execFile);

/** A cluster node's bus listens on its port + 10000. */
const BUS_OFFSET = 10_000;

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/**
 * A real Redis Cluster for tests: `masters` masters with `replicasPerMaster`
 * replicas each, every node a redis-server of the machine on a free loopback
 * port, in a temp directory removed on stop. Test-only.
 */
export interface RunningRedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** REDIS_CLUSTER_NODES for a server on this cluster. */
  readonly nodesSetting: string;
  /** SIGKILLs the master serving `key`'s slot and resolves once a replica has taken its slots over. */
  killMasterOf(key: string): Promise<{ killedPort: number; promotedPort: number; failoverMs: number }>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  readonly masters?: number;
  readonly replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent master takes to be declared failed. */
  readonly nodeTimeoutMs?: number;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RunningRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  // A test run that is itself killed (a timeout, Ctrl-C) must not leave six redis-servers behind.
  const killOnExit = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stopAll = async () => {
    process.off('exit', killOnExit);
    await Promise.all([...children.values()].map((child) => killChild(child)));
    children.clear();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < masters * (1 + replicas)) {
      const port = await findFreePort(BUS_OFFSET);
      if (!ports.includes(port)) ports.push(port);
    }
    await Promise.all(
      ports.map(async (port) => {
        const child = spawn(
          'redis-server',
          [
            '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
            '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
            '--cluster-node-timeout', String(nodeTimeoutMs), '--daemonize', 'no', '--loglevel', 'warning',
          ],
          { stdio: 'ignore' },
        );
        children.set(port, child);
        await waitForPing(port, 10_000, child);
      }),
    );
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    await Promise.all(ports.map((port) => waitForClusterOk(port, 20_000)));
    await waitForReplicasSynced(ports, masters * replicas, 20_000);
  } catch (error) {
    await stopAll();
    throw error;
  }

  const nodes = [...children.keys()].map((port) => ({ host: '127.0.0.1', port }));
  return {
    nodes,
    nodesSetting: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    async killMasterOf(key) {
      const anyPort = [...children.keys()].find((port) => children.get(port)?.exitCode === null) ?? 0;
      const admin = new Redis(anyPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
        const masterPort = await ownerOfSlot(admin, slot);
        const child = children.get(masterPort);
        if (child === undefined) throw new Error(`no node on port ${masterPort}`);
        const started = performance.now();
        await killChild(child);
        children.delete(masterPort);
        const survivor = [...children.keys()][0] ?? 0;
        const watcher = new Redis(survivor, '127.0.0.1', { maxRetriesPerRequest: 1 });
        try {
          for (;;) {
            const owner = await ownerOfSlot(watcher, slot).catch(() => masterPort);
            if (owner !== masterPort && (await clusterState(watcher)) === 'ok') {
              return { killedPort: masterPort, promotedPort: owner, failoverMs: Math.round(performance.now() - started) };
            }
            if (performance.now() - started > 30_000) throw new Error('no replica took over within 30 s');
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        } finally {
          watcher.disconnect();
        }
      } finally {
        admin.disconnect();
      }
    },
    stop: stopAll,
  };
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function ownerOfSlot(redis: Redis, slot: number): Promise<number> {
  const ranges = (await redis.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  if (range === undefined) throw new Error(`slot ${slot} is not served`);
  return Number(range[2][1]);
}

async function clusterState(redis: Redis): Promise<string | undefined> {
  const info = String(await redis.call('CLUSTER', 'INFO'));
  return /cluster_state:(\w+)/.exec(info)?.[1];
}

async function waitForClusterOk(port: number, timeoutMs: number): Promise<void> {
  const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await clusterState(redis)) !== 'ok') {
      if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    redis.disconnect();
  }
}

/** Every replica attached to its master with the initial sync done: a failover drill needs a replica to promote. */
async function waitForReplicasSynced(ports: readonly number[], expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let synced = 0;
    for (const port of ports) {
      const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      const info = String(await redis.info('replication').finally(() => redis.disconnect()));
      if (/role:slave/.test(info) && /master_link_status:up/.test(info)) synced += 1;
    }
    if (synced >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${synced} of ${expected} replicas synced within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
