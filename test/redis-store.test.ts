import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { bearer, callProcedure, login } from './support/http.js';
import { redisEnv } from './support/redis-env.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const ORDER = {
  items: [{ productId: 3, quantity: 1 }],
  shippingAddress: { line1: '5 Harbour Road', city: 'Hamburg', postalCode: '20095', country: 'DE' },
  paymentMethod: 'paypal',
} as const;

let namespace: RedisTestNamespace;
let first: RunningGatehouse;
let second: RunningGatehouse;

beforeAll(async () => {
  namespace = await createRedisTestNamespace('redis-store-e2e');
  // Two servers on one Redis prefix: what several processes behind a load balancer see.
  [first, second] = await Promise.all([startGatehouse({ env: redisEnv(namespace) }), startGatehouse({ env: redisEnv(namespace) })]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  await namespace.cleanup();
});

describe('GATEHOUSE_STORE=redis', () => {
  it('seeds once however many servers start, and shares accounts and orders between them', async () => {
    // Each test server signs with its own ephemeral key, so each call logs in where it goes.
    const admin = await login(second.url, TEST_USERS.admin);
    const list = await callProcedure(second.url, 'admin.users.list', { input: { limit: 100 }, headers: bearer(admin.accessToken) });
    const emails: string[] = list.body.result.data.items.map((user: { email: string }) => user.email);
    expect(emails.filter((email) => email === TEST_USERS.alice.email)).toHaveLength(1);

    const aliceOnFirst = await login(first.url, TEST_USERS.alice);
    const aliceOnSecond = await login(second.url, TEST_USERS.alice);
    expect(aliceOnSecond.user.id).toBe(aliceOnFirst.user.id);
    const created = await callProcedure(first.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(aliceOnFirst.accessToken) });
    expect(created.status).toBe(200);
    const read = await callProcedure(second.url, 'orders.byId', {
      input: { id: created.body.result.data.id },
      headers: bearer(aliceOnSecond.accessToken),
    });
    expect(read.body.result.data).toEqual(created.body.result.data);
  });

  it('answers 503 when Redis goes away, and never a 500 or a success', async () => {
    const lonely = await startGatehouse({ env: redisEnv(namespace) });
    try {
      const alice = await login(lonely.url, TEST_USERS.alice);
      // The server's connection drops for good (disconnect() does not reconnect): every store call now fails fast.
      lonely.server.deps.redis?.disconnect();
      const me = await callProcedure(lonely.url, 'users.me', { headers: bearer(alice.accessToken) });
      expect(me.status).toBe(503);
      expect(me.body.error.data.code).toBe('SERVICE_UNAVAILABLE');
      const order = await callProcedure(lonely.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(alice.accessToken) });
      expect(order.status).toBe(503);
      const loginAttempt = await callProcedure(lonely.url, 'auth.login', {
        kind: 'mutation',
        input: { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password },
      });
      expect(loginAttempt.status).toBe(503);
      expect(JSON.stringify(loginAttempt.body)).not.toMatch(/redis|ECONNREFUSED|stack/i);
    } finally {
      await lonely.close();
    }
  });
});
