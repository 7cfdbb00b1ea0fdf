import { TRPCError } from '@trpc/server';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRecordedSecurityEvents } from '../../test-support/recorded-security-events.js';
import type { SecurityEvents } from '../audit/security-events.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createResponseHeaders } from '../response-headers.js';
import { createLimiter } from './create-limiter.js';
import { createLoginGuard, guardLogin, LOGIN_POLICY_NAMES, type LoginAttemptContext, type LoginGuard } from './login-guard.js';
import { createRequestRateLimit } from './request-rate-limit.js';

const DAY = 86_400;

/** Budgets small enough to spend in a test; each layer's points differ so a 429 says which layer refused. */
function guard(points: { emailAndIp: number; email: number; ip: number }): LoginGuard {
  return createLoginGuard(
    {
      emailAndIp: { points: points.emailAndIp, durationSeconds: DAY, blockDurationSeconds: 900 },
      email: { points: points.email, durationSeconds: 3600, blockDurationSeconds: 900 },
      ip: { points: points.ip, durationSeconds: DAY, blockDurationSeconds: DAY },
    },
    { kind: 'memory' },
  );
}

/** A wrong password: the attempt was admitted and its reserved failure stays. */
async function fail(login: LoginGuard, email: string, ip: string): Promise<void> {
  expect((await login.admit(email, ip)).admitted).toBe(true);
}

/** The layer whose budget refused the attempt, or undefined when it was admitted. */
async function refusingPolicy(login: LoginGuard, email: string, ip: string): Promise<string | undefined> {
  const admission = await login.admit(email, ip);
  return admission.admitted ? undefined : admission.snapshot.policy;
}

describe('the login guard', () => {
  it('blocks an email and IP pair after its consecutive failures, for the block’s duration', async () => {
    const login = guard({ emailAndIp: 3, email: 10, ip: 20 });
    for (let attempt = 0; attempt < 3; attempt += 1) await fail(login, 'alice@example.com', '192.0.2.1');
    const blocked = await login.admit('alice@example.com', '192.0.2.1');
    expect(blocked).toEqual({
      admitted: false,
      snapshot: expect.objectContaining({ policy: 'auth.login:email+ip', limit: 3, remaining: 0, windowSeconds: DAY, refused: true }),
    });
    expect(blocked.snapshot.resetAtMs - Date.now()).toBeGreaterThan(899_000);
    expect(blocked.snapshot.resetAtMs - Date.now()).toBeLessThanOrEqual(900_000);
    // The same IP with another email, and the same email from another IP, are other pairs.
    expect(await refusingPolicy(login, 'bob@example.com', '192.0.2.1')).toBeUndefined();
    expect(await refusingPolicy(login, 'alice@example.com', '192.0.2.2')).toBeUndefined();
  });

  it('counts an email however it is spelt, and an IPv6 client by its /64', async () => {
    const login = guard({ emailAndIp: 2, email: 10, ip: 20 });
    await fail(login, 'Alice@Example.COM', '2001:db8:1:2::1');
    await fail(login, '  alice@example.com ', '2001:db8:1:2::2');
    expect(await refusingPolicy(login, 'ALICE@example.com', '2001:db8:1:2:ffff::9')).toBe(LOGIN_POLICY_NAMES.emailAndIp);
  });

  it('locks an email attacked from many IPs, and an IP trying many emails', async () => {
    const login = guard({ emailAndIp: 10, email: 3, ip: 5 });
    for (let ip = 1; ip <= 3; ip += 1) await fail(login, 'carol@example.com', `198.51.100.${ip}`);
    expect(await refusingPolicy(login, 'carol@example.com', '198.51.100.99')).toBe('auth.login:email');

    for (let email = 1; email <= 5; email += 1) await fail(login, `user${email}@example.com`, '203.0.113.9');
    const refused = await login.admit('someone@example.com', '203.0.113.9');
    expect(refused.snapshot).toMatchObject({ policy: 'auth.login:ip', limit: 5, windowSeconds: DAY, refused: true });
    expect(refused.snapshot.resetAtMs - Date.now()).toBeGreaterThan((DAY - 1) * 1000); // the IP's day-long block
  });

  it('names the tightest layer in an admitted attempt’s snapshot', async () => {
    const login = guard({ emailAndIp: 3, email: 10, ip: 20 });
    const first = await login.admit('dave@example.com', '192.0.2.3');
    expect(first).toMatchObject({ admitted: true, snapshot: { policy: 'auth.login:email+ip', limit: 3, remaining: 2, refused: false } });
    const byEmail = guard({ emailAndIp: 10, email: 2, ip: 20 });
    expect((await byEmail.admit('dave@example.com', '192.0.2.3')).snapshot).toMatchObject({ policy: 'auth.login:email', remaining: 1 });
  });

  it('does not let blocked attempts spend the layers that let them through', async () => {
    const login = guard({ emailAndIp: 3, email: 5, ip: 20 });
    for (let attempt = 0; attempt < 3; attempt += 1) await fail(login, 'erin@example.com', '192.0.2.4');
    // The pair is blocked: however many more attempts it makes, the email's budget keeps its two failures left...
    for (let attempt = 0; attempt < 5; attempt += 1) expect(await refusingPolicy(login, 'erin@example.com', '192.0.2.4')).toBe('auth.login:email+ip');
    await fail(login, 'erin@example.com', '192.0.2.5');
    await fail(login, 'erin@example.com', '192.0.2.6');
    // ...and then it is spent.
    expect(await refusingPolicy(login, 'erin@example.com', '192.0.2.7')).toBe('auth.login:email');
  });

  it('does not extend a block with the attempts made during it', async () => {
    // rate-limiter-flexible's memory store reads its windows from Date: moved by hand, a block is waited out without a sleep.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const login = guard({ emailAndIp: 3, email: 10, ip: 20 });
    for (let attempt = 0; attempt < 3; attempt += 1) await fail(login, 'nina@example.com', '192.0.2.30');
    const blocked = await login.admit('nina@example.com', '192.0.2.30');
    vi.setSystemTime(Date.now() + 600_000);
    const later = await login.admit('nina@example.com', '192.0.2.30');
    expect(later).toMatchObject({ admitted: false, snapshot: { policy: 'auth.login:email+ip', resetAtMs: blocked.snapshot.resetAtMs } });
    vi.setSystemTime(blocked.snapshot.resetAtMs + 1);
    expect((await login.admit('nina@example.com', '192.0.2.30')).admitted).toBe(true);
  });

  it('starts the consecutive count over after a right password', async () => {
    const login = guard({ emailAndIp: 3, email: 10, ip: 20 });
    await fail(login, 'frank@example.com', '192.0.2.8');
    await fail(login, 'frank@example.com', '192.0.2.8');
    const right = await login.admit('frank@example.com', '192.0.2.8');
    if (!right.admitted) return expect.unreachable('the third attempt is within the budget');
    await right.succeeded();
    for (let attempt = 0; attempt < 3; attempt += 1) await fail(login, 'frank@example.com', '192.0.2.8');
    expect(await refusingPolicy(login, 'frank@example.com', '192.0.2.8')).toBe('auth.login:email+ip');
  });

  it('hands back a right password’s own reservation on the email and IP budgets, not the failures before it', async () => {
    const login = guard({ emailAndIp: 10, email: 3, ip: 4 });
    await fail(login, 'grace@example.com', '192.0.2.9');
    await fail(login, 'grace@example.com', '192.0.2.9');
    const right = await login.admit('grace@example.com', '192.0.2.9');
    if (!right.admitted) return expect.unreachable('the third attempt is within the budget');
    await right.succeeded();
    // The email holds its two failures: one more from anywhere spends it.
    await fail(login, 'grace@example.com', '192.0.2.10');
    expect(await refusingPolicy(login, 'grace@example.com', '192.0.2.11')).toBe('auth.login:email');
    // The IP holds its two failures as well: two more (other emails) spend it.
    await fail(login, 'heidi@example.com', '192.0.2.9');
    await fail(login, 'ivan@example.com', '192.0.2.9');
    expect(await refusingPolicy(login, 'judy@example.com', '192.0.2.9')).toBe('auth.login:ip');
  });
});

