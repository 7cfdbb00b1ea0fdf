import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { startRedisProxy, type RedisProxy } from './support/redis-proxy.js';
import { registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';
import { TEST_AUDIT_KEY, TEST_TOKEN_NETWORK_KEY } from './support/redis-env.js';

/**
 * A server with the settings GATEHOUSE_ENV=production accepts (persistent keys, Redis for state and limits,
 * a trusted proxy in front), its Redis reached through a proxy the tests can slow down or stall, and the
 * failures production meets: a record it cannot read, a script that fails half-way, a Redis too slow to wait
 * for. Each has one defined answer, with the request id an operator needs to find it in the log.
 */
let gatehouse: RunningGatehouse;
let namespace: RedisTestNamespace;
let proxy: RedisProxy;
let keysDirectory: string;

beforeAll(async () => {
  [namespace, proxy] = await Promise.all([createRedisTestNamespace('production'), startRedisProxy()]);
  keysDirectory = await mkdtemp(join(tmpdir(), 'gatehouse-production-'));
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const keysFile = join(keysDirectory, 'keys.json');
  await writeFile(keysFile, JSON.stringify({ keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' }] }), { mode: 0o600 });
  gatehouse = await startGatehouse({
    env: {
      GATEHOUSE_ENV: 'production',
      GATEHOUSE_SIGNING_KEYS_FILE: keysFile,
      GATEHOUSE_STORE: 'redis',
      GATEHOUSE_RATE_LIMIT_STORE: 'redis',
      REDIS_URL: proxy.url,
      GATEHOUSE_REDIS_PREFIX: namespace.prefix,
      GATEHOUSE_TRUST_PROXY: '127.0.0.1',
      // Production refuses a per-start audit key (a restart would leave older records unverifiable).
      GATEHOUSE_AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
      GATEHOUSE_TOKEN_NETWORK_KEY: TEST_TOKEN_NETWORK_KEY,
    },
  });
});
afterAll(async () => {
  await gatehouse?.close();
  await proxy?.close();
  await namespace?.cleanup();
  await rm(keysDirectory, { recursive: true, force: true });
});

/** A 500 as production answers it: a fixed message, the request id in header and body, nothing internal. */
function expectMasked500(response: RawResponse): string {
  expect(response.status).toBe(500);
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.body.error.message).toBe('Internal server error');
  expect(response.body.error.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, requestId });
  expect(JSON.stringify(response.body)).not.toMatch(/stack|\.ts:\d+|node_modules|ZodError|ReplyError|WRONGTYPE|ERR /);
  return requestId!;
}

const loggedFor = (requestId: string) => gatehouse.logLines().filter((line) => line.includes(requestId));

describe('GATEHOUSE_ENV=production over HTTP', () => {
  it('runs in production mode', () => {
    expect(gatehouse.server.deps.config.env).toBe('production');
  });

  it('answers a handler that throws on a record it cannot read with a masked 500 and a request id, and logs the cause', async () => {
    const account = await registerUser(gatehouse.url);
    const { accessToken } = await login(gatehouse.url, account);
    // A record another tool wrote wrong: the role is none the server knows, so reading it throws.
    await namespace.redis.hset(`${namespace.prefix}{u:${account.id}}:user`, 'role', 'superuser');

    const response = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
    const requestId = expectMasked500(response);
    expect(loggedFor(requestId).some((line) => line.includes('"level":50') || line.includes('"level":"error"'))).toBe(true);
  });

  it('answers a Redis script failing half-way with a masked 500; what it wrote before failing stays, so a retry gets 409, never a second account', async () => {
    // {users}:by-sequence is a sorted set; as a string, the listing step (INDEX_USER) fails at ZADD, after the
    // record was written and the email claimed. Those steps are not rolled back, so they stay.
    await namespace.redis.set(`${namespace.prefix}{users}:by-sequence`, 'not a sorted set');
    const input = { email: `half-${Date.now()}@test.gatehouse`, password: 'long enough password', name: 'Half' };
    try {
      expectMasked500(await callProcedure(gatehouse.url, 'auth.register', { kind: 'mutation', input }));
      const again = await callProcedure(gatehouse.url, 'auth.register', { kind: 'mutation', input });
      expect(again.status).toBe(409);
      expect(again.body.error.data.code).toBe('CONFLICT');
    } finally {
      await namespace.redis.del(`${namespace.prefix}{users}:by-sequence`);
    }
    // The half-made account is a working one: its owner can sign in (an operator sees it in the log's 500).
    expect((await login(gatehouse.url, input)).accessToken).toEqual(expect.any(String));
  });
});

describe('a slow or hanging Redis', () => {
  it('answers through a Redis that is slow but within the command timeout', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    proxy.setMode({ kind: 'delay', ms: 60 });
    try {
      const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
      expect(me.status).toBe(200);
      expect(me.body.result.data.email).toBe(TEST_USERS.alice.email);
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
  });

  it('answers 503 within about the command timeout while Redis hangs, and recovers when it answers again', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    proxy.setMode({ kind: 'stall' });
    let stalled: RawResponse;
    const started = performance.now();
    try {
      stalled = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
    const waitedMs = performance.now() - started;
    expect(stalled.status).toBe(503);
    expect(stalled.body.error.data.code).toBe('SERVICE_UNAVAILABLE');
    expect(stalled.body.error.data.requestId).toBe(stalled.headers.get('x-request-id'));
    // Bounded by the 250 ms command timeout (a few commands at most), never by the client giving up.
    expect(waitedMs).toBeLessThan(5_000);

    const recovered = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
    expect(recovered.status).toBe(200);
  });
});
