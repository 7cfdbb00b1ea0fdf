// `pnpm --filter @gatehouse/bench allocation`: bytes the server allocates per request, collected or not, for the goal
// variants, and where Gatehouse allocates them. Each server is started with allocation-sampling-hook.mjs, which runs
// V8's sampling heap profiler (every 512 bytes on average) with the objects later freed by minor and major GCs kept in
// the profile: what the garbage collector's helper threads and pauses pay for. Knobs: ALLOC_REQUESTS (20000 measured,
// after as many to warm up), ALLOC_VARIANTS (comma-separated names), ALLOC_TOP (allocation sites listed, 15).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { readyPort } from './server-process.mjs';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const requests = Number(process.env.ALLOC_REQUESTS ?? 20_000);
const top = Number(process.env.ALLOC_TOP ?? 15);
const SECRET = 'bench-only-secret-0123456789abcdef0123456789abcdef';

const login = async (base) => {
  const response = await fetch(`${base}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }) });
  return (await response.json()).result.data.accessToken;
};
const VARIANTS = {
  'fastify+jwt': { script: join(here, 'servers/fastify-jwt.mjs'), env: { BENCH_HS256_SECRET: SECRET, BENCH_FASTIFY_LOGGER: 'false' }, path: '/users/me', token: async () => jwt.sign({ sub: 'u1', scope: 'users:read' }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }) },
  'node:http-gatehouse-headers': { script: join(here, 'servers/node-http-headers.mjs'), env: { BENCH_HEADER_SET: 'gatehouse' }, path: '/users/me', token: async () => 'unused' },
  gatehouse: { script: join(here, 'servers/gatehouse.mjs'), env: GATEHOUSE_BENCH_ENV, path: '/trpc/users.me', token: login },
};
const names = (process.env.ALLOC_VARIANTS ?? Object.keys(VARIANTS).join(',')).split(',');

function drive(url, token, amount) {
  const child = spawn(process.execPath, [require.resolve('autocannon/autocannon.js'), '-j', '-c', '8', '-a', String(amount), '-H', `authorization=Bearer ${token}`, url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => child.once('close', () => resolve(JSON.parse(out))));
}

/** Sends the hook a command over IPC and resolves with its answer. */
function ask(child, command) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(command);
  });
}

for (const name of names) {
  const variant = VARIANTS[name];
  if (variant === undefined) throw new Error(`no variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  const child = spawn(process.execPath, ['--import', join(here, 'allocation-sampling-hook.mjs'), variant.script], {
    env: { ...process.env, ...variant.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    const base = `http://127.0.0.1:${await readyPort(child)}`;
    const url = `${base}${variant.path}`;
    const token = await variant.token(base);
    await drive(url, token, requests);
    await ask(child, 'start');
    const measured = await drive(url, token, requests);
    const { total, sites } = await ask(child, 'stop');
    if (measured['2xx'] !== measured.requests.total) throw new Error(`${name}: ${measured['2xx']} of ${measured.requests.total} answers were 2xx`);
    const perRequest = (bytes) => bytes / measured.requests.total;
    console.log(`${name.padEnd(28)} ${perRequest(total).toFixed(0).padStart(6)} bytes allocated per request (${measured.requests.total} requests)`);
    if (name === 'gatehouse') {
      for (const [site, bytes] of sites.slice(0, top)) console.log(`  ${perRequest(bytes).toFixed(0).padStart(6)}  ${site}`);
    }
  } finally {
    child.kill('SIGKILL');
  }
}
