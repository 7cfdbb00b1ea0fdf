// `pnpm bench`: every server variant in its own process, pinned to core 0 when taskset exists, driven by
// autocannon on core 1; variants interleaved for several rounds; a table on stdout and bench/results/latest.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import jwt from 'jsonwebtoken';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const env = process.env;
const settings = {
  rounds: Number(env.BENCH_ROUNDS ?? 5),
  durationSeconds: Number(env.BENCH_DURATION ?? 10),
  warmupSeconds: Number(env.BENCH_WARMUP ?? 2),
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  latencyRate: Number(env.BENCH_LATENCY_RATE ?? 500),
  latencySeconds: Number(env.BENCH_LATENCY_DURATION ?? 10),
  stormConnections: Number(env.BENCH_STORM_CONNECTIONS ?? 4),
  gatehouseLogLevel: env.BENCH_GATEHOUSE_LOG_LEVEL ?? 'warn',
  only: env.BENCH_VARIANTS?.split(',').map((name) => name.trim()).filter(Boolean),
};
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const serverCpu = pinned ? ['taskset', '-c', '0'] : [];
const loadCpu = pinned ? ['taskset', '-c', '1'] : [];
const HS256_SECRET = 'bench-only-secret-0123456789abcdef0123456789abcdef';
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// One key prefix per bench run: users, orders, tokens and rate-limit counters of the Redis variant live under it,
// and every key under it is deleted when the run ends (even when it fails).
const REDIS_PREFIX = `gatehouse-bench:${process.pid}-${Date.now().toString(36)}:`;

// The postgres variant's records live in a schema of their own in the `postgres` database (the server
// migrates it on start), dropped when the run ends; its hot state shares the Redis prefix above.
const POSTGRES_SERVER = env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const POSTGRES_SCHEMA = `gatehouse_bench_${process.pid}_${Date.now().toString(36)}`;
const POSTGRES_URL = `${POSTGRES_SERVER}/postgres?options=${encodeURIComponent(`-c search_path=${POSTGRES_SCHEMA}`)}`;

const gatehouseEnv = (extra) => ({ ...GATEHOUSE_BENCH_ENV, GATEHOUSE_LOG_LEVEL: settings.gatehouseLogLevel, ...extra });
// As `pnpm start` runs it: compiled to apps/server/dist (the bench script builds it first).
const gatehouse = ['node', join(here, 'servers/gatehouse.mjs')];
const hs256Token = () => jwt.sign({ sub: 'u1', scope: 'users:read orders:read' }, HS256_SECRET, { algorithm: 'HS256', expiresIn: '1h' });

