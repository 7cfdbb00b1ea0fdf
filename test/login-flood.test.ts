import { createGatehouseClient, ServiceUnavailableError } from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
beforeAll(async () => {
  // One worker, one waiting slot, and compares slow enough (cost 10, about 100 ms) to pile up.
  gatehouse = await startGatehouse({
    env: {
      GATEHOUSE_BCRYPT_COST: '10',
      GATEHOUSE_PASSWORD_WORKERS: '1',
      GATEHOUSE_PASSWORD_QUEUE: '1',
      // Six parallel logins of one account would otherwise meet the brute-force guard's in-flight reservations first.
      GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: '50/86400/900',
      GATEHOUSE_LOGIN_LIMIT_EMAIL: '50/3600/900',
    },
  });
});
afterAll(() => gatehouse.close());

const attempt = () =>
  callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password } });

describe('a flood of logins', () => {
  it('is refused beyond the password workers’ queue with 503 and Retry-After, while other calls go on', async () => {
    let loggedIn = 0;
    const flood = Array.from({ length: 6 }, () =>
      attempt().then((answer) => {
        if (answer.status === 200) loggedIn += 1;
        return answer;
      }),
    );
    // bcrypt runs on a worker thread, so the event loop answers other calls while both compares are still running.
    const health = await callProcedure(gatehouse.url, 'health');
    expect(health.status).toBe(200);
    expect(loggedIn).toBeLessThan(2);

    const answers = await Promise.all(flood);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
    const refused = answers.find((answer) => answer.status === 503)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.data.retryAfterMs).toBeGreaterThan(0);
  });

  it('reaches the typed client as a ServiceUnavailableError', async () => {
    const client = createGatehouseClient({ url: gatehouse.url });
    const flood = Array.from({ length: 3 }, attempt);
    const outcome = await client.auth.login
      .mutate({ email: TEST_USERS.alice.email, password: TEST_USERS.alice.password })
      .then(() => undefined, (error: unknown) => error);
    await Promise.all(flood);
    expect(outcome).toBeInstanceOf(ServiceUnavailableError);
    expect((outcome as ServiceUnavailableError).retryAfterMs).toBeGreaterThan(0);
  });
});
