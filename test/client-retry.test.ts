import { createGatehouseClient, RateLimitedError, type GatehouseClient, type GatehouseClientOptions } from '@gatehouse/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
beforeAll(async () => {
  gatehouse = await startGatehouse({ env: { GATEHOUSE_LIMIT_AUTHENTICATED: '2/1' } });
});
afterAll(() => gatehouse.close());

/**
 * Spends a principal's two calls per second, starting at a fresh window. A real wait, not a moved Date: the
 * client's Retry-After wait is real, and a fake Date advanced by a timer lags real time on a loaded host, so
 * the retry could land in the window it waited out.
 */
async function spendBudget(client: GatehouseClient): Promise<void> {
  await sleep(1_050);
  await client.users.me.query();
  await client.users.me.query();
}

describe('RateLimitedError and the opt-in 429 retry', () => {
  it('without retry: throws RateLimitedError carrying retryAfterMs, limit, remaining and resetAt', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.admin);
    const client = createGatehouseClient({ url: gatehouse.url, accessToken, batch: false });
    await spendBudget(client);
    const error = await client.users.me.query().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    const limited = error as RateLimitedError;
    expect(limited.httpStatus).toBe(429);
    expect(limited.limit).toBe(2);
    expect(limited.remaining).toBe(0);
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(limited.resetAt?.getTime()).toBeGreaterThan(Date.now() - 50);
    expect(limited.policy).toBe('authenticated');
  });

  it('with retry: a query waits Retry-After and succeeds; a mutation is not retried unless asked', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    const statuses: number[] = [];
    const countingFetch: NonNullable<GatehouseClientOptions['fetch']> = async (input, init) => {
      const response = await fetch(input as RequestInfo, init as RequestInit);
      statuses.push(response.status);
      return response;
    };
    const client = createGatehouseClient({ url: gatehouse.url, accessToken, fetch: countingFetch, retry: { on429: true, maxWaitMs: 2_000 } });
    await spendBudget(client);
    statuses.length = 0;
    await expect(client.users.me.query()).resolves.toMatchObject({ email: TEST_USERS.alice.email });
    expect(statuses).toEqual([429, 200]); // refused once, waited, retried once

    await spendBudget(client);
    await expect(client.users.update.mutate({ name: 'Alice' })).rejects.toBeInstanceOf(RateLimitedError);

    const retryingMutations = createGatehouseClient({ url: gatehouse.url, accessToken, retry: { on429: true, maxWaitMs: 2_000, mutations: true } });
    await spendBudget(retryingMutations);
    await expect(retryingMutations.users.update.mutate({ name: 'Alice' })).resolves.toMatchObject({ name: 'Alice' });
  });

  it('with retry: a wait longer than maxWaitMs is thrown at once', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.bob);
    const client = createGatehouseClient({ url: gatehouse.url, accessToken, retry: { on429: true, maxWaitMs: 0 } });
    await spendBudget(client);
    const started = Date.now();
    await expect(client.users.me.query()).rejects.toBeInstanceOf(RateLimitedError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('refuses a retry option without a bound', () => {
    expect(() => createGatehouseClient({ url: gatehouse.url, retry: { on429: true, maxWaitMs: Number.NaN } })).toThrow(RangeError);
  });
});
