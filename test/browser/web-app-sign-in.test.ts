import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createGatehouseClient } from '@gatehouse/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from '../support/test-seed.js';
import { buildWebApp } from './support/build-web-app.js';
import { launchChromium } from './support/launch-chromium.js';
import { serveWebApp, type ServedWebApp } from './support/serve-web-app.js';

/** Screenshots of the screens a person sees, kept as test artefacts (gitignored). */
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
/** Access tokens live this long here, so a test can outwait one. */
const ACCESS_TOKEN_TTL_SECONDS = 2;
/** Calls per user per minute: enough for Alice's sign-ins (one per test), few enough that Bob reaches a 429 quickly. */
const CALLS_PER_MINUTE = 60;

let gatehouse: RunningGatehouse;
let web: ServedWebApp;
let dist: string;
let browser: Browser;

beforeAll(async () => {
  [dist, browser] = await Promise.all([buildWebApp(), launchChromium()]);
  web = await serveWebApp(dist);
  gatehouse = await startGatehouse({
    env: {
      GATEHOUSE_CORS_ORIGINS: web.origin,
      GATEHOUSE_ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL_SECONDS),
      GATEHOUSE_LIMIT_AUTHENTICATED: `${CALLS_PER_MINUTE}/60`,
    },
    // The `web` client, registered with the address this run serves the app on.
    seed: {
      ...TEST_SEED,
      clients: TEST_SEED.clients.map((client) => (client.clientId === 'web' ? { ...client, redirectUris: [`${web.origin}/cb`] } : client)),
    },
  });
  web.setConfig({ gatehouseUrl: gatehouse.url, clientId: 'web', scope: 'users:read orders:read' });
  await rm(SCREENSHOTS, { recursive: true, force: true });
  await mkdir(SCREENSHOTS, { recursive: true });
  // Alice has an order to see (placed through the API, as any other client would).
  const alice = createGatehouseClient({ url: gatehouse.url, session: {} });
  await alice.session.login({ email: TEST_USERS.alice.email, password: TEST_USERS.alice.password });
  await alice.orders.create.mutate({
    items: [{ productId: 7, quantity: 3 }],
    shippingAddress: { line1: '12 Harbour Road', city: 'Hamburg', postalCode: '20095', country: 'DE' },
    paymentMethod: 'paypal',
  });
});

afterAll(async () => {
  await browser?.close();
  await gatehouse?.close();
  await web?.close();
  if (dist !== undefined) await rm(dist, { recursive: true, force: true });
  console.log(`browser screenshots: ${SCREENSHOTS}`);
});

/** A fresh set of cookies and storage; a wait a working page ends in milliseconds fails in seconds, not Playwright's default 30 (15: CI runs this beside every other suite). */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  return context;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

