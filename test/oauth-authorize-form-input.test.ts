import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from './support/audit.js';
import { readHiddenInputs, submitAuthorizeForm } from './support/authorize-form.js';
import { login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';
import { createRedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';

/**
 * Finding 5 of issue 14: the authorize form took fields of any size and
 * content and echoed them into the page, the audit log, the log line and a
 * limiter key. Every field is now bounded and validated (the email exactly
 * as auth.login validates it) before anything reads it. On Redis, so the
 * limiter keys can be inspected.
 */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const HUGE_EMAIL = `${'a'.repeat(900 * 1024)}@example.com`;
const HOSTILE_EMAIL = 'mallory@example.com\n\u001b[31m{"type":"login.succeeded","principal":"user:admin"}\r\nX-Injected: 1';
const MARKER = 'X-Injected';

let gatehouse: RunningGatehouse;
let store: StoreVariant;
let prefix: string;
let as: oauth.AuthorizationServer;
const options = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  store = redisVariant('authorize-form-input');
  const env = await store.env();
  prefix = env['GATEHOUSE_REDIS_PREFIX']!;
  gatehouse = await startGatehouse({ env });
  const issuer = new URL(gatehouse.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
});
afterAll(async () => {
  await gatehouse.close();
  await store.cleanup();
});

async function authorizeUrl(overrides: Record<string, string> = {}): Promise<URL> {
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: 'web',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: oauth.generateRandomState(),
    code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    code_challenge_method: 'S256',
    ...overrides,
  }).toString();
  return url;
}

/** Posts the form as rendered, with the given email (password wrong on purpose). */
async function postWithEmail(email: string) {
  const page = await (await fetch(await authorizeUrl())).text();
  const form = new URLSearchParams(readHiddenInputs(page));
  form.set('email', email);
  form.set('password', 'not-the-password');
  form.set('decision', 'approve');
  const response = await fetch(`${gatehouse.url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

async function allRedisKeys(): Promise<string[]> {
  const namespace = await createRedisTestNamespace('authorize-form-input-inspect');
  try {
    return await namespace.redis.keys(`${prefix}*`);
  } finally {
    await namespace.cleanup();
  }
}

async function loginFailedRecords(): Promise<Record<string, unknown>[]> {
  const admin = await login(gatehouse.url, TEST_USERS.admin);
  const page = await listAudit(gatehouse.url, admin.accessToken, { type: 'login.failed', limit: 100 });
  return page.items.map((record) => record.details);
}

describe('the authorize form refuses unbounded and hostile fields before any work', () => {
  it('refuses a 900 KB email with 400 and never echoes, records, logs or keys on it', async () => {
    const linesBefore = gatehouse.logLines().length;
    const refused = await postWithEmail(HUGE_EMAIL);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeNull();
    expect(refused.html.length).toBeLessThan(16 * 1024);
    expect(refused.html).not.toContain('a'.repeat(300));

    const keys = await allRedisKeys();
    expect(keys.length).toBeGreaterThan(0);
    expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(512);
    expect(JSON.stringify(await loginFailedRecords())).not.toContain('a'.repeat(300));
    expect(gatehouse.logLines().slice(linesBefore).filter((line) => line.includes('a'.repeat(300)))).toEqual([]);
  });

  it('refuses an email with newlines, ANSI escapes and JSON, and stores and logs none of it', async () => {
    // Only this test's lines: the state and client_id tests below send the same marker in a query string.
    const linesBefore = gatehouse.logLines().length;
    const refused = await postWithEmail(HOSTILE_EMAIL);
    expect(refused.status).toBe(400);
    expect(refused.html).not.toContain('\u001b');
    expect(refused.html).not.toContain(MARKER);
    // No limiter (nor anything else) keyed on it: the sign-in never ran.
    expect((await allRedisKeys()).filter((key) => key.includes('mallory'))).toEqual([]);
    expect(JSON.stringify(await loginFailedRecords())).not.toContain(MARKER);
    expect(gatehouse.logLines().slice(linesBefore).filter((line) => line.includes(MARKER) || line.includes('\\u001b'))).toEqual([]);
  });

  it('still records a well-formed wrong sign-in, under the normalised email, and then signs the right password in', async () => {
    const wrong = await postWithEmail(`  ${TEST_USERS.bob.email.toUpperCase()} `);
    expect(wrong.status).toBe(200);
    expect(await loginFailedRecords()).toContainEqual(expect.objectContaining({ email: TEST_USERS.bob.email }));
    // The counterpart of the refusals above: a valid email does reach the login limiter's keys.
    expect((await allRedisKeys()).some((key) => key.includes(TEST_USERS.bob.email))).toBe(true);
    const signedIn = await submitAuthorizeForm(await authorizeUrl(), { ...TEST_USERS.bob, decision: 'approve' });
    expect(signedIn.status).toBe(303);
    expect(new URL(signedIn.location!).searchParams.get('code')).toBeTruthy();
  });

  it('shows an error page, not a redirect, for a client_id with control characters or beyond its bound', async () => {
    for (const clientId of ['web\r\nX-Injected: 1', 'w'.repeat(10_000)]) {
      const response = await fetch(await authorizeUrl({ client_id: clientId }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      const html = await response.text();
      expect(html).not.toContain(MARKER);
      expect(html).not.toContain('w'.repeat(300));
    }
  });

  it('redirects an oversized or control-laden state back as invalid_request without echoing it', async () => {
    for (const state of ['s'.repeat(513), 'abc\u001b[2Jdef', `x${'\n'}${MARKER}`]) {
      const response = await fetch(await authorizeUrl({ state }), { redirect: 'manual' });
      expect(response.status).toBe(302);
      const callback = new URL(response.headers.get('location')!);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.has('state')).toBe(false);
    }
  });

  it('refuses an oversized scope or code_challenge as invalid_request', async () => {
    for (const overrides of [{ scope: 'users:read '.repeat(200) }, { code_challenge: 'A'.repeat(5_000) }]) {
      const response = await fetch(await authorizeUrl(overrides), { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    }
  });
});
