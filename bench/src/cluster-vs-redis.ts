// `pnpm --filter @gatehouse/bench cluster-vs-redis`: Gatehouse on one Redis next to Gatehouse on a Redis Cluster
// (three masters, three replicas, started here on free loopback ports), users.me under autocannon, the two
// interleaved for several rounds so machine noise hits both alike. Reports medians and the cluster/single ratio.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisCluster } from '../../test/cluster/start-redis-cluster.js';

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const here = dirname(fileURLToPath(import.meta.url));
const serverDir = join(here, '../../apps/server');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_DURATION ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const prefix = `gatehouse-bench-cluster:${process.pid}:`;

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function startServer(outdir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(serverDir, outdir, 'main.js')], {
    cwd: serverDir,
    env: {
      PATH: process.env.PATH ?? '',
      GATEHOUSE_ENV: 'test',
      GATEHOUSE_PORT: '0',
      GATEHOUSE_METRICS_PORT: 'off',
      GATEHOUSE_BCRYPT_COST: '4',
      GATEHOUSE_ACCESS_TOKEN_TTL: '3600',
      GATEHOUSE_LIMIT_AUTHENTICATED: '1000000000/60',
      GATEHOUSE_LIMIT_PUBLIC: '1000000000/3600',
      GATEHOUSE_STORE: 'redis',
      GATEHOUSE_REDIS_PREFIX: prefix,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

async function sessionToken(url: string): Promise<string> {
  const credentials = { email: `bench-${randomUUID()}@bench.gatehouse`, password: 'bench password long enough' };
  const post = (path: string, body: unknown) =>
    fetch(`${url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('auth.register', { ...credentials, name: 'Bench' });
  const login = (await (await post('auth.login', credentials)).json()) as { result: { data: { accessToken: string } } };
  return login.result.data.accessToken;
}

function autocannon(url: string, token: string): Sample {
  const out = execFileSync(process.execPath, [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), '-H', `authorization=Bearer ${token}`, url], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const outdir = `.bench-build-${process.pid}`;
execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], { cwd: serverDir });
const cluster = await startRedisCluster();
process.stderr.write(`cluster on ${cluster.nodesSetting}\n`);
const variants = [
  { name: 'single Redis', env: { REDIS_URL: 'redis://127.0.0.1:6379' } },
  { name: 'Redis Cluster (3+3)', env: { REDIS_CLUSTER_NODES: cluster.nodesSetting } },
];
const samples = new Map<string, Sample[]>(variants.map((variant) => [variant.name, []]));
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const server = await startServer(outdir, variant.env);
      process.stderr.write(`round ${round + 1}/${rounds}: ${variant.name}\n`);
      try {
        const token = await sessionToken(server.url);
        autocannon(`${server.url}/trpc/users.me`, token); // warm-up, discarded
        samples.get(variant.name)?.push(autocannon(`${server.url}/trpc/users.me`, token));
      } finally {
        server.child.kill('SIGTERM');
      }
    }
  }
} finally {
  await cluster.stop();
  await rm(join(serverDir, outdir), { recursive: true, force: true });
  // The single-Redis variant wrote under its own prefix on the shared Redis: removed key by key.
  execFileSync('sh', ['-c', `redis-cli --scan --pattern '${prefix}*' | xargs -r redis-cli unlink > /dev/null`]);
}
const summary = variants.map((variant) => {
  const runs = samples.get(variant.name) ?? [];
  return { variant: variant.name, rps: median(runs.map((run) => run.rps)), p50ms: median(runs.map((run) => run.p50)), p99ms: median(runs.map((run) => run.p99)), errors: runs.reduce((sum, run) => sum + run.errors, 0) };
});
console.table(summary);
const [single, clustered] = summary;
if (single !== undefined && clustered !== undefined) console.log(`cluster / single Redis throughput: ${(clustered.rps / single.rps).toFixed(2)}`);
