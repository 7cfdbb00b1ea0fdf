import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { MIGRATIONS } from '../apps/server/src/stores/postgres/migrations/migration-list.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { redisEnv } from './support/redis-env.js';
import { registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/throwaway-postgres.js';

/**
 * GATEHOUSE_STORE=postgres against a PostgreSQL this file owns: started empty (the server migrates it), then
 * stopped and started under a running server, and the server itself stopped and started over it. The
 * request path (fast or stock adapter) plays no part here, so the stock-adapter project skips it.
 */
const ORDER = {
  items: [{ productId: 7, quantity: 2 }],
  shippingAddress: { line1: '12 Main Street, Apt. 4', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'credit_card',
} as const;
/** The longest a request may wait on PostgreSQL here, and so about the longest a 503 may take. */
const DATABASE_TIMEOUT_MS = 1_000;

let cluster: ThrowawayPostgres;
let namespace: RedisTestNamespace;
let env: Record<string, string>;
const running: RunningGatehouse[] = [];

async function start(): Promise<RunningGatehouse> {
  const gatehouse = await startGatehouse({ env });
  running.push(gatehouse);
  return gatehouse;
}

async function stop(gatehouse: RunningGatehouse): Promise<void> {
  running.splice(running.indexOf(gatehouse), 1);
  await gatehouse.close();
}

function expectUnavailable(response: RawResponse): void {
  expect(response.status).toBe(503);
  expect(response.body.error.data.code).toBe('SERVICE_UNAVAILABLE');
  expect(response.body.error.data.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.body.error.data.requestId).toBe(response.headers.get('x-request-id'));
}

describe.skipIf(inject('trpcFastPath') === false)('GATEHOUSE_STORE=postgres on a PostgreSQL that stops and starts', () => {
  beforeAll(async () => {
    [cluster, namespace] = await Promise.all([startThrowawayPostgres(), createRedisTestNamespace('postgres-outage')]);
    env = {
      ...redisEnv(namespace),
      GATEHOUSE_STORE: 'postgres',
      DATABASE_URL: cluster.url,
      GATEHOUSE_DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
      // No cache: every call below asks PostgreSQL, so the outage is seen on the first call.
      GATEHOUSE_DATABASE_CACHE_TTL_MS: '0',
    };
  }, 90_000);
  afterAll(async () => {
    await Promise.all(running.splice(0).map((gatehouse) => gatehouse.close()));
    await cluster?.destroy();
    await namespace?.cleanup();
  }, 60_000);

  it('builds the schema in an empty database on first start, recording every migration', async () => {
    await start();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const migrations = await client.query('SELECT name FROM kysely_migration ORDER BY name');
      expect(migrations.rows.map((row: { name: string }) => row.name)).toEqual(Object.keys(MIGRATIONS));
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
      expect(tables.rows.map((row: { tablename: string }) => row.tablename)).toEqual(
        expect.arrayContaining(['api_keys', 'audit_chain_marks', 'audit_log', 'audit_retention_runs', 'orders', 'users']),
      );
    } finally {
      await client.end();
    }
  });

  it('answers 503 with a request id within a bounded time while PostgreSQL is down, never 401 or 403, and recovers by itself', async () => {
    const gatehouse = running[0] ?? (await start());
    const account = await registerUser(gatehouse.url);
    const { accessToken } = await login(gatehouse.url, account);
    const created = await callProcedure(gatehouse.url, 'apiKeys.create', { kind: 'mutation', input: { name: 'outage', scopes: ['users:read'] }, headers: bearer(accessToken) });
    expect(created.status).toBe(200);
    const apiKey = { 'x-api-key': created.body.result.data.key as string };

    await cluster.stop();
    try {
      for (const headers of [bearer(accessToken), apiKey]) {
        const started = performance.now();
        const response = await callProcedure(gatehouse.url, 'users.me', { headers });
        expectUnavailable(response);
        // Refused connections fail at once; the bound is the pool's connection timeout, with room for a loaded host.
        expect(performance.now() - started).toBeLessThan(DATABASE_TIMEOUT_MS * 4);
      }
      expectUnavailable(await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email: account.email, password: account.password } }));
      const readiness = await fetch(`${gatehouse.url}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ failing: ['postgres'], checks: { redis: 'up', postgres: 'down' } });
    } finally {
      await cluster.start();
    }

    // No restart of Gatehouse: the pool connects again on the next request.
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
    expect(me.status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: apiKey })).status).toBe(200);
    // /readyz shares one answer per second: the next second's says ready again.
    await expect.poll(async () => (await fetch(`${gatehouse.url}/readyz`)).status, { timeout: 5_000, interval: 250 }).toBe(200);
    expect(gatehouse.logLines().some((line) => line.includes('postgres unavailable') || line.includes('"statusCode":503'))).toBe(true);
  });

  it('loses nothing across a server restart: users, orders, API keys and the audit chain', async () => {
    const first = running[0] ?? (await start());
    const account = await registerUser(first.url);
    const session = await login(first.url, account);
    const order = await callProcedure(first.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(session.accessToken) });
    expect(order.status).toBe(200);
    const key = await callProcedure(first.url, 'apiKeys.create', { kind: 'mutation', input: { name: 'restart', scopes: ['orders:read'] }, headers: bearer(session.accessToken) });
    expect(key.status).toBe(200);
    const created = await callProcedure(first.url, 'apiKeys.create', { kind: 'mutation', input: { name: 'audited', scopes: ['orders:read'] }, headers: bearer(session.accessToken) });
    expect(created.status).toBe(200);
    // Stopped at once: appends still on their way when the server closes are written before the pool ends.
    await stop(first);

    const second = await start();
    const again = await login(second.url, account);
    expect(again.user.id).toBe(account.id);
    const orders = await callProcedure(second.url, 'orders.list', { headers: { 'x-api-key': key.body.result.data.key } });
    expect(orders.status).toBe(200);
    expect(orders.body.result.data.items.map((item: { id: string }) => item.id)).toEqual([order.body.result.data.id]);
    expect(await second.server.deps.auditLog.verify()).toMatchObject({ intact: true, checkedFrom: 0, firstBreak: null });
    const keysCreated = await second.server.deps.auditLog.list({ type: 'apikey.created', principal: `user:${account.id}` }, { cursor: undefined, limit: 10 });
    expect(keysCreated.items).toHaveLength(2);
    const logins = await second.server.deps.auditLog.list({ type: 'login.succeeded', principal: `user:${account.id}` }, { cursor: undefined, limit: 10 });
    expect(logins.items).toHaveLength(2);
  });
});