async function signInWithPassword(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto(web.origin);
  await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
  await page.waitForURL(`${gatehouse.url}/oauth/authorize?**`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${web.origin}/`);
}

/** Alice in a context of her own, signed in with her password through the authorize page, on her orders. */
async function signedInAlice(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext();
  const page = await context.newPage();
  await signInWithPassword(page, TEST_USERS.alice);
  await page.locator('#orders tbody tr').first().waitFor();
  return { context, page };
}

/** Signs out through the app and waits for its signed-out screen. */
async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with Gatehouse' }).waitFor();
}

// Each test starts from a browser context of its own (its own cookies), so any one runs alone, filtered
// or in any order.
describe('the web app in Chromium, through the authorize page', () => {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  const fresh = async () => {
    const context = await newContext();
    contexts.push(context);
    return { context, page: await context.newPage() };
  };
  const signedIn = async () => {
    const session = await signedInAlice();
    contexts.push(session.context);
    return session;
  };

  it('signs in with a password (after a wrong one, announced), consents, and shows the caller’s orders', async () => {
    const { context: alice, page } = await fresh();
    await page.goto(web.origin);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL(`${gatehouse.url}/oauth/authorize?**`);
    // Labelled fields, focus on the first one, and the scopes in plain words.
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Sign in to continue to web');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    await expect(page.getByRole('list', { name: 'web is asking to:' }).textContent()).resolves.toContain('See your orders');
    await screenshot(page, 'authorize-login');

    await page.getByLabel('Email').fill(TEST_USERS.alice.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Allow' }).click();
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toBe('Invalid email or password');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    // The email stays; focus goes where the user types next.
    expect(await page.getByLabel('Email').inputValue()).toBe(TEST_USERS.alice.email);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await screenshot(page, 'authorize-error-wrong-password');

    await page.getByLabel('Password').fill(TEST_USERS.alice.password);
    await page.keyboard.press('Enter'); // Enter submits Allow, the first button
    await page.waitForURL(`${web.origin}/`);
    await page.locator('#orders tbody tr').first().waitFor();
    await expect(page.locator('#orders').textContent()).resolves.toContain('3 item(s)');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Alice’s orders');
    await screenshot(page, 'web-app-orders');

    // The tokens are nowhere a script can read: not in storage, not in document.cookie, not in the address bar.
    const readable = await page.evaluate(() => ({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length, href: location.href }));
    expect(readable).toEqual({ cookie: '', local: 0, session: 0, href: `${web.origin}/` });
    const cookies = await alice.cookies(gatehouse.url);
    const refresh = cookies.find((cookie) => cookie.name === '__Host-gatehouse_oauth_refresh');
    const signIn = cookies.find((cookie) => cookie.name === '__Host-gatehouse_sign_in');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(signIn).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
  });

  it('refreshes through the HttpOnly cookie once the access token has expired, and the call succeeds', async () => {
    const { page } = await signedIn();
    await page.waitForTimeout(ACCESS_TOKEN_TTL_SECONDS * 1000 + 200);
    const refreshed = page.waitForResponse((response) => response.url() === `${gatehouse.url}/oauth/token` && response.request().postData()?.includes('grant_type=refresh_token') === true);
    const listed = page.waitForResponse((response) => response.url().includes('/trpc/orders.list'));
    await page.getByRole('button', { name: 'Refresh orders' }).click();
    const refresh = await refreshed;
    expect(refresh.status()).toBe(200);
    // The new refresh token went into the cookie, not into the page.
    expect(Object.keys((await refresh.json()) as object).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect((await listed).status()).toBe(200);
    expect(await page.locator('#problem').count()).toBe(0);
  });

  it('keeps the session across a reload with nothing stored in the page (one cookie refresh)', async () => {
    const { page } = await signedIn();
    await page.reload();
    await page.locator('#orders tbody tr').first().waitFor();
    await expect(page.locator('#account').textContent()).resolves.toContain(TEST_USERS.alice.email);
  });

  it('shows a 403 that names the missing scope', async () => {
    const { page } = await signedIn();
    await page.getByRole('button', { name: 'Place an order' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toContain('Not allowed to place an order');
    expect(text).toContain('orders:write');
    expect(text).toContain('Place orders for you');
    await screenshot(page, 'web-app-error-403');
  });

  it('signs out: the refresh cookie is revoked and deleted, and a reload stays signed out', async () => {
    const { context: alice, page } = await signedIn();
    const revoked = page.waitForResponse(`${gatehouse.url}/oauth/revoke`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await revoked).status()).toBe(200);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).waitFor();
    expect((await alice.cookies(gatehouse.url)).map((cookie) => cookie.name)).not.toContain('__Host-gatehouse_oauth_refresh');
    await page.reload();
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).waitFor();
  });

  it('lets a returning user approve without the password (sign-in session), focused on Allow', async () => {
    const { page } = await signedIn();
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL(`${gatehouse.url}/oauth/authorize?**`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Allow web to use your account?');
    expect(await page.getByLabel('Password').count()).toBe(0);
    await expect(page.locator('.account').textContent()).resolves.toContain(TEST_USERS.alice.email);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Allow');
    await screenshot(page, 'authorize-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${web.origin}/`);
    await page.locator('#orders tbody tr').first().waitFor();
  });

  it('tells the user they cancelled when they deny consent, and grants nothing', async () => {
    const { context: alice, page } = await signedIn();
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL(`${gatehouse.url}/oauth/authorize?**`);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${web.origin}/`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('Sign-in cancelled');
    expect((await alice.cookies(gatehouse.url)).map((cookie) => cookie.name)).not.toContain('__Host-gatehouse_oauth_refresh');
    await screenshot(page, 'web-app-error-denied');
  });

  it('asks for the password again with "Use another account" (prompt=login)', async () => {
    const { page } = await signedIn();
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL(`${gatehouse.url}/oauth/authorize?**`);
    await page.getByRole('link', { name: 'Use another account' }).click();
    await page.getByLabel('Password').waitFor();
    expect(new URL(page.url()).searchParams.get('prompt')).toBe('login');
  });
});

describe('rate limits in the web app', () => {
  it('shows a 429 with a countdown from retryAfterMs that ticks down, the button disabled meanwhile', async () => {
    const bob = await newContext();
    try {
      const page = await bob.newPage();
      await signInWithPassword(page, TEST_USERS.bob);
      await page.locator('#orders').waitFor();
      // Bob's budget is his, whichever client spends it: his own script spends the rest of the minute.
      const script = createGatehouseClient({ url: gatehouse.url, session: {}, batch: false });
      await script.session.login({ email: TEST_USERS.bob.email, password: TEST_USERS.bob.password });
      // One call at a time, so each goes out with a token the session has refreshed when due: sixty at once could
      // outlive the 2-second token on a loaded host, and each expired one spends the IP's failed-auth budget
      // (50 per 5 minutes), whose 429 would then answer the page instead of Bob's own budget.
      let limited = false;
      for (let call = 0; call <= CALLS_PER_MINUTE && !limited; call += 1) {
        const answer = await script.users.me.safeQuery();
        limited = !answer.ok && answer.error.code === 'TOO_MANY_REQUESTS';
      }
      expect(limited).toBe(true);

      const refresh = page.getByRole('button', { name: 'Refresh orders' });
      await refresh.click();
      const countdown = page.locator('#countdown');
      await countdown.waitFor();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Too many requests');
      const seconds = Number(/in (\d+) s/.exec((await countdown.textContent()) ?? '')?.[1]);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(await refresh.isDisabled()).toBe(true);
      await screenshot(page, 'web-app-error-429');
      await page.waitForFunction((before) => Number(/in (\d+) s/.exec(document.querySelector('#countdown')?.textContent ?? '')?.[1]) < before, seconds, { timeout: 3_000 });
    } finally {
      await bob.close();
    }
  });
});

describe('the authorize page against other sites', () => {
  it('cannot be framed', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      // Chromium says why it refused, on the console of the framing page.
      const refused = page.waitForEvent('console', { predicate: (message) => /frame-ancestors|X-Frame-Options/.test(message.text()) });
      const authorizeUrl = `${gatehouse.url}/oauth/authorize?client_id=web&response_type=code&redirect_uri=${encodeURIComponent(`${web.origin}/cb`)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
      // An attacker's page with no policy of its own (about:blank): only Gatehouse's headers can refuse the frame.
      await page.setContent(`<iframe id="victim" src="${authorizeUrl}"></iframe>`);
      const frame = await (await page.locator('#victim').elementHandle())?.contentFrame();
      expect(frame).toBeTruthy();
      await frame!.waitForLoadState();
      // Chromium replaced the page with its own error document: no form, nothing to click.
      expect(await frame!.locator('#email').count()).toBe(0);
      expect((await refused).text()).toMatch(/frame-ancestors 'none'|X-Frame-Options/);
    } finally {
      await context.close();
    }
  });

  it('refuses a POST of its form from another site, even with a valid CSRF token, and issues no code', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      // A genuine form, read the way an attacker's own browser could fetch one for itself.
      const authorizeUrl = `${gatehouse.url}/oauth/authorize?client_id=web&response_type=code&redirect_uri=${encodeURIComponent(`${web.origin}/cb`)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
      await page.goto(authorizeUrl);
      const fields = await page.$$eval('input[type=hidden]', (inputs) => inputs.map((input) => [(input as HTMLInputElement).name, (input as HTMLInputElement).value]));
      // Posted from a document of the web app's origin (its config.json, so the app itself need not load):
      // same site (127.0.0.1), another origin.
      await page.goto(`${web.origin}/config.json`);
      const posted = page.waitForResponse(`${gatehouse.url}/oauth/authorize`);
      await page.evaluate(
        ({ action, hidden, user }) => {
          const form = document.createElement('form');
          form.method = 'post';
          form.action = action;
          for (const [name, value] of [...hidden, ['email', user.email], ['password', user.password], ['decision', 'approve']]) {
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = name!;
            input.value = value!;
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        },
        { action: `${gatehouse.url}/oauth/authorize`, hidden: fields, user: TEST_USERS.alice },
      );
      const response = await posted;
      expect(response.status()).toBe(403);
      expect(response.headers()['location']).toBeUndefined();
      await page.waitForURL(`${gatehouse.url}/oauth/authorize`);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('sent from another site');
      await screenshot(page, 'authorize-error-cross-site-post');
      expect((await context.cookies(gatehouse.url)).map((cookie) => cookie.name)).not.toContain('__Host-gatehouse_sign_in');
    } finally {
      await context.close();
    }
  });
});