const fastifyReference = ['node', join(here, 'servers/fastify-jwt.mjs')];
const VARIANTS = [
  { name: 'node:http', command: ['node', join(here, 'servers/node-http.mjs')], path: '/users/me', token: async () => undefined },
  { name: 'fastify+jwt', label: 'Fastify + @fastify/jwt (HS256) + @fastify/rate-limit, logger: false', command: fastifyReference, env: { BENCH_HS256_SECRET: HS256_SECRET }, path: '/users/me', token: async () => hs256Token() },
  { name: 'fastify+jwt-logged', label: 'the same Fastify reference, logger: true', command: fastifyReference, env: { BENCH_HS256_SECRET: HS256_SECRET, BENCH_FASTIFY_LOGGER: 'true' }, path: '/users/me', token: async () => hs256Token() },
  { name: 'fastify+jwt-headers', label: "the same Fastify reference, logger: false, sending Gatehouse's headers", command: fastifyReference, env: { BENCH_HS256_SECRET: HS256_SECRET, BENCH_FASTIFY_HEADERS: 'gatehouse' }, path: '/users/me', token: async () => hs256Token() },
  { name: 'express', label: 'Express 5 + jsonwebtoken + express-rate-limit', command: ['node', join(here, 'servers/express-tutorial.mjs')], env: { BENCH_HS256_SECRET: HS256_SECRET }, path: '/users/me', token: async () => hs256Token() },
  { name: 'trpc-stock', label: 'Gatehouse, tRPC stock Fastify adapter (fast path off), memory', command: gatehouse, env: gatehouseEnv({ GATEHOUSE_TRPC_FAST_PATH: 'false' }), path: '/trpc/users.me', token: gatehouseLogin },
  { name: 'gatehouse', label: 'Gatehouse as shipped (ES256, fast lane, token cache, compiled), memory, logging at warn', command: gatehouse, env: gatehouseEnv({}), path: '/trpc/users.me', token: gatehouseLogin },
  { name: 'gatehouse-info', label: 'Gatehouse as shipped, memory, logging at info (the default)', command: gatehouse, env: gatehouseEnv({ GATEHOUSE_LOG_LEVEL: 'info' }), path: '/trpc/users.me', token: gatehouseLogin },
  { name: 'gatehouse-redis', label: 'Gatehouse as shipped, Redis store, logging at warn', command: gatehouse, env: gatehouseEnv({ GATEHOUSE_STORE: 'redis', REDIS_URL, GATEHOUSE_REDIS_PREFIX: REDIS_PREFIX }), path: '/trpc/users.me', token: gatehouseLogin },
  { name: 'gatehouse-postgres', label: 'Gatehouse as shipped, records in PostgreSQL, hot state in Redis, logging at warn', command: gatehouse, env: gatehouseEnv({ GATEHOUSE_STORE: 'postgres', DATABASE_URL: POSTGRES_URL, REDIS_URL, GATEHOUSE_REDIS_PREFIX: `${REDIS_PREFIX}pg:` }), path: '/trpc/users.me', token: gatehouseLogin },
].filter((variant) => settings.only === undefined || settings.only.includes(variant.name));

/** The ratios the issue sets goals for, each from the same rounds of one interleaved run: [name, of, against, goal]. */
const RATIOS = [
  ['memory vs Fastify reference, logging off on both', 'gatehouse', 'fastify+jwt', 1.0],
  ['memory, logging at info vs Fastify logger: true', 'gatehouse-info', 'fastify+jwt-logged', 1.0],
  ['Redis store vs memory store', 'gatehouse-redis', 'gatehouse', 0.85],
  // No goal of the issue's: the reference answers with 8 headers, Gatehouse with 20, and Node spends about
  // 0.3 µs on each (header-cost.mjs). This row is Gatehouse's own work against Fastify's, header for header.
  ["memory vs the reference sending Gatehouse's headers (no goal: information)", 'gatehouse', 'fastify+jwt-headers', null],
  ['postgres store vs Redis store', 'gatehouse-postgres', 'gatehouse-redis', 0.9],
];

