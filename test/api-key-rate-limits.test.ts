import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { expect429 } from './support/rate-limit-assertions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const apiKey = (key: string) => ({ 'x-api-key': key });

async function createKey(url: string, ownerToken: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const response = await callProcedure(url, 'apiKeys.create', {
    kind: 'mutation',
    input: { name: `key-${randomUUID().slice(0, 8)}`, scopes },
    headers: bearer(ownerToken),
  });
  expect(response.status).toBe(200);
  return response.body.result.data;
}

describe('API keys on the authenticated rate limit', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_LIMIT_AUTHENTICATED: '4/60' } });
  });
  afterAll(() => gatehouse.close());

  const me = (headers: Record<string, string>): Promise<RawResponse> => callProcedure(gatehouse.url, 'users.me', { headers });

  it('limits each key on its own budget, apart from its owner’s tokens and the owner’s other keys', async () => {
    const alice = await login(gatehouse.url, TEST_USERS.alice);
    // Two of alice's own four calls: creating the keys.
    const first = await createKey(gatehouse.url, alice.accessToken, ['users:read']);
    const second = await createKey(gatehouse.url, alice.accessToken, ['users:read']);

    // The first key spends its four calls; the fifth is refused on the authenticated policy.
    for (let call = 1; call <= 4; call += 1) {
      const response = await me(apiKey(first.key));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(4 - call));
    }
    expect429(await me(apiKey(first.key)), 'authenticated', 4);

    // The owner's bearer token still has its own budget: two left after the two creates.
    const owner = await me(bearer(alice.accessToken));
    expect(owner.status).toBe(200);
    expect(owner.headers.get('x-ratelimit-remaining')).toBe('1');
    expect((await me(bearer(alice.accessToken))).status).toBe(200);
    expect429(await me(bearer(alice.accessToken)), 'authenticated', 4);

    // And the other way round: with the owner's token spent, another of the owner's keys still passes.
    const other = await me(apiKey(second.key));
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('3');
    expect429(await me(apiKey(first.key)), 'authenticated', 4);
  });
});

describe('apiKeys.revoke as an id lookup', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    // Loopback is a trusted proxy so that bob and alice call from IPs of their own: enumeration blocks IPs too.
    gatehouse = await startGatehouse({ env: { GATEHOUSE_ENUMERATION_LIMIT: '3/60', GATEHOUSE_ENUMERATION_BLOCK: '60', GATEHOUSE_TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(() => gatehouse.close());

  const revoke = (token: string, id: string, ip: string) =>
    callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: { ...bearer(token), 'x-forwarded-for': ip } });
  const BOB_IP = '198.51.100.70';
  const ALICE_IP = '198.51.100.71';

  it('counts revokes of unknown or foreign key ids towards enumeration, then refuses even the caller’s own key', async () => {
    const [alice, bob] = await Promise.all([login(gatehouse.url, TEST_USERS.alice), login(gatehouse.url, TEST_USERS.bob)]);
    const own = await createKey(gatehouse.url, bob.accessToken, ['orders:read']);
    const foreign = await createKey(gatehouse.url, alice.accessToken, ['orders:read']);

    // A foreign key's id answers like a missing one, and both count as misses.
    expect((await revoke(bob.accessToken, foreign.id, BOB_IP)).status).toBe(404);
    for (let probe = 0; probe < 3; probe += 1) expect((await revoke(bob.accessToken, randomUUID(), BOB_IP)).status).toBe(404);

    expect429(await revoke(bob.accessToken, own.id, BOB_IP), 'abuse.enumeration', 3);
    // The block is bob's: alice's key was never revoked, and alice can still revoke it herself.
    expect((await revoke(alice.accessToken, foreign.id, ALICE_IP)).status).toBe(200);
  });
});
