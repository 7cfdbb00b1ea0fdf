// `pnpm --filter @gatehouse/bench dpop-cost`: what binding a token to a DPoP key (RFC 9449) costs a protected
// call. One Gatehouse server (memory store, as `pnpm bench` runs it); users.me called with a bearer token and
// with a DPoP-bound token and a fresh proof per request (each proof's jti is single-use, so every proof is
// signed before its round and sent once), interleaved round by round. Reports throughput and the server's
// CPU time per request (from /proc, which load elsewhere on the machine does not inflate the way it inflates
// throughput). Knobs: DPOP_ROUNDS (3), DPOP_REQUESTS per round and variant (20000).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { readyPort, serverCpuUs } from './server-process.mjs';
import { GATEHOUSE_BENCH_ENV } from './gatehouse-bench-env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.DPOP_ROUNDS ?? 3);
const requests = Number(process.env.DPOP_REQUESTS ?? 20_000);
// The server's htu is its issuer plus the request path: a fixed issuer, whatever port the server gets.
const ISSUER = 'http://bench.gatehouse.test';
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const serverCommand = pinned ? ['taskset', '-c', '0', 'node'] : ['node'];

const [command, ...args] = [...serverCommand, join(here, 'servers/gatehouse.mjs')];
const server = spawn(command, args, {
  env: {
    ...process.env,
    ...GATEHOUSE_BENCH_ENV,
    GATEHOUSE_ISSUER: ISSUER,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = `http://127.0.0.1:${await readyPort(server)}`;
server.stdout.on('data', () => {});

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: false });
const jwk = await exportJWK(publicKey);

/** A DPoP proof for one request: RFC 9449 section 4.2. */
function proof(htm, path, accessToken) {
  const claims = { htm, htu: `${ISSUER}${path}`, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
  if (accessToken !== undefined) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).sign(privateKey);
}

async function login(dpop) {
  const headers = { 'content-type': 'application/json' };
  if (dpop) headers.dpop = await proof('POST', '/trpc/auth.login');
  const response = await fetch(`${base}/trpc/auth.login`, { method: 'POST', headers, body: JSON.stringify({ email: 'alice@gatehouse.dev', password: 'alice-demo-password' }) });
  const grant = (await response.json()).result.data;
  if (grant.tokenType !== (dpop ? 'DPoP' : 'Bearer')) throw new Error(`login gave a ${grant.tokenType} token`);
  return grant.accessToken;
}

const bearer = await login(false);
const bound = await login(true);

/** Runs `requests` calls of users.me; `proofs` (one per request) make it a DPoP call. */
async function load(authorization, proofs) {
  let next = 0;
  const before = serverCpuUs(server.pid);
  const result = await autocannon({
    url: `${base}/trpc/users.me`,
    connections: 50,
    amount: requests,
    headers: { authorization },
    requests: [
      {
        method: 'GET',
        path: '/trpc/users.me',
        setupRequest: (request) => (proofs === undefined ? request : { ...request, headers: { ...request.headers, dpop: proofs[next++] } }),
      },
    ],
  });
  if (result['2xx'] !== result.requests.total) console.log('  status codes:', JSON.stringify(result.statusCodeStats));
  return { rps: result.requests.average, cpuUs: (serverCpuUs(server.pid) - before) / result.requests.total, ok: result['2xx'], total: result.requests.total };
}

const perRound = [];
await load(`Bearer ${bearer}`); // warm-up
for (let round = 1; round <= rounds; round += 1) {
  const proofs = await Promise.all(Array.from({ length: requests + 100 }, () => proof('GET', '/trpc/users.me', bound)));
  const plain = await load(`Bearer ${bearer}`);
  const dpop = await load(`DPoP ${bound}`, proofs);
  if (plain.ok !== plain.total || dpop.ok !== dpop.total) console.log(`  warning: ${plain.total - plain.ok} bearer and ${dpop.total - dpop.ok} DPoP calls were not 2xx`);
  perRound.push({ plain, dpop });
  console.log(`round ${round}: bearer ${Math.round(plain.rps)} req/s, ${plain.cpuUs.toFixed(0)} µs CPU/request; DPoP ${Math.round(dpop.rps)} req/s, ${dpop.cpuUs.toFixed(0)} µs CPU/request`);
}
server.kill();

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log('\n| users.me, memory store | req/s (median) | server CPU µs per request (median) |');
console.log('|---|---|---|');
console.log(`| Bearer token | ${Math.round(median(perRound.map((r) => r.plain.rps)))} | ${median(perRound.map((r) => r.plain.cpuUs)).toFixed(0)} |`);
console.log(`| DPoP-bound token, a fresh proof per call | ${Math.round(median(perRound.map((r) => r.dpop.rps)))} | ${median(perRound.map((r) => r.dpop.cpuUs)).toFixed(0)} |`);
console.log(`\nDPoP / Bearer throughput per round: ${perRound.map((r) => (r.dpop.rps / r.plain.rps).toFixed(2)).join(' ')}`);
console.log(`load average at the end ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