async function gatehouseLogin(baseUrl) {
  const response = await fetch(`${baseUrl}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return (await response.json()).result.data.accessToken;
}

function startServer(variant) {
  const [command, ...args] = [...serverCpu, ...variant.command];
  const child = spawn(command, args, { env: { ...process.env, ...variant.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish({ error: 'no "ready" within 60 s' }), 60_000);
    const finish = (outcome) => {
      clearTimeout(timer);
      resolve({ child, ...outcome });
    };
    let stdout = '';
    const readReady = (chunk) => {
      stdout += chunk;
      const match = /ready (\d+)/.exec(stdout);
      if (match === null) return;
      // From here on stdout carries only log lines (the info variants): read and dropped, never kept.
      child.stdout.off('data', readReady);
      child.stdout.on('data', () => {});
      finish({ url: `http://127.0.0.1:${match[1]}` });
    };
    child.stdout.on('data', readReady);
    child.once('exit', (code) => finish({ error: `exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }));
  });
}

function autocannon(url, { seconds, connections, headers = {}, rate, method = 'GET', body }) {
  const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), '-m', method];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  if (rate !== undefined) args.push('-R', String(rate));
  if (body !== undefined) args.push('-b', body);
  args.push(url);
  const [command, ...rest] = [...loadCpu, 'node', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out);
      resolve({
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Starts a variant, logs in, checks that the protected call answers 200 and warms it up: a server ready to
 * measure, or the reason it is not.
 */
async function startWarmed(variant) {
  const server = await startServer(variant);
  const fail = (reason) => {
    server.child.kill();
    return { error: reason };
  };
  if (server.error !== undefined) return fail(`the server refused to start (${server.error})`);
  try {
    const token = await variant.token(server.url);
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const probe = await fetch(server.url + variant.path, { headers });
    if (probe.status !== 200) return fail(`the protected call answered ${probe.status}`);
    await autocannon(server.url + variant.path, { seconds: settings.warmupSeconds, connections: settings.connections, headers });
    return { server, headers };
  } catch (error) {
    return fail(`it could not be warmed up (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Stops a server and waits for its process to be gone, so the next variant has the core to itself. */
function stop(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill();
  });
}

/**
 * Every variant in every round in a process of its own, started afresh: V8 settles a process into one of two
 * steady states (in about half of all starts Node's own nextTick defines its objects through the runtime,
 * several µs a request, for Fastify and Gatehouse alike), so a server kept for the whole run would make every
 * round of it the same draw. Started per round, each round is a draw of its own and the median sees several.
 */
async function throughput() {
  const running = VARIANTS.map((variant) => ({ variant, runs: [] }));
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const entry of [...running]) {
      const started = await startWarmed(entry.variant);
      if (started.error !== undefined) {
        // A variant that cannot run is left out of the whole run; one that ran before and stops now is a failure.
        if (round > 1) throw new Error(`${entry.variant.name}: ${started.error} in round ${round}`);
        console.log(`skipping ${entry.variant.name}: ${started.error}`);
        running.splice(running.indexOf(entry), 1);
        continue;
      }
      try {
        const run = await autocannon(started.server.url + entry.variant.path, { seconds: settings.durationSeconds, connections: settings.connections, headers: started.headers });
        if (run.non2xx > 0 || run.errors > 0) console.log(`  warning: ${entry.variant.name} had ${run.non2xx} non-2xx and ${run.errors} errors`);
        entry.runs.push(run);
        console.log(`round ${round}/${settings.rounds} ${entry.variant.name.padEnd(16)} ${Math.round(run.rps).toString().padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms`);
      } finally {
        await stop(started.server);
      }
    }
  }
  const rows = running.map((entry) => ({
    name: entry.variant.name,
    label: entry.variant.label ?? entry.variant.name,
    rps: median(entry.runs.map((run) => run.rps)),
    p50: median(entry.runs.map((run) => run.p50)),
    p99: median(entry.runs.map((run) => run.p99)),
    runs: entry.runs,
  }));
  const base = rows.find((row) => row.name === 'node:http')?.rps;
  const reference = rows.find((row) => row.name === 'fastify+jwt')?.rps;
  for (const row of rows) {
    row.shareOfNodeHttp = base === undefined ? null : row.rps / base;
    row.ratioToFastifyReference = reference === undefined ? null : row.rps / reference;
  }
  return rows;
}

/** Each goal ratio per round (both runs of a round are side by side in time), with its median and spread. */
function goalRatios(rows) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  return RATIOS.flatMap(([label, of, against, goal]) => {
    const a = byName.get(of);
    const b = byName.get(against);
    if (a === undefined || b === undefined) return [];
    const perRound = a.runs.map((run, index) => run.rps / b.runs[index].rps);
    return [{ label, of, against, goal, median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound), perRound }];
  });
}

/**
 * Redis commands per protected call, read with MONITOR while one client calls users.me one call at a time on a
 * fresh Redis variant, once with a bearer token and once with an API key of the same user: every command naming
 * this run's key prefix is the server's (the shared Redis may carry other traffic, which names other prefixes).
 * Sequential calls, so each command is its own round trip unless ioredis pipelined it with another of the same call.
 */