/** One sign-in request from `ip`: the guard, the events and the response headers a request context carries. */
function loginRequest(ip: string, login: LoginGuard, events: SecurityEvents): LoginAttemptContext {
  return {
    ip,
    requestId: 'req-login',
    deps: { rateLimits: { login }, events },
    rateLimit: createRequestRateLimit({ calls: ['auth.login'], policyForPath: () => undefined, limiterFor: (policy) => createLimiter(policy, { kind: 'memory' }) }),
    responseHeaders: createResponseHeaders(),
  };
}

describe('guardLogin', () => {
  it('admits an attempt with the tightest layer’s headers, then answers a blocked one 429 and logs login.blocked', async () => {
    const { events, recorded } = createRecordedSecurityEvents();
    const login = guard({ emailAndIp: 1, email: 10, ip: 20 });
    const admitted = loginRequest('192.0.2.20', login, events);
    const admission = await guardLogin(admitted, 'kim@example.com');
    await expect(admission.succeeded()).resolves.toBeUndefined();
    expect(Object.fromEntries(admitted.responseHeaders.entries())).toMatchObject({
      'x-ratelimit-limit': '1',
      'x-ratelimit-remaining': '0',
      'ratelimit-policy': '"auth.login:email+ip";q=1;w=86400',
    });
    expect(recorded()).toEqual([]);

    await guardLogin(loginRequest('192.0.2.20', login, events), 'kim@example.com'); // a wrong password this time
    const blocked = loginRequest('192.0.2.20', login, events);
    const error = await guardLogin(blocked, 'Kim@example.com').then(
      () => expect.unreachable('a blocked attempt is refused'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).cause).toBeInstanceOf(RateLimitExceededError);
    expect(((error as TRPCError).cause as RateLimitExceededError).data.policy).toBe('auth.login:email+ip');
    expect(Number(Object.fromEntries(blocked.responseHeaders.entries())['retry-after'])).toBeGreaterThan(890);
    expect(recorded()).toEqual([
      expect.objectContaining({
        type: 'login.blocked',
        ip: '192.0.2.20',
        requestId: 'req-login',
        details: { email: 'Kim@example.com', policy: 'auth.login:email+ip' },
      }),
    ]);
  });

  it('leaves a tighter budget’s headers in place when the batch already met one', async () => {
    const { events } = createRecordedSecurityEvents();
    const request = loginRequest('192.0.2.21', guard({ emailAndIp: 5, email: 10, ip: 20 }), events);
    request.rateLimit.consider({ policy: 'tighter', limit: 9, remaining: 0, windowSeconds: 60, resetAtMs: Date.now() + 1_000, refused: false });
    await guardLogin(request, 'liam@example.com');
    expect(Object.fromEntries(request.responseHeaders.entries())).toEqual({});
  });
});
