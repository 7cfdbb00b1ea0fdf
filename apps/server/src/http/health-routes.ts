import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { isCluster, type RedisClient } from '../stores/redis/redis-client.js';

/** How long /readyz waits for a store before counting it down: well under a probe's usual 1 s timeout. */
export const READINESS_CHECK_TIMEOUT_MS = 500;

/**
 * How long one answer of the stores serves every /readyz call. The probes are
 * unauthenticated and not rate limited, so without this a flood of them would
 * be a flood of Redis PINGs; probes come every few seconds, so a second's
 * staleness costs them nothing.
 */
export const READINESS_REUSE_MS = 1_000;

interface StoreCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

/** The stores this process cannot serve without: Redis when GATEHOUSE_STORE=redis, Redis and PostgreSQL for postgres. */
function neededStores(deps: Pick<Dependencies, 'redis' | 'database'>): StoreCheck[] {
  const { redis, database } = deps;
  const checks: StoreCheck[] = redis === undefined ? [] : [{ name: 'redis', check: () => pingRedis(redis) }];
  if (database !== undefined) checks.push({ name: 'postgres', check: () => database.ping() });
  return checks;
}

/** A Redis Cluster has this many hash slots; each must have a master that answers. */
const CLUSTER_SLOTS = 16_384;

/**
 * One server: a PING. A Redis Cluster: a PING to the master of every hash slot in the client's slot map. A
 * keyless PING goes to one node of ioredis's choosing, and would call the cluster up while a master (a third of
 * the slots: those users' sessions and keys) is gone; pinging the masters the client knows is not enough
 * either, since a slot-map refresh during a failover drops the dead master before a replica has its slots (seen
 * in the cluster-master drill: "ready" for 0.4 s with a third of the slots unserved). Once a replica is
 * promoted and the map re-read, every slot has a master again and the check passes.
 */
async function pingRedis(redis: RedisClient): Promise<void> {
  if (!isCluster(redis)) {
    await redis.ping();
    return;
  }
  const known = new Map(redis.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const serving = new Set<string>();
  for (let slot = 0; slot < CLUSTER_SLOTS; slot += 1) {
    const master = redis.slots[slot]?.[0];
    if (master === undefined) throw new Error(`hash slot ${slot} has no master`);
    serving.add(master);
  }
  await Promise.all(
    [...serving].map(async (address) => {
      const node = known.get(address);
      if (node === undefined) throw new Error(`the master of some hash slots (${address}) is gone`);
      await node.ping();
    }),
  );
}

async function answers(store: StoreCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kubernetes-style probes. /healthz: the process runs and its event loop
 * answers (a liveness probe that fails gets the process restarted, so it
 * never asks Redis: a Redis outage must not restart every instance).
 * /readyz: every store a request needs answers, else 503 naming the one that
 * does not, so a load balancer sends traffic elsewhere until it recovers.
 * Neither is rate limited (a probe every few seconds from one address would
 * spend a budget meant for people) nor logged per call (it would drown the log).
 */
export function registerHealthRoutes(app: FastifyInstance, deps: Pick<Dependencies, 'redis' | 'database'>): void {
  const stores = neededStores(deps);
  type Results = readonly (readonly [string, boolean])[];
  let latest: { readonly at: number; readonly results: Promise<Results> } | undefined;
  // Concurrent and recent calls share one check: at most one PING per store per READINESS_REUSE_MS.
  const check = (): Promise<Results> => {
    const at = Date.now();
    if (latest === undefined || at - latest.at >= READINESS_REUSE_MS) {
      latest = { at, results: Promise.all(stores.map(async (store) => [store.name, await answers(store)] as const)) };
    }
    return latest.results;
  };
  app.get('/healthz', { logLevel: 'silent' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });
  app.get('/readyz', { logLevel: 'silent' }, async (_request, reply) => {
    const results = await check();
    const failing = results.filter(([, up]) => !up).map(([name]) => name);
    const checks = Object.fromEntries(results.map(([name, up]) => [name, up ? 'up' : 'down']));
    reply.header('cache-control', 'no-store');
    if (failing.length > 0) {
      return reply.status(503).send({ status: 'unavailable', failing, checks });
    }
    return { status: 'ready', checks };
  });
}
