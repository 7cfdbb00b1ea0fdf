// `pnpm --filter @gatehouse/bench instructions`: instructions the server's main thread executes per request, counted
// by valgrind's callgrind, for the goal variants one after another. Counted instructions do not depend on what else
// the machine is doing, so two builds compare within about 2 % on a busy machine, where CPU time per request swings by
// 20 % (cpu-per-request.mjs). Instructions are not time: a regular expression runs many per cycle, a cache miss
// none, and OpenSSL's SHA-256 runs without SHA-NI under valgrind, so a Gatehouse key hash counts for more here than it
// costs. Use it to find and compare work; use cpu-per-request and `pnpm bench` for the ratios.
//
// A process lands in one of two steady states, for Fastify and Gatehouse alike: in about half of the starts Node's own
// stream code (nextTick's object literal with computed keys, in emitReadable, endReadable, onwrite and _destroy)
// defines its properties through V8's runtime, about 35k instructions a request more, for as long as the process runs.
// That is a JIT lottery in Node, not in the server, so each variant is started INSTR_STARTS times, interleaved, and
// compared by its least count (the state both servers reach when Node's code is fast); every start is printed.
//
// Knobs: INSTR_REQUESTS (3000 measured, after twice as many to warm up), INSTR_STARTS (3 per variant),
// INSTR_VARIANTS (comma-separated names),
// INSTR_BASELINE=<another checkout, installed and built> adds `baseline`, INSTR_KEEP=1 keeps each main thread's
// callgrind file with JavaScript frames named from V8's perf map (`callgrind_annotate <file>` reads it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { readyPort } from './server-process.mjs';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const requests = Number(process.env.INSTR_REQUESTS ?? 3000);
if (!Number.isInteger(requests) || requests < 100) throw new RangeError('INSTR_REQUESTS must be a whole number of at least 100');
const starts = Number(process.env.INSTR_STARTS ?? 3);
if (!Number.isInteger(starts) || starts < 1) throw new RangeError('INSTR_STARTS must be a whole number of at least 1');
const keep = process.env.INSTR_KEEP === '1';
const SECRET = 'bench-only-secret-0123456789abcdef0123456789abcdef';

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (Debian: apt-get install -y valgrind); nothing measured.');
  process.exit(1);
}

