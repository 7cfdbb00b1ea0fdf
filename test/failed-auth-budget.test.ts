import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../apps/server/src/apikeys/key-format.js';
import { waitForAuditRecord } from './support/audit.js';
import { defaultStoreVariant } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { sampleValue, scrape } from './support/metrics.js';
import { expect429 } from './support/rate-limit-assertions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import type { StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

/** Five failed authentications per IP per minute: small, so the block is reached in a few calls. */
const BUDGET = 5;
const POLICY = 'auth.failed:ip';

// On memory in the e2e project, on Redis in e2e-redis (see projectStores in support/default-store.ts).
const variants: StoreVariant[] = [defaultStoreVariant('failed-auth-budget')];

describe.each(variants)('failed authentication costs the caller, on the $name store', (variant) => {
  let gatehouse: RunningGatehouse;
  let forged: string;
  let ipCounter = 0;
  // Each test speaks from its own client IP (GATEHOUSE_TRUST_PROXY trusts loopback), so budgets do not leak between tests.
  const nextIp = () => `198.51.100.${(ipCounter += 1)}`;

  beforeAll(async () => {
    gatehouse = await startGatehouse({
      env: { ...(await variant.env()), GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_LIMIT_FAILED_AUTH: `${BUDGET}/60` },
    });
    // A well-formed ES256 token from a key the server never had: verifying it is the full signature check.
    const { privateKey } = await generateKeyPair('ES256');
    const { issuer, audience } = gatehouse.server.deps.config;
    forged = await new SignJWT({ client_id: 'gatehouse', scope: 'users:read' })
      .setProtectedHeader({ alg: 'ES256', kid: gatehouse.server.deps.signingKeys.active.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('someone')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('forged-jti')
      .sign(privateKey);
  });
  afterAll(async () => {
    await gatehouse.close();
    await variant.cleanup();
  });

  const checks = async (credential: 'bearer' | 'api_key') =>
    sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_credential_checks_total', { credential });

  // A flood: about 200 requests, past the 20 s default on a loaded two-core host.
  it('answers a forged-token flood with 429 once the budget is spent, without verifying another signature', async () => {
    const ip = nextIp();
    const before = await checks('bearer');
    const statuses: number[] = [];
    for (let call = 0; call < BUDGET + 1; call += 1) {
      statuses.push((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(forged), 'x-forwarded-for': ip } })).status);
    }
    // As with logins: the budget's worth of 401s, then the failure that spends it is already a 429.
    expect(statuses).toEqual([...Array.from({ length: BUDGET }, () => 401), 429]);
    expect(await checks('bearer')).toBe(before + BUDGET + 1);
    // Sent as a flood arrives, concurrently: one at a time, 200 calls outlasted the test's time on a loaded host.
    const refused = await Promise.all(
      Array.from({ length: 200 }, () => callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(forged), 'x-forwarded-for': ip } })),
    );
    expect(refused.map((response) => response.status)).toEqual(Array.from({ length: 200 }, () => 429));
    // Two hundred more forged tokens, not one more signature check: the flood costs a map lookup each.
    expect(await checks('bearer')).toBe(before + BUDGET + 1);
  }, 60_000);

  it('refuses with the usual 429: Retry-After, rate-limit headers and data naming auth.failed:ip', async () => {
    const ip = nextIp();
    for (let call = 0; call < BUDGET + 1; call += 1) {
      await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(forged), 'x-forwarded-for': ip } });
    }
    const refused = await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(forged), 'x-forwarded-for': ip } });
    expect429(refused, POLICY, BUDGET);
    const admin = await login(gatehouse.url, TEST_USERS.admin);
    const record = await waitForAuditRecord(gatehouse.url, admin.accessToken, 'ratelimit.exceeded', (candidate) => candidate.ip === ip);
    expect(record.details).toMatchObject({ policy: POLICY });
  });

  it('charges bad API keys to the same budget, before any key lookup once it is spent', async () => {
    const ip = nextIp();
    const before = await checks('api_key');
    const statuses: number[] = [];
    for (let call = 0; call < BUDGET + 20; call += 1) {
      // Well formed, checksum and all: each one takes a hash and a store lookup to refuse.
      statuses.push((await callProcedure(gatehouse.url, 'users.me', { headers: { 'x-api-key': generateApiKey().key, 'x-forwarded-for': ip } })).status);
    }
    expect(statuses.slice(0, BUDGET)).toEqual(Array.from({ length: BUDGET }, () => 401));
    expect(statuses.slice(BUDGET)).toEqual(Array.from({ length: 20 }, () => 429));
    expect(await checks('api_key')).toBe(before + BUDGET + 1);
  });

  it('charges revoked tokens too', async () => {
    const ip = nextIp();
    const session = await login(gatehouse.url, TEST_USERS.bob);
    expect((await callProcedure(gatehouse.url, 'auth.logout', { kind: 'mutation', headers: bearer(session.accessToken) })).status).toBe(200);
    const statuses: number[] = [];
    for (let call = 0; call < BUDGET + 2; call += 1) {
      statuses.push((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(session.accessToken), 'x-forwarded-for': ip } })).status);
    }
    expect(statuses).toEqual([...Array.from({ length: BUDGET }, () => 401), 429, 429]);
  });

  it('keeps 401 before any charge for calls without a credential: they never spend the failed-auth budget', async () => {
    const ip = nextIp();
    for (let call = 0; call < BUDGET * 3; call += 1) {
      expect((await callProcedure(gatehouse.url, 'users.me', { headers: { 'x-forwarded-for': ip } })).status).toBe(401);
    }
    const alice = await login(gatehouse.url, TEST_USERS.alice);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), 'x-forwarded-for': ip } })).status).toBe(200);
  });

  it('blocks only the IP that failed: the same valid token from another address still works', async () => {
    const blockedIp = nextIp();
    for (let call = 0; call < BUDGET + 1; call += 1) {
      await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(forged), 'x-forwarded-for': blockedIp } });
    }
    const alice = await login(gatehouse.url, TEST_USERS.alice);
    // Like a blocked login, a valid credential from the blocked IP is refused as well: it cannot be told apart before verifying.
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), 'x-forwarded-for': blockedIp } })).status).toBe(429);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), 'x-forwarded-for': nextIp() } })).status).toBe(200);
    // Public procedures take no credential and stay open to the blocked IP.
    expect((await callProcedure(gatehouse.url, 'health', { headers: { 'x-forwarded-for': blockedIp } })).status).toBe(200);
  });
});