async function redisCommandsPerCall(calls = 200) {
  const variant = VARIANTS.find((candidate) => candidate.name === 'gatehouse-redis');
  if (variant === undefined) return null;
  const server = await startServer(variant);
  if (server.error !== undefined) return null;
  try {
    const token = await variant.token(server.url);
    const apiKey = await createApiKey(server.url, token);
    return {
      bearer: await countCommands(server.url + variant.path, { authorization: `Bearer ${token}` }, calls),
      apiKey: await countCommands(server.url + variant.path, { 'x-api-key': apiKey }, calls),
    };
  } finally {
    server.child.kill();
  }
}

/** An API key of the bench user's, able to read its own record (users.me). */
async function createApiKey(base, token) {
  const response = await fetch(`${base}/trpc/apiKeys.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['users:read'] }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`apiKeys.create answered ${response.status}: ${JSON.stringify(body)}`);
  return body.result.data.key;
}

async function countCommands(url, headers, calls) {
  // Warm: the credential verified and what may be held of it held, as for any client after its first call.
  for (let index = 0; index < 5; index += 1) await (await fetch(url, { headers })).arrayBuffer();
  const client = new Redis(REDIS_URL);
  const monitor = await client.monitor();
  const commands = new Map();
  const inScripts = new Map();
  monitor.on('monitor', (_time, args, source) => {
    if (!args.some((arg) => String(arg).includes(REDIS_PREFIX))) return;
    const name = String(args[0]).toLowerCase();
    // MONITOR also lists what a script runs inside Redis: no round trip of its own.
    const counts = String(source).includes('lua') ? inScripts : commands;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  let failed = 0;
  for (let index = 0; index < calls; index += 1) {
    const response = await fetch(url, { headers });
    if (!response.ok) failed += 1;
    await response.arrayBuffer();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  monitor.disconnect();
  client.disconnect();
  if (failed > 0) throw new Error(`${failed} of ${calls} users.me calls failed while counting Redis commands`);
  const total = [...commands.values()].reduce((sum, count) => sum + count, 0);
  const perCall = (counts) => Object.fromEntries([...counts].map(([name, count]) => [name, count / calls]));
  return { calls, perCall: total / calls, byCommand: perCall(commands), insideScripts: perCall(inScripts) };
}

async function latencyUnderLoginStorm() {
  const variant = { command: gatehouse, env: gatehouseEnv({ GATEHOUSE_BCRYPT_COST: '12' }) };
  const server = await startServer(variant);
  if (server.error !== undefined) {
    console.log(`skipping the latency run: ${server.error}`);
    return null;
  }
  const token = await gatehouseLogin(server.url);
  const call = { seconds: settings.latencySeconds, connections: 10, rate: settings.latencyRate, headers: { authorization: `Bearer ${token}` } };
  const url = `${server.url}/trpc/users.me`;
  const quiet = await autocannon(url, call);
  const [stormy, storm] = await Promise.all([
    autocannon(url, call),
    autocannon(`${server.url}/trpc/auth.login`, {
      seconds: settings.latencySeconds,
      connections: settings.stormConnections,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }),
    }),
  ]);
  server.child.kill();
  return { rate: settings.latencyRate, quiet, duringLoginStorm: stormy, loginStorm: storm, p99Ratio: stormy.p99 / Math.max(quiet.p99, 1) };
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  pinned,
  loadAverageAtStart: os.loadavg().map((value) => value.toFixed(2)).join(' '),
};
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart}, ${pinned ? 'server on core 0, load on core 1' : 'not pinned (no taskset)'}`);
console.log(`settings: ${JSON.stringify(settings)}`);

/** Deletes every key the Redis variant wrote under this run's prefix. */
async function deleteBenchKeys() {
  if (!VARIANTS.some((variant) => variant.name === 'gatehouse-redis')) return;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    console.log(`deleted ${deleted} Redis keys under ${REDIS_PREFIX}`);
  } catch (error) {
    console.log(`could not delete the Redis keys under ${REDIS_PREFIX}: ${error.message}`);
  } finally {
    redis.disconnect();
  }
}