const login = async (base) => {
  const response = await fetch(`${base}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }) });
  return (await response.json()).result.data.accessToken;
};
const gatehouse = (checkout) => ({ script: join(checkout, 'bench/src/servers/gatehouse.mjs'), env: GATEHOUSE_BENCH_ENV, path: '/trpc/users.me', token: login });
const VARIANTS = {
  'fastify+jwt': { script: join(here, 'servers/fastify-jwt.mjs'), env: { BENCH_HS256_SECRET: SECRET, BENCH_FASTIFY_LOGGER: 'false' }, path: '/users/me', token: async () => jwt.sign({ sub: 'u1', scope: 'users:read' }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }) },
  'fastify+jwt-headers': { script: join(here, 'servers/fastify-jwt.mjs'), env: { BENCH_HS256_SECRET: SECRET, BENCH_FASTIFY_LOGGER: 'false', BENCH_FASTIFY_HEADERS: 'gatehouse' }, path: '/users/me', token: async () => jwt.sign({ sub: 'u1', scope: 'users:read' }, SECRET, { algorithm: 'HS256', expiresIn: '1h' }) },
  'node:http-reference-headers': { script: join(here, 'servers/node-http-headers.mjs'), env: { BENCH_HEADER_SET: 'reference' }, path: '/users/me', token: async () => 'unused' },
  'node:http-gatehouse-headers': { script: join(here, 'servers/node-http-headers.mjs'), env: { BENCH_HEADER_SET: 'gatehouse' }, path: '/users/me', token: async () => 'unused' },
  gatehouse: gatehouse(join(here, '../..')),
  ...(process.env.INSTR_BASELINE === undefined ? {} : { baseline: gatehouse(process.env.INSTR_BASELINE) }),
};
const names = (process.env.INSTR_VARIANTS ?? Object.keys(VARIANTS).join(',')).split(',');

/** autocannon with a fixed number of requests, 8 connections: the server under valgrind serves a few hundred a second. */
function drive(url, token, amount) {
  const child = spawn('node', [require.resolve('autocannon/autocannon.js'), '-j', '-c', '8', '-a', String(amount), '-H', `authorization=Bearer ${token}`, url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  // 'close', not 'exit': the report may still be in the pipe when the process exits.
  return new Promise((resolve, reject) => child.once('close', () => {
    try {
      resolve(JSON.parse(out));
    } catch (error) {
      reject(new Error(`autocannon printed no report: ${String(error)}`));
    }
  }));
}

/** callgrind_control exits 0 even when it reached no run: its output says whether it did. */
function control(command, pid) {
  const said = spawnSync('callgrind_control', [command, String(pid)], { encoding: 'utf8' });
  if (!/sending command/.test(`${said.stdout}${said.stderr}`)) throw new Error(`callgrind_control ${command} ${pid} failed: ${said.stdout}${said.stderr}`);
}

/** The server's port, or a failure if it exits or prints none within a minute (valgrind starts node slowly). */
function portOf(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server printed no port within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)));
    readyPort(child).then((port) => {
      clearTimeout(timer);
      resolve(port);
    });
  });
}

/** The `summary:` or `totals:` line of a callgrind file: instructions executed. */
function instructionsIn(file) {
  const match = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
  // A count of 0 would win every "least of the starts" comparison: a file without one is a failed measurement.
  if (match === null) throw new Error(`${file}: callgrind wrote no summary or totals line`);
  return Number(match[1]);
}

/** Rewrites callgrind's hexadecimal JIT addresses as V8's names for them (perf map: `start size name` per line). */
function nameJitFrames(file, perfMap) {
  const code = readFileSync(perfMap, 'utf8').split('\n').map((line) => line.split(' ')).filter((parts) => parts.length >= 3)
    .map(([start, size, ...name]) => ({ start: Number.parseInt(start, 16), end: Number.parseInt(start, 16) + Number.parseInt(size, 16), name: name.join('_') }))
    .sort((a, b) => a.start - b.start);
  const lookup = (address) => {
    let low = 0;
    let high = code.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (code[middle].start <= address) low = middle + 1;
      else high = middle - 1;
    }
    const found = code[high];
    return found !== undefined && address < found.end ? found.name : undefined;
  };
  const named = readFileSync(file, 'utf8').replace(/^(c?fn=(?:\(\d+\) )?)0x([0-9a-f]+)/gm, (whole, prefix, hex) => {
    const name = lookup(Number.parseInt(hex, 16));
    return name === undefined ? whole : `${prefix}JS:${name}`;
  });
  writeFileSync(`${file}.named`, named);
  return `${file}.named`;
}

for (const name of names) {
  if (VARIANTS[name] === undefined) throw new Error(`no variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
}

/** One start of a variant under callgrind: main-thread and helper-thread instructions per measured request. */
async function measure(name) {
  const variant = VARIANTS[name];
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-instructions-'));
  const out = join(dir, 'callgrind.out');
  // --perf-basic-prof (for names) adds a little work whenever V8 makes code: only when the files are kept.
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${out}`, process.execPath, ...(keep ? ['--perf-basic-prof'] : []), variant.script], {
    env: { ...process.env, ...variant.env },
    // With --perf-basic-prof V8 also writes an isolate log into its working directory: the run's own.
    cwd: keep ? dir : process.cwd(),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const port = await portOf(child);
    const base = `http://127.0.0.1:${port}`;
    const token = await variant.token(base);
    await drive(`${base}${variant.path}`, token, requests * 2);
    control('--instr=on', child.pid);
    const measured = await drive(`${base}${variant.path}`, token, requests);
    control('--dump', child.pid);
    // Every answer must be the 200 being measured: a 401 or 429 path would be another measurement.
    if (measured['2xx'] !== measured.requests.total) throw new Error(`${name}: ${measured['2xx']} of ${measured.requests.total} answers were 2xx`);
    // One file per thread after the dump: -01 is the main thread; the others are V8's and libuv's helpers.
    const files = readdirSync(dir).filter((file) => /\.\d+-\d+$/.test(file)).sort();
    const main = files.find((file) => file.endsWith('-01'));
    if (main === undefined) throw new Error(`${name}: callgrind wrote no main-thread file in ${dir}`);
    const perRequest = (file) => instructionsIn(join(dir, file)) / measured.requests.total;
    const helpers = files.filter((file) => file !== main).reduce((sum, file) => sum + perRequest(file), 0);
    console.log(`${name.padEnd(28)} ${(perRequest(main) / 1000).toFixed(1).padStart(7)}k main thread + ${(helpers / 1000).toFixed(1).padStart(6)}k helper threads per request (${measured.requests.total} requests, all 2xx)`);
    if (keep) {
      const perfMap = `/tmp/perf-${child.pid}.map`;
      console.log(`  kept: ${nameJitFrames(join(dir, main), perfMap)}`);
      rmSync(perfMap, { force: true });
    }
    return { main: perRequest(main), helpers };
  } finally {
    child.kill('SIGKILL');
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every start's main-thread count per variant, the variants interleaved start by start. */
const counts = new Map(names.map((name) => [name, []]));
for (let start = 1; start <= starts; start += 1) {
  for (const name of names) counts.get(name).push((await measure(name)).main);
}

const kilo = (value) => `${(value / 1000).toFixed(1)}k`;
console.log('\n| variant | least main-thread instructions per request | every start |\n|---|---|---|');
for (const [name, all] of counts) console.log(`| ${name} | ${kilo(Math.min(...all))} | ${all.map(kilo).join(' ')} |`);
const reference = counts.get('fastify+jwt');
const others = [...counts].filter(([name]) => name !== 'fastify+jwt');
if (reference !== undefined && others.length > 0) {
  console.log('\n| least instructions per request: reference / variant (≥ 1.00: the variant executes no more) | ratio |\n|---|---|');
  for (const [name, all] of others) console.log(`| fastify+jwt / ${name} | ${(Math.min(...reference) / Math.min(...all)).toFixed(2)} |`);
}
