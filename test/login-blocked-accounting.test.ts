import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStores } from './support/default-store.js';
import { callProcedure, type RawResponse } from './support/http.js';
import { registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';

/**
 * An attacker whose (email, IP) pair is blocked keeps sending guesses. A blocked attempt checks no password,
 * so it must not count as a failure on the email and IP layers that admitted it: otherwise the attacker turns
 * one blocked pair into a lock-out of the victim from every IP (the email budget) and of every user behind
 * the attacker's IP (the IP budget).
 */
describe.each(projectStores())('blocked login attempts on the %s store', (storeName) => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;

  beforeAll(async () => {
    store = storeName === 'redis' ? redisVariant('login-blocked-accounting') : memoryVariant();
    gatehouse = await startGatehouse({
      // Loopback is the trusted proxy, so each request can speak from its own client IP.
      env: { ...(await store.env()), GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_LOGIN_LIMIT_IP: '12/86400/86400' },
    });
  });
  afterAll(async () => {
    await gatehouse.close();
    await store.cleanup();
  });

  const attempt = (email: string, password: string, ip: string): Promise<RawResponse> =>
    callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email, password }, headers: { 'x-forwarded-for': ip } });
  const freshIp = () => `2001:db8:${randomUUID().slice(0, 4)}::2`;

  it('does not charge blocked attempts to the email or the IP: the victim still signs in elsewhere, and so does a neighbour behind the same IP', async () => {
    const victim = await registerUser(gatehouse.url);
    const neighbour = await registerUser(gatehouse.url);
    const attackerIp = `2001:db8:${randomUUID().slice(0, 4)}::1`;
    for (let call = 1; call <= 5; call += 1) expect((await attempt(victim.email, `guess-${call}`, attackerIp)).status).toBe(401);
    for (let call = 6; call <= 15; call += 1) {
      const blocked = await attempt(victim.email, `guess-${call}`, attackerIp);
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.data.rateLimit.policy).toBe('auth.login:email+ip');
    }

    // Five failures charged to the email (budget 10) and to the attacker's IP (budget 12), not fifteen.
    expect((await attempt(victim.email, victim.password, freshIp())).status).toBe(200);
    expect((await attempt(neighbour.email, neighbour.password, attackerIp)).status).toBe(200);
  });
});