/** The postgres variant's schema: created before its server starts (which migrates it), dropped after the run. */
async function withPostgresSchema(action) {
  if (!VARIANTS.some((variant) => variant.name === 'gatehouse-postgres')) return action();
  const admin = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${POSTGRES_SCHEMA}`);
    return await action();
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${POSTGRES_SCHEMA} CASCADE`).catch((error) => console.log(`could not drop ${POSTGRES_SCHEMA}: ${error.message}`));
    await admin.end();
  }
}

let rows;
let latency;
let redisCommands = null;
await withPostgresSchema(async () => {
  try {
    rows = await throughput();
    redisCommands = await redisCommandsPerCall();
    latency = await latencyUnderLoginStorm();
  } finally {
    await deleteBenchKeys();
  }
});
const pct = (value) => (value === null ? '-' : value.toFixed(2));
console.log('\n| server | req/s | p50 ms | p99 ms | share of node:http | vs Fastify reference |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.label} | ${Math.round(row.rps)} | ${row.p50} | ${row.p99} | ${pct(row.shareOfNodeHttp)} | ${pct(row.ratioToFastifyReference)} |`);
const ratios = goalRatios(rows);
if (ratios.length > 0) {
  console.log('\n| ratio (per round, same run) | median | min | max | goal | rounds |');
  console.log('|---|---|---|---|---|---|');
  for (const ratio of ratios) {
    console.log(`| ${ratio.label} | ${pct(ratio.median)} | ${pct(ratio.min)} | ${pct(ratio.max)} | ${ratio.goal === null ? 'none' : ratio.goal.toFixed(2)} | ${ratio.perRound.map(pct).join(' ')} |`);
  }
}
if (redisCommands !== null) {
  console.log('');
  for (const [credential, counted] of [['a bearer token', redisCommands.bearer], ['an API key', redisCommands.apiKey]]) {
    const detail = Object.entries(counted.byCommand).map(([name, count]) => `${name} ${count.toFixed(2)}`).join(', ');
    const inside = Object.entries(counted.insideScripts).map(([name, count]) => `${name} ${count.toFixed(2)}`).join(', ');
    console.log(`Redis commands sent per users.me with ${credential} (${counted.calls} sequential calls, MONITOR): ${counted.perCall.toFixed(2)} (${detail}); run inside those scripts: ${inside || 'none'}`);
  }
}
if (latency !== null) {
  console.log(`\nusers.me at ${latency.rate} req/s (open loop), bcrypt cost 12:`);
  console.log(`  quiet:                 p50 ${latency.quiet.p50} ms  p99 ${latency.quiet.p99} ms  max ${latency.quiet.max} ms`);
  console.log(`  during a login storm:  p50 ${latency.duringLoginStorm.p50} ms  p99 ${latency.duringLoginStorm.p99} ms  max ${latency.duringLoginStorm.max} ms  (p99 x${latency.p99Ratio.toFixed(2)})`);
  console.log(`  the storm: ${latency.loginStorm.ok} logins succeeded, ${latency.loginStorm.non2xx} refused (503 when the password queue was full)`);
}
mkdirSync(join(here, '../results'), { recursive: true });
const file = join(here, '../results/latest.json');
writeFileSync(file, JSON.stringify({ time: new Date().toISOString(), machine, loadAverageAtEnd: os.loadavg().map((value) => value.toFixed(2)).join(' '), settings, throughput: rows, ratios, redisCommands, latency }, null, 2));
console.log(`load average at the end: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
console.log(`\nwrote ${file}`);
