import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

/**
 * A listener on `::` reports every IPv4 peer as `::ffff:a.b.c.d`. Budgets keyed
 * by client IP must still count those peers one by one: keyed by the mapped
 * /64, one client spending the OAuth failure budget would lock out every
 * IPv4 client (regression: the OAuth budgets skipped the unwrapping).
 */
describe('per-IP budgets on a dual-stack listener', () => {
  let gatehouse: RunningGatehouse;
  let port: number;
  // The test seed's confidential client (test/support/test-seed.ts).
  const billing = { clientId: 'billing', secret: 'billing-test-secret-0123456789' };

  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_HOST: '::', GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES: '3/600' } });
    port = Number(new URL(gatehouse.url).port);
  });
  afterAll(() => gatehouse.close());

  function tokenRequest(from: string, secret: string): Promise<number> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
    const basic = Buffer.from(`${billing.clientId}:${secret}`).toString('base64');
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port,
          localAddress: from,
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  it('lets one IPv4 client spend its failed-client-auth budget without locking out another', async () => {
    const attacker: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) attacker.push(await tokenRequest('127.0.0.2', 'not-the-secret'));
    expect(attacker.slice(0, 3)).toEqual([401, 401, 401]);
    expect(attacker.at(-1)).toBe(429);
    expect(await tokenRequest('127.0.0.1', billing.secret)).toBe(200);
  });
});
