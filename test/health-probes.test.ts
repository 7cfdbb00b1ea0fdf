import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { projectStores } from './support/default-store.js';
import { redisEnv } from './support/redis-env.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

/**
 * GET /healthz (liveness) and GET /readyz (readiness), as a Kubernetes probe
 * or a load balancer calls them: status codes, JSON bodies, no rate limit,
 * no log line per call, and readiness following Redis down and back up.
 */

let running: RunningGatehouse | undefined;
const namespaces: RedisTestNamespace[] = [];
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(async () => {
  await Promise.all(namespaces.map((namespace) => namespace.cleanup()));
});

async function redisNamespace(): Promise<RedisTestNamespace> {
  const namespace = await createRedisTestNamespace('health-probes');
  namespaces.push(namespace);
  return namespace;
}

/** A loopback TCP proxy to Redis that the test can cut (every connection dropped, port closed) and restore. */
async function redisProxy(target: URL): Promise<{ port: number; pings(): number; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let pings = 0;
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      // RESP spells a bare PING as *1 $4 PING: counted on its way to Redis. (The revocation feed's heartbeat is a
      // PING with an argument, *2 $4 PING ..., on its own connection: not a readiness check.)
      client.on('data', (chunk: Buffer) => (pings += chunk.toString('latin1').toUpperCase().split('*1\r\n$4\r\nPING\r\n').length - 1));
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (typeof address === 'object' && address !== null) port = address.port;
  };
  await open();
  return {
    port,
    pings: () => pings,
    async cut() {
      const closed = new Promise((resolve) => server?.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: open,
  };
}

async function probe(url: string, path: '/healthz' | '/readyz'): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe.each(projectStores())('health probes on the %s store', (store) => {
  async function start(env: Record<string, string> = {}): Promise<RunningGatehouse> {
    const storeEnv = store === 'redis' ? redisEnv(await redisNamespace()) : { GATEHOUSE_STORE: 'memory' };
    running = await startGatehouse({ env: { ...storeEnv, ...env } });
    return running;
  }

  it('GET /healthz answers 200 while the process runs', async () => {
    const server = await start();
    const answer = await probe(server.url, '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('GET /readyz answers 200 when every store it needs answers', async () => {
    const server = await start();
    const answer = await probe(server.url, '/readyz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ready', checks: store === 'redis' ? { redis: 'up' } : {} });
  });

  it('neither probe is rate limited: 30 calls each within a public budget of 2 all answer 200', async () => {
    const server = await start({ GATEHOUSE_LIMIT_PUBLIC: '2/3600', GATEHOUSE_LIMIT_FAILED_AUTH: '2/300', GATEHOUSE_LIMIT_DENIED: '2/300' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => probe(server.url, index % 2 === 0 ? '/healthz' : '/readyz')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 30 }, () => 200));
    const limitHeaders = ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'retry-after'];
    expect(answers.some((answer) => limitHeaders.some((name) => answer.headers.has(name)))).toBe(false);
  });

  it('no log line per probe call', async () => {
    const server = await start();
    const before = server.logLines().length;
    for (let i = 0; i < 5; i += 1) {
      await probe(server.url, '/healthz');
      await probe(server.url, '/readyz');
    }
    const probeLines = server.logLines().slice(before).filter((line) => line.includes('/healthz') || line.includes('/readyz'));
    expect(probeLines).toEqual([]);
    // The same server does log an ordinary request: the silence is the probes' own.
    await fetch(`${server.url}/.well-known/jwks.json`);
    await vi.waitFor(() => expect(server.logLines().some((line) => line.includes('/.well-known/jwks.json'))).toBe(true));
  });
});

describe('readiness follows Redis', () => {
  // A flood: 200 concurrent probes through a proxy, past the 20 s default on a loaded two-core host.
  it('a flood of /readyz is not a flood of Redis PINGs: 200 concurrent probes cost at most a few', async () => {
    const namespace = await redisNamespace();
    const proxy = await redisProxy(new URL(namespace.url));
    running = await startGatehouse({ env: { ...redisEnv(namespace), REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    const before = proxy.pings();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 200 }, () => probe(running?.url ?? '', '/readyz')));
    const seconds = (performance.now() - started) / 1000;
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // One check per READINESS_REUSE_MS (1 s), so at most one per second the 200 probes took (they straddle several
    // on a loaded machine; a fixed bound of 5 failed there), and far fewer than the probes.
    expect(proxy.pings() - before).toBeGreaterThanOrEqual(1);
    expect(proxy.pings() - before).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(proxy.pings() - before).toBeLessThan(20);
    await running.close();
    running = undefined;
    await proxy.cut();
  }, 60_000);

  it('Redis unreachable: /readyz answers 503 naming redis while /healthz stays 200; Redis back: 200 again', async () => {
    const namespace = await redisNamespace();
    const proxy = await redisProxy(new URL(namespace.url));
    const env = redisEnv(namespace);
    running = await startGatehouse({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    const { url } = running;
    expect((await probe(url, '/readyz')).status).toBe(200);

    await proxy.cut();
    await vi.waitFor(
      async () => {
        const answer = await probe(url, '/readyz');
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({ status: 'unavailable', failing: ['redis'], checks: { redis: 'down' } });
      },
      { timeout: 5_000, interval: 100 },
    );
    const live = await probe(url, '/healthz');
    expect(live.status).toBe(200);

    await proxy.restore();
    // ioredis reconnects with a capped backoff (2 s at most between attempts).
    await vi.waitFor(async () => expect((await probe(url, '/readyz')).status).toBe(200), { timeout: 10_000, interval: 200 });
    await proxy.cut();
  }, 30_000);
});
