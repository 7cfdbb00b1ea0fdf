import { randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure } from '../support/http.js';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { totpCodeAt, wrongTotpCode } from '../support/totp-codes.js';
import { launchChromium } from './support/launch-chromium.js';

/** The `web` client's registered callback in the test seed; Chromium never loads it (the test answers it). */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';

let gatehouse: RunningGatehouse;
let browser: Browser;
let nowMs = Date.now();

beforeAll(async () => {
  [gatehouse, browser] = await Promise.all([startGatehouse({ now: () => nowMs }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await gatehouse?.close();
});

const codeFor = (secret: string) => totpCodeAt(secret, nowMs);
const wrongCode = (secret: string) => wrongTotpCode(secret, nowMs);

/** A fresh account with a confirmed TOTP factor, made through the contracts as the account settings do. */
async function enrolledUser(): Promise<{ email: string; password: string; secret: string }> {
  const user = { email: `browser-mfa-${randomUUID()}@test.gatehouse`, password: 'browser second factor password' };
  const passwordHash = await gatehouse.server.deps.passwords.hash(user.password);
  await gatehouse.server.deps.users.create({ email: user.email, name: 'Browser Second', role: 'user', passwordHash });
  const mutate = (path: string, input: unknown, token?: string) =>
    callProcedure(gatehouse.url, path, { kind: 'mutation', input, ...(token === undefined ? {} : { headers: bearer(token) }) });
  const token = (await mutate('auth.login', user)).body.result.data.accessToken as string;
  const { secret } = (await mutate('auth.secondFactor.enrol', undefined, token)).body.result.data as { secret: string };
  expect((await mutate('auth.secondFactor.confirm', { code: await codeFor(secret) }, token)).status).toBe(200);
  nowMs += 30_000; // the confirming code's step is spent
  return { ...user, secret };
}

describe('the authorize page’s code step in Chromium', () => {
  it('asks for the code after the password: labelled, focused, a wrong one announced, the right one returns a code', async () => {
    const user = await enrolledUser();
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    // The client's callback: answered here, so the redirect that carries the code is seen without an app.
    let callback: URL | undefined;
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the client' });
    });

    const url = new URL('/oauth/authorize', gatehouse.url);
    url.search = new URLSearchParams({
      client_id: 'web',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'users:read',
      state: 'browser-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(url.toString());
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.getByLabel('Verification code', { exact: true }).waitFor();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Enter your verification code to continue to web');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    expect(await page.getByLabel('Verification code', { exact: true }).getAttribute('autocomplete')).toBe('one-time-code');
    await expect(page.getByText('The 6-digit code from your authenticator app').isVisible()).resolves.toBe(true);

    await page.getByLabel('Verification code', { exact: true }).fill(await wrongCode(user.secret));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That code is not right');
    expect(await page.getByLabel('Verification code', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');

    await page.getByLabel('Verification code', { exact: true }).fill(await codeFor(user.secret));
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    expect(callback?.searchParams.get('code')).toEqual(expect.any(String));
    expect(callback?.searchParams.get('state')).toBe('browser-state');
    const signIn = (await context.cookies(gatehouse.url)).find((cookie) => cookie.name === '__Host-gatehouse_sign_in');
    expect(signIn?.value).toMatch(/^\d+\.mfa\./);
    await context.close();
  });
});
