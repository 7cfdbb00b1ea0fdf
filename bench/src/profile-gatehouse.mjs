// `pnpm --filter @gatehouse/bench profile`: Gatehouse (memory store, fast path) under autocannon load on
// GET /trpc/users.me with an ES256 bearer token, recorded with `node --cpu-prof`, then summarised: where the
// server's CPU time goes, by part of the call path, in µs per request. Knobs: PROFILE_DURATION (s), PROFILE_CONNECTIONS,
// PROFILE_CPU_PROF=false (no profiler: only the server's CPU time per request, from /proc, which other processes on a
// busy machine do not inflate the way they inflate a sampling profile's wall-clock deltas).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyPort, serverCpuUs } from './server-process.mjs';
import { summariseProfile } from './summarise-profile.mjs';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const seconds = Number(process.env.PROFILE_DURATION ?? 10);
const connections = Number(process.env.PROFILE_CONNECTIONS ?? 50);
const profileDir = mkdtempSync(join(os.tmpdir(), 'gatehouse-profile-'));
const profiling = process.env.PROFILE_CPU_PROF !== 'false';
// As in `pnpm bench`: the server on core 0, the load on core 1, when taskset exists.
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const on = (core, command) => (pinned ? ['taskset', '-c', String(core), ...command] : command);

const [serverCommand, ...serverArgs] = on(0, ['node', ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(here, 'servers/gatehouse.mjs')]);
const server = spawn(serverCommand, serverArgs, {
  env: {
    ...process.env,
    ...GATEHOUSE_BENCH_ENV,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await readyPort(server);
const base = `http://127.0.0.1:${port}`;
const login = await fetch(`${base}/trpc/auth.login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }),
});
const token = (await login.json()).result.data.accessToken;
const runLoad = (loadSeconds) => {
  const [command, ...args] = on(1, ['node', require.resolve('autocannon/autocannon.js'), '-j', '-c', String(connections), '-d', String(loadSeconds), '-H', `authorization=Bearer ${token}`, `${base}/trpc/users.me`]);
  return spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
};
// Warm-up first (JIT, module loading); only samples taken during the measured load are summarised.
await new Promise((resolve) => runLoad(2).once('exit', resolve));
// V8 stamps samples with the monotonic clock in µs, the same clock process.hrtime reads.
const window = { fromUs: Number(process.hrtime.bigint() / 1000n) };
const cpuBefore = serverCpuUs(server.pid);
const load = runLoad(seconds);
let report = '';
load.stdout.on('data', (chunk) => (report += chunk));
await new Promise((resolve) => load.once('exit', resolve));
window.toUs = Number(process.hrtime.bigint() / 1000n);
const cpuUs = serverCpuUs(server.pid) - cpuBefore;
const result = JSON.parse(report);
server.kill('SIGINT');
await new Promise((resolve) => server.once('exit', resolve));

// Thread 0 is the main thread; the others are the password workers.
const requests = result.requests.total;
console.log(`${requests} requests (${Math.round(result.requests.average)} req/s, ${result['2xx']} 2xx); server CPU ${(cpuUs / requests).toFixed(1)} µs per request (user + system)`);
if (!profiling) process.exit(0);
const file = readdirSync(profileDir).find((name) => /\.0\.\d+\.cpuprofile$/.test(name));
console.log(`profile ${join(profileDir, file)}\n`);
summariseProfile(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), requests, window);
