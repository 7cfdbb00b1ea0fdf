import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { bearer, callProcedure } from '../support/http.js';
import { TEST_AUDIT_KEY } from '../support/redis-env.js';
import { loginForSession, refreshWithBody, registerUser } from '../support/sessions.js';
import { TEST_USERS } from '../support/test-seed.js';
import { createRedisAuthorizationCodeStore } from '../../apps/server/src/stores/redis/redis-authorization-code-store.js';
import type { AuthorizationCodeGrant } from '../../apps/server/src/stores/authorization-code-store.js';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { startRedisServer, type RedisServerProcess } from '../cluster/redis-server-process.js';
import { reportDrill, timeUntil } from './drill-report.js';

const DRILL_GRANT: AuthorizationCodeGrant = { clientId: 'web', redirectUri: 'http://127.0.0.1/cb', codeChallenge: 'x'.repeat(43), userId: 'drill-user', scopes: ['orders:read'] };

/** The command bound the drill runs with: production's default, so "no request hangs past it" is the real bound. */
const COMMAND_TIMEOUT_MS = 250;
/** What a request may take while Redis is gone: the bound, plus the request's own work on a loaded host. */
const REQUEST_BOUND_MS = 2_000;

describe('drill: Redis killed during load, then started again', () => {
  let dir: string;
  let redis: RedisServerProcess;
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    // In memory where the host has it: every write below waits on an fsync, which on a busy CI disk outlasted the
    // 250 ms command bound (the seed's writes at start-up: the server refused to start). A crash of the Redis
    // process, what the drills are about, leaves a tmpfs file as intact as a disk file.
    dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gatehouse-drill-redis-'));
    // appendonly with fsync on every write: the restart drill below counts on nothing acknowledged being lost.
    redis = await startRedisServer({ dir, args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    gatehouse = await startGatehouse({
      env: {
        GATEHOUSE_STORE: 'redis',
        REDIS_URL: redis.url,
        GATEHOUSE_REDIS_PREFIX: 'drill:',
        GATEHOUSE_AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
        GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        GATEHOUSE_LIMIT_PUBLIC: '100000/60',
        GATEHOUSE_TRUST_PROXY: '127.0.0.1',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await gatehouse?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('never hangs a request, keeps limits through the insurance limiter, answers 503 for tokens, and recovers', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const me = () => callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
    expect((await me()).status).toBe(200);

    // Load: token checks and public calls running while Redis dies under them.
    let loading = true;
    onTestFinished(() => {
      loading = false;
    });
    const seen: Array<{ status: number; startedAt: number; endedAt: number }> = [];
    const load = (async () => {
      while (loading) {
        const startedAt = performance.now();
        const answer = await me();
        seen.push({ status: answer.status, startedAt, endedAt: performance.now() });
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.kill();
    const killedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Limits hold while Redis is gone: auth.register's budget (10 an hour per IP) is counted in this process by
    // the insurance limiter. The ten it lets through reach the user store, which is down (503); then 429.
    const headers = { 'x-forwarded-for': '203.0.113.77' };
    const registrations: number[] = [];
    let slowestRegistrationMs = 0;
    for (let call = 0; call < 12; call += 1) {
      const input = { email: `drill-${call}@test.gatehouse`, password: 'drill test password', name: 'D' };
      const started = performance.now();
      registrations.push((await callProcedure(gatehouse.url, 'auth.register', { kind: 'mutation', input, headers })).status);
      slowestRegistrationMs = Math.max(slowestRegistrationMs, performance.now() - started);
    }
    expect(registrations).toEqual([...Array(10).fill(503), 429, 429]);

    const restartedAt = performance.now();
    await redis.restart();
    const redisRestartMs = Math.round(performance.now() - restartedAt);
    const recoveryMs = await timeUntil(async () => (await me()).status === 200, 20_000);
    loading = false;
    await load;

    const slowest = Math.round(Math.max(slowestRegistrationMs, ...seen.map((answer) => answer.endedAt - answer.startedAt)));
    // While Redis was gone the token could not be checked: 503, never a 200 that would mean "not revoked".
    // A call that began after the kill and ended before the restart saw no Redis at all, so it must be a 503;
    // 200s belong before the kill or after the restart.
    const statuses = new Set(seen.map((answer) => answer.status));
    expect([...statuses].every((status) => status === 200 || status === 503)).toBe(true);
    const duringOutage = seen.filter((answer) => answer.startedAt >= killedAt && answer.endedAt <= restartedAt);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((answer) => answer.status !== 503)).toEqual([]);
    expect(slowest).toBeLessThan(REQUEST_BOUND_MS);
    reportDrill('redis killed and restarted', {
      requests: seen.length,
      answered503: seen.filter((answer) => answer.status === 503).length,
      requestsWhileDown: duringOutage.length,
      slowestRequestMs: slowest,
      redisRestartMs,
      recoveryAfterRedisBackMs: recoveryMs,
    });
  }, 60_000);

  it('loses nothing across a crash of Redis with appendonly yes: sessions, API keys, codes, audit records', async () => {
    // The drill before this one ends when users.me answers again; login also needs the limiter's and the
    // abuse counters' connections, which may still be in their reconnect backoff (seen in CI: one 503).
    let alice: Awaited<ReturnType<typeof loginForSession>> | undefined;
    await timeUntil(async () => {
      alice = await loginForSession(gatehouse.url, { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password });
      return true;
    }, 20_000);
    if (alice === undefined) throw new Error('alice could not sign in');
    const created = await callProcedure(gatehouse.url, 'apiKeys.create', {
      kind: 'mutation',
      input: { name: 'drill key', scopes: ['orders:read'] },
      headers: bearer(alice.accessToken),
    });
    expect(created.status).toBe(200);
    const apiKey = created.body.result.data.key as string;
    const codes = createRedisAuthorizationCodeStore(gatehouse.server.deps.redis!, 'drill:');
    await codes.save('drill-code-hash', DRILL_GRANT, 600);
    const admin = await loginForSession(gatehouse.url, { email: TEST_USERS.admin.email, password: TEST_USERS.admin.password });
    const verify = () => callProcedure(gatehouse.url, 'admin.auditLog.verify', { headers: bearer(admin.accessToken) });
    // The audit log's own connection may still be in its reconnect backoff from the drill before (seen in CI:
    // one 503, the defined answer while a store cannot be read): wait for it as for login above.
    let before = await verify();
    if (before.status !== 200) {
      await timeUntil(async () => {
        before = await verify();
        return before.status === 200;
      }, 20_000);
    }
    expect(before.body.result.data.intact).toBe(true);
    const keysBefore = (await gatehouse.server.deps.redis!.keys('drill:*')).sort();

    await redis.kill();
    await redis.restart();
    await timeUntil(async () => (await verify()).status === 200, 20_000);

    const keysAfter = new Set(await gatehouse.server.deps.redis!.keys('drill:*'));
    const keysLost = keysBefore.filter((key) => !keysAfter.has(key));
    expect(keysLost).toEqual([]);
    expect([...keysAfter].sort()).toEqual(keysBefore);
    const after = await verify();
    expect(after.body.result.data).toMatchObject({ intact: true, firstBreak: null });
    expect(after.body.result.data.checked).toBeGreaterThanOrEqual(before.body.result.data.checked);
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await refreshWithBody(gatehouse.url, alice.refreshToken)).status).toBe(200);
    expect(await codes.redeem('drill-code-hash', 600)).toMatchObject({ status: 'valid' });
    reportDrill('redis with appendonly yes crashed and restarted', { keysBefore: keysBefore.length, keysLost: keysLost.length, auditRecords: after.body.result.data.checked });
  }, 60_000);
});
