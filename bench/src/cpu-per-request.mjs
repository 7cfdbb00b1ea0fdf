// `pnpm --filter @gatehouse/bench cpu-per-request`: server CPU time (user + system, from /proc) per request for
// the goal variants, interleaved round by round. On a shared machine whose load swings, throughput mostly measures
// what the other processes left over; CPU spent per request is what the server itself costs, so its ratios hold
// up under load far better (each variant still serves the same request under the same autocannon load).
// Knobs: CPU_ROUNDS (3), CPU_DURATION (8 s), CPU_VARIANTS (comma-separated names). CPU_BASELINE=<another
// checkout, installed and built> adds `baseline` and `baseline-redis`, that checkout's Gatehouse, for a before and
// after of one change side by side in one run (e.g. `git worktree add /tmp/before HEAD~1`, then `pnpm install`
// and `pnpm --filter @gatehouse/server build` there).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { readyPort, serverCpuUs } from './server-process.mjs';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const rounds = Number(process.env.CPU_ROUNDS ?? 3);
const seconds = Number(process.env.CPU_DURATION ?? 8);
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const on = (core, command) => (pinned ? ['taskset', '-c', String(core), ...command] : command);
const SECRET = 'bench-only-secret-0123456789abcdef0123456789abcdef';
const REDIS_PREFIX = `gatehouse-bench-cpu:${process.pid}:`;
const gatehouseEnv = (extra) => ({ ...GATEHOUSE_BENCH_ENV, ...extra });
const fastify = (logger, headers = 'own') => ({ command: ['node', join(here, 'servers/fastify-jwt.mjs')], env: { BENCH_HS256_SECRET: SECRET, BENCH_FASTIFY_LOGGER: String(logger), BENCH_FASTIFY_HEADERS: headers }, path: '/users/me', token: async () => jwt.sign({ sub: 'u1', scope: 'users:read' }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }) });
const gatehouse = (extra, checkout = join(here, '../..')) => ({ command: ['node', join(checkout, 'bench/src/servers/gatehouse.mjs')], env: gatehouseEnv(extra), path: '/trpc/users.me', token: login });
const baseline = process.env.CPU_BASELINE;
const redisStore = (prefix) => ({ GATEHOUSE_STORE: 'redis', REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', GATEHOUSE_REDIS_PREFIX: prefix });
// Bare node:http writing users.me's answer with Gatehouse's 17 headers and doing nothing else: the least CPU any
// server answering exactly as Gatehouse does could spend, to set the reference's cost against.
const gatehouseWireOnly = { command: ['node', join(here, 'servers/node-http-headers.mjs')], env: { BENCH_HEADER_SET: 'gatehouse' }, path: '/users/me', token: async () => 'unused' };
const VARIANTS = {
  'fastify+jwt': fastify(false),
  'node:http-gatehouse-headers': gatehouseWireOnly,
  'fastify+jwt-logged': fastify(true),
  // The reference answering with Gatehouse's headers: Gatehouse's own work against Fastify's, header for header.
  'fastify+jwt-headers': fastify(false, 'gatehouse'),
  gatehouse: gatehouse({}),
  'gatehouse-info': gatehouse({ GATEHOUSE_LOG_LEVEL: 'info' }),
  'gatehouse-redis': gatehouse(redisStore(REDIS_PREFIX)),
  ...(baseline === undefined ? {} : { baseline: gatehouse({}, baseline), 'baseline-redis': gatehouse(redisStore(`${REDIS_PREFIX}baseline:`), baseline) }),
};
const names = (process.env.CPU_VARIANTS ?? Object.keys(VARIANTS).join(',')).split(',');

async function login(base) {
  const response = await fetch(`${base}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }) });
  return (await response.json()).result.data.accessToken;
}

function load(url, token, duration) {
  const [command, ...args] = on(1, ['node', require.resolve('autocannon/autocannon.js'), '-j', '-c', '50', '-d', String(duration), '-H', `authorization=Bearer ${token}`, url]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => child.once('exit', () => resolve(JSON.parse(out))));
}

/** A variant's server, started, logged in and warmed up. */
async function start(name) {
  const variant = VARIANTS[name];
  const [command, ...args] = on(0, variant.command);
  const child = spawn(command, args, { env: { ...process.env, ...variant.env }, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await Promise.race([
      readyPort(child),
      new Promise((_resolve, reject) => child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)))),
    ]);
    // Log lines (the info variants) are read and dropped.
    child.stdout.on('data', () => {});
    const url = `http://127.0.0.1:${port}${variant.path}`;
    const token = await variant.token(`http://127.0.0.1:${port}`);
    await load(url, token, 2);
    return { child, url, token };
  } catch (error) {
    // A pinned server left running would skew every later round: stopped before the failure is reported.
    await stop(child);
    throw error;
  }
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill();
  });
}

for (const name of names) if (VARIANTS[name] === undefined) throw new Error(`no variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
const servers = names.map((name) => ({ name, perRound: [] }));
console.log(`load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}; ${rounds} rounds of ${seconds} s`);
// Each variant starts afresh in every round: V8 settles a process into one of two steady states (Node's nextTick on
// its runtime path in about half of all starts, for Fastify and Gatehouse alike), so one process per variant for
// the whole run would make every round the same draw and a before/after mostly a comparison of two draws.
for (let round = 1; round <= rounds; round += 1) {
  for (const server of servers) {
    const running = await start(server.name);
    try {
      const before = serverCpuUs(running.child.pid);
      const result = await load(running.url, running.token, seconds);
      const cpu = (serverCpuUs(running.child.pid) - before) / result.requests.total;
      server.perRound.push(cpu);
      console.log(`round ${round} ${server.name.padEnd(20)} ${cpu.toFixed(1)} µs CPU per request (${result.requests.total} requests, ${result['2xx']} 2xx)`);
    } finally {
      await stop(running.child);
    }
  }
}
const byName = new Map(servers.map((server) => [server.name, server]));
// [ours, reference]: the ratio is the reference's CPU per request over ours (Redis: memory over Redis, goal 0.85).
const pairs = [['gatehouse', 'fastify+jwt'], ['gatehouse', 'fastify+jwt-headers'], ['node:http-gatehouse-headers', 'fastify+jwt'], ['gatehouse', 'node:http-gatehouse-headers'], ['gatehouse-info', 'fastify+jwt-logged'], ['gatehouse-redis', 'gatehouse'], ['gatehouse', 'baseline'], ['gatehouse-redis', 'baseline-redis'], ['baseline-redis', 'baseline']];
console.log('\n| CPU per request: reference / Gatehouse (≥ 1.00 means Gatehouse costs no more) | per round | median |');
console.log('|---|---|---|');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
for (const [ours, theirs] of pairs) {
  const a = byName.get(ours);
  const b = byName.get(theirs);
  if (a === undefined || b === undefined) continue;
  const ratios = a.perRound.map((cpu, index) => b.perRound[index] / cpu);
  console.log(`| ${theirs} / ${ours} | ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')} | ${median(ratios).toFixed(2)} |`);
}
if (names.some((name) => name.endsWith('-redis'))) {
  // Every key the Redis variants wrote lives under this run's prefix.
  const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
console.log(`load average at the end ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
