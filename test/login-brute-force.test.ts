import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callBatch } from './support/batch.js';
import { callProcedure, type RawResponse } from './support/http.js';
import { expectRateLimitHeaders } from './support/rate-limit-assertions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

/** One account per test, so each test starts from clean counters. */
const users = Array.from({ length: 10 }, (_, index) => ({
  email: `victim${index}@test.gatehouse`,
  password: `victim-${index}-right-password`,
  name: `Victim ${index}`,
  role: 'user' as const,
}));
const [pairUser, otherIpUser, resetUser, emailUser, parallelUser, batchUser] = users;
const ipUsers = users.slice(6);

let ipCounter = 1;
const freshIp = () => `203.0.113.${ipCounter++}`;

let gatehouse: RunningGatehouse;
beforeAll(async () => {
  gatehouse = await startGatehouse({
    seed: { users },
    // Loopback is the trusted proxy, so each test can speak from its own client IP.
    env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_LOGIN_LIMIT_IP: '12/86400/86400' },
  });
});
afterAll(() => gatehouse.close());

const bcryptRuns = () => gatehouse.server.deps.passwords.operations;
const attempt = (email: string, password: string, ip: string): Promise<RawResponse> =>
  callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email, password }, headers: { 'x-forwarded-for': ip } });

describe('auth.login brute-force defence', () => {
  it('answers five wrong passwords for one email and IP with 401, the sixth with 429, and then refuses the right password without running bcrypt', async () => {
    const ip = freshIp();
    for (let call = 1; call <= 5; call += 1) {
      const response = await attempt(pairUser!.email, `wrong-${call}`, ip);
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth.reason).toBe('invalid_credentials');
    }
    const before = bcryptRuns();
    const sixth = await attempt(pairUser!.email, 'wrong-6', ip);
    expect(sixth.status).toBe(429);
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(sixth.body.error.data.rateLimit).toMatchObject({ policy: 'auth.login:email+ip', limit: 5, remaining: 0 });
    expectRateLimitHeaders(sixth, 5, 0, 'auth.login:email+ip');

    const right = await attempt(pairUser!.email, pairUser!.password, ip);
    expect(right.status).toBe(429);
    expect(right.body.result).toBeUndefined();
    expect(bcryptRuns()).toBe(before); // neither blocked attempt compared a password

    const logged = gatehouse.logLines();
    expect(logged.some((line) => line.includes('"login.blocked"') && line.includes(pairUser!.email))).toBe(true);
    expect(logged.join('\n')).not.toContain(pairUser!.password);
  });

  it('does not block the same email from another IP through the pair limit', async () => {
    const ip = freshIp();
    for (let call = 1; call <= 6; call += 1) await attempt(otherIpUser!.email, 'wrong', ip);
    const elsewhere = await attempt(otherIpUser!.email, otherIpUser!.password, freshIp());
    expect(elsewhere.status).toBe(200);
  });

  it('resets the consecutive count on a success', async () => {
    const ip = freshIp();
    for (let call = 1; call <= 4; call += 1) expect((await attempt(resetUser!.email, 'wrong', ip)).status).toBe(401);
    expect((await attempt(resetUser!.email, resetUser!.password, ip)).status).toBe(200);
    for (let call = 1; call <= 5; call += 1) expect((await attempt(resetUser!.email, 'wrong', ip)).status).toBe(401);
    expect((await attempt(resetUser!.email, 'wrong', ip)).status).toBe(429);
  });

  it('locks an email after 10 failures in an hour from any IPs', async () => {
    for (let call = 1; call <= 10; call += 1) expect((await attempt(emailUser!.email, 'wrong', freshIp())).status).toBe(401);
    const before = bcryptRuns();
    const locked = await attempt(emailUser!.email, emailUser!.password, freshIp());
    expect(locked.status).toBe(429);
    expect(locked.body.error.data.rateLimit).toMatchObject({ policy: 'auth.login:email', limit: 10 });
    expect(bcryptRuns()).toBe(before);
  });

  it('checks at most five passwords when ten wrong guesses race in parallel', async () => {
    const ip = freshIp();
    const before = bcryptRuns();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => attempt(parallelUser!.email, `guess-${index}`, ip)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(bcryptRuns() - before).toBe(5);
  });

  it('checks at most five passwords in one batch of ten', async () => {
    const ip = freshIp();
    const before = bcryptRuns();
    const batch = await callBatch(
      gatehouse.url,
      Array.from({ length: 10 }, (_, index) => ({ path: 'auth.login', input: { email: batchUser!.email, password: `guess-${index}` } })),
      { kind: 'mutation', headers: { 'x-forwarded-for': ip } },
    );
    expect(batch.status).toBe(207);
    const statuses = (batch.body as Array<{ error: { data: { httpStatus: number } } }>).map((item) => item.error.data.httpStatus).sort();
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(bcryptRuns() - before).toBe(5);
    expect(batch.headers.get('retry-after')).not.toBeNull();
  });

  it('blocks an IP for a day after its daily failures (12 here), whichever emails it tries', async () => {
    const ip = freshIp();
    // Twelve failures over four accounts, never five on one, so only the per-IP budget is spent.
    for (let call = 0; call < 12; call += 1) {
      const user = ipUsers[call % ipUsers.length]!;
      expect((await attempt(user.email, `wrong-${call}`, ip)).status).toBe(401);
    }
    const blocked = await attempt(ipUsers[0]!.email, ipUsers[0]!.password, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.data.rateLimit).toMatchObject({ policy: 'auth.login:ip', limit: 12 });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(86_000);
    expect((await attempt(ipUsers[0]!.email, ipUsers[0]!.password, freshIp())).status).toBe(200);
  });
});
