// The store row of `pnpm bench`: one protected call on Gatehouse with GATEHOUSE_STORE=memory, redis and postgres,
// side by side in one run (interleaved rounds), through a bearer token and through an API key (the lookup by
// hash and the owner's record are what the store answers on every call). Ratios to the Redis store are the
// result; absolute numbers depend on the machine.
//   pnpm --filter @gatehouse/server build && node bench/src/store-bench.mjs
// BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS as in run-bench.mjs; BENCH_REDIS_URL; BENCH_POSTGRES_URL
// (a server where user postgres may create a database; default postgres://postgres@127.0.0.1:5432).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const env = process.env;
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const seconds = Number(env.BENCH_DURATION ?? 5);
const connections = Number(env.BENCH_CONNECTIONS ?? 50);
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_SERVER = env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const run = `${process.pid}-${Date.now().toString(36)}`;
const REDIS_PREFIX = `gatehouse-bench-stores:${run}:`;
const DATABASE = 'gatehouse_bench';
const SCHEMA = `bench_${run.replace(/-/g, '_')}`;
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function psql(database, command) {
  const result = spawnSync('psql', [`${POSTGRES_SERVER}/${database}`, '-qAtc', command], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

const base = {
  ...GATEHOUSE_BENCH_ENV,
  GATEHOUSE_AUDIT_HMAC_KEY: Buffer.alloc(32, 'bench').toString('base64'),
};
const STORES = [
  { name: 'memory', env: { GATEHOUSE_STORE: 'memory' } },
  { name: 'redis', env: { GATEHOUSE_STORE: 'redis', REDIS_URL, GATEHOUSE_REDIS_PREFIX: `${REDIS_PREFIX}redis:` } },
  {
    name: 'postgres',
    env: {
      GATEHOUSE_STORE: 'postgres',
      REDIS_URL,
      GATEHOUSE_REDIS_PREFIX: `${REDIS_PREFIX}postgres:`,
      DATABASE_URL: `${POSTGRES_SERVER}/${DATABASE}?options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`,
    },
  },
];

function startServer(store) {
  const command = [...(pinned ? ['taskset', '-c', '0'] : []), 'node', join(here, 'servers/gatehouse.mjs')];
  const child = spawn(command[0], command.slice(1), { env: { ...process.env, ...base, ...store.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /ready (\d+)/.exec(stdout);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`${store.name} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
  });
}

async function trpc(url, path, body, headers = {}) {
  const response = await fetch(`${url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()).result.data;
}

function autocannon(url, headers) {
  const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  const command = [...(pinned ? ['taskset', '-c', '1'] : []), 'node', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out);
      resolve({ rps: result.requests.average, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`) !== '1') psql('postgres', `CREATE DATABASE ${DATABASE}`);
psql(DATABASE, `CREATE SCHEMA ${SCHEMA}`);
const running = [];
try {
  for (const store of STORES) {
    const server = await startServer(store);
    const { accessToken } = await trpc(server.url, 'auth.login', { email: 'alice@gatehouse.dev', password: 'alice-demo-password' });
    const { key } = await trpc(server.url, 'apiKeys.create', { name: 'bench', scopes: ['users:read'] }, { authorization: `Bearer ${accessToken}` });
    running.push({ store, server, paths: { bearer: { authorization: `Bearer ${accessToken}` }, 'api key': { 'x-api-key': key } }, runs: { bearer: [], 'api key': [] } });
  }
  for (const entry of running) for (const headers of Object.values(entry.paths)) await autocannon(`${entry.server.url}/trpc/users.me`, headers);
  for (let round = 1; round <= rounds; round += 1) {
    for (const entry of running) {
      for (const [path, headers] of Object.entries(entry.paths)) {
        const result = await autocannon(`${entry.server.url}/trpc/users.me`, headers);
        if (result.bad > 0) console.log(`  warning: ${entry.store.name} ${path}: ${result.bad} failed requests`);
        entry.runs[path].push(result);
        console.log(`round ${round}/${rounds} ${entry.store.name.padEnd(9)} ${path.padEnd(8)} ${Math.round(result.rps).toString().padStart(7)} req/s  p99 ${result.p99} ms`);
      }
    }
  }
  const redis = running.find((entry) => entry.store.name === 'redis');
  console.log(`\nusers.me, median of ${rounds} rounds of ${seconds} s, ${connections} connections (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  console.log('| store | path | req/s | p99 ms | vs redis |\n|---|---|---|---|---|');
  for (const entry of running) {
    for (const path of Object.keys(entry.paths)) {
      const rps = median(entry.runs[path].map((r) => r.rps));
      const reference = median(redis.runs[path].map((r) => r.rps));
      console.log(`| ${entry.store.name} | ${path} | ${Math.round(rps)} | ${median(entry.runs[path].map((r) => r.p99))} | ${(rps / reference).toFixed(2)} |`);
    }
  }
} finally {
  for (const entry of running) entry.server.child.kill();
  psql(DATABASE, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const redis = new Redis(REDIS_URL);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    if ((cursor = next) === '0') break;
  }
  redis.disconnect();
}
