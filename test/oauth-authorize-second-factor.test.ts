import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHiddenInputs } from './support/authorize-form.js';
import { defaultStoreName, defaultStoreVariant } from './support/default-store.js';
import { bearer, callProcedure, type RawResponse } from './support/http.js';
import type { Credentials } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { createStoredUser } from './support/stored-user.js';
import type { StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';
import { totpCodeAt, wrongTotpCode } from './support/totp-codes.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const SESSION_COOKIE = '__Host-gatehouse_sign_in';
const insecure = { [oauth.allowInsecureRequests]: true };

interface Page {
  readonly status: number;
  readonly location: string | null;
  readonly retryAfter: string | null;
  /** The sign-in session cookie this answer set, as a `cookie` header value ('' when it cleared or set none). */
  readonly sessionCookie: string | undefined;
  readonly html: string;
}

/**
 * The authorize page's second step over real HTTP, driven as a browser does (hidden inputs posted back, the
 * sign-in cookie carried by hand) and finished by oauth4webapi: a user with a TOTP factor gives the password
 * and then a code, and the code's tokens carry acr mfa; acr_values=mfa is honoured for every user; a
 * password-only sign-in session is stepped up with the code alone; wrong codes spend the per-user budget that
 * auth.loginSecondFactor spends; max_age and prompt=none still hold. The server's clock is injected.
 */
describe(`the authorize page's second factor on the ${defaultStoreName()} store`, () => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;
  let as: oauth.AuthorizationServer;
  const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
  let nowMs = Date.now();

  beforeAll(async () => {
    store = defaultStoreVariant('authorize-second-factor');
    gatehouse = await startGatehouse({ env: await store.env(), now: () => nowMs });
    const issuer = new URL(gatehouse.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
  });
  afterAll(async () => {
    await gatehouse?.close();
    await store?.cleanup();
  });

  const mutate = (path: string, input: unknown, token?: string): Promise<RawResponse> =>
    callProcedure(gatehouse.url, path, { kind: 'mutation', input, ...(token === undefined ? {} : { headers: bearer(token) }) });

  const newUser = () => createStoredUser(gatehouse, 'authorize-mfa');

  const codeFor = (secret: string) => totpCodeAt(secret, nowMs);
  const wrongCode = (secret: string) => wrongTotpCode(secret, nowMs);

  /** Confirms a TOTP factor for a user through the contracts, as the account settings do. */
  async function enrol(user: Credentials): Promise<{ secret: string; recoveryCodes: string[] }> {
    const token = (await mutate('auth.login', { email: user.email, password: user.password })).body.result.data.accessToken as string;
    const enrolment = (await mutate('auth.secondFactor.enrol', undefined, token)).body.result.data;
    expect((await mutate('auth.secondFactor.confirm', { code: await codeFor(enrolment.secret) }, token)).status).toBe(200);
    nowMs += 30_000; // the confirming code's step is spent: sign-ins use the next one
    return { secret: enrolment.secret, recoveryCodes: enrolment.recoveryCodes };
  }

  /** An authorization request with PKCE and state, and what the exchange will need. */
  async function authorizationRequest(extra: Record<string, string> = {}) {
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'web',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'users:read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return { url, state, codeVerifier };
  }

  async function read(response: Response): Promise<Page> {
    const set = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    return {
      status: response.status,
      location: response.headers.get('location'),
      retryAfter: response.headers.get('retry-after'),
      sessionCookie: set?.split(';')[0],
      html: await response.text(),
    };
  }

  const get = async (url: URL, cookie?: string) => read(await fetch(url, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } }));

  /** Posts a page's form back: its hidden inputs (CSRF token included) plus what the user typed or chose. */
  const submit = async (page: Page, typed: Record<string, string>, cookie?: string) =>
    read(
      await fetch(new URL('/oauth/authorize', gatehouse.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie === undefined ? {} : { cookie }) },
        body: new URLSearchParams({ ...readHiddenInputs(page.html), decision: 'approve', ...typed }),
      }),
    );

  const isCodePage = (page: Page) => page.status === 200 && page.html.includes('<input id="code"') && !page.html.includes('type="password"');

  /** The callback validated by oauth4webapi (state, iss) and exchanged with the verifier: the access token's claims. */
  async function redeem(location: string | null, request: { state: string; codeVerifier: string }) {
    expect(location).not.toBeNull();
    const params = oauth.validateAuthResponse(as, web, new URL(location!), request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, REDIRECT_URI, request.codeVerifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, web, response);
    return decodeJwt(tokens.access_token);
  }

  function redirectError(location: string | null): URLSearchParams {
    expect(location).not.toBeNull();
    const params = new URL(location!).searchParams;
    expect(params.get('code')).toBeNull();
    return params;
  }

  it('asks an enrolled user for a code after the password, labelled and focused, and the code’s tokens carry acr mfa, amr pwd+otp', async () => {
    const user = await newUser();
    const { secret } = await enrol(user);
    const request = await authorizationRequest();

    const codePage = await submit(await get(request.url), { email: user.email, password: user.password });
    expect(isCodePage(codePage)).toBe(true);
    expect(codePage.sessionCookie).toBeUndefined(); // the password alone starts no sign-in session for this user
    expect(codePage.html).toContain('<label for="code">Verification code</label>');
    expect(codePage.html).toMatch(/<input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code"[^>]* required autofocus aria-describedby="code-hint">/);
    expect(readHiddenInputs(codePage.html)).toMatchObject({ signed_in_as: user.id, password_checked_at: String(Math.floor(nowMs / 1000)), csrf_token: expect.any(String) });

    const approved = await submit(codePage, { code: await codeFor(secret) });
    expect(approved.status).toBe(303);
    expect(approved.sessionCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.mfa\\.`));
    const claims = await redeem(approved.location, request);
    expect(claims).toMatchObject({ sub: user.id, acr: 'mfa', amr: ['pwd', 'otp'], auth_time: Math.floor(nowMs / 1000) });

    // The mfa session satisfies a later acr_values=mfa: consent only, no password, no code.
    const again = await get((await authorizationRequest({ acr_values: 'mfa' })).url, approved.sessionCookie);
    expect(again.status).toBe(200);
    expect(again.html).toContain('Allow <strong>web</strong> to use your account?');
  });

  it('asks again, without spending the budget, for a code form sent back empty or with what no authenticator shows', async () => {
    const user = await newUser();
    const { secret } = await enrol(user);
    const request = await authorizationRequest();
    const codePage = await submit(await get(request.url), { email: user.email, password: user.password });

    const empty = await submit(codePage, {});
    expect(isCodePage(empty)).toBe(true);
    expect(empty.html).not.toContain('role="alert"');

    // More malformed codes (shorter than 6 or longer than 32 characters, the contract's code schema) than
    // GATEHOUSE_SECOND_FACTOR_LIMIT allows wrong ones: none can be right, so none is counted.
    let page = empty;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      page = await submit(page, { code: attempt % 2 === 0 ? '123' : '1'.repeat(33) });
      expect(page.status).toBe(400);
      expect(page.html).toContain('role="alert"');
      expect(page.html).toContain('Enter the 6-digit code from your authenticator app or a recovery code.');
    }
    const approved = await submit(page, { code: await codeFor(secret) });
    expect(approved.status).toBe(303);
    expect(await redeem(approved.location, request)).toMatchObject({ sub: user.id, acr: 'mfa' });
  });

  it('refuses a wrong code on the page (announced, the field marked invalid) and counts it: past the budget a 429, shared with auth.loginSecondFactor', async () => {
    const user = await newUser();
    const { secret } = await enrol(user);
    const request = await authorizationRequest();
    let page = await submit(await get(request.url), { email: user.email, password: user.password });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      page = await submit(page, { code: await wrongCode(secret) });
      expect(page.status).toBe(200);
      expect(page.location).toBeNull();
      expect(isCodePage(page)).toBe(true);
      expect(page.html).toContain('<p class="error" role="alert" id="form-error">');
      expect(page.html).toContain('aria-describedby="form-error code-hint" aria-invalid="true"');
    }
    // GATEHOUSE_SECOND_FACTOR_LIMIT (5 per 15 minutes): the right code is not even compared now.
    const blocked = await submit(page, { code: await codeFor(secret) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    expect(blocked.location).toBeNull();
    expect(blocked.html).toContain('role="alert"');

    // The same per-user budget as auth.login's second step: spending it here blocks that door too.
    const challenge = (await mutate('auth.login', { email: user.email, password: user.password })).body.result.data.challenge as string;
    expect((await mutate('auth.loginSecondFactor', { challenge, code: await codeFor(secret) })).status).toBe(429);

    // Audited as auth.loginSecondFactor's are: five failures, then the block, under the user's principal.
    const admin = (await mutate('auth.login', { email: TEST_USERS.admin.email, password: TEST_USERS.admin.password })).body.result.data.accessToken as string;
    const typesOf = async (type: string) => {
      const page = await callProcedure(gatehouse.url, 'admin.auditLog.list', { input: { type, principal: `user:${user.id}` }, headers: bearer(admin) });
      return page.body.result.data.items as Array<{ type: string; count?: number }>;
    };
    await expect.poll(async () => (await typesOf('second_factor.failed')).reduce((sum, record) => sum + (record.count ?? 1), 0)).toBe(5);
    await expect.poll(async () => (await typesOf('second_factor.blocked')).length).toBeGreaterThanOrEqual(1);
  });

  it('advertises the acr values the authorize endpoint honours', () => {
    expect(as.acr_values_supported).toEqual(['pwd', 'mfa']);
  });

  it('reads acr_values as the other parameters: over 256 characters or with control characters it is invalid_request, unknown values are ignored', async () => {
    for (const acrValues of [`mfa ${'x'.repeat(256)}`, 'mfa\u0007']) {
      const refused = await get((await authorizationRequest({ acr_values: acrValues })).url);
      expect(redirectError(refused.location).get('error')).toBe('invalid_request');
      expect(refused.location).not.toContain('xxxxxxxxxx');
    }
    const user = await newUser();
    const request = await authorizationRequest({ acr_values: 'urn:example:gold pwd' });
    const signedIn = await submit(await get(request.url), { email: user.email, password: user.password });
    expect(await redeem(signedIn.location, request)).toMatchObject({ acr: 'pwd' });
  });

  it('answers acr_values=mfa for an account without a second factor with access_denied (state and iss kept), after the password or from a session', async () => {
    const user = await newUser();
    const request = await authorizationRequest({ acr_values: 'mfa' });
    const refused = await submit(await get(request.url), { email: user.email, password: user.password });
    expect(refused.status).toBe(303);
    const params = redirectError(refused.location);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toContain('second factor');
    expect(params.get('state')).toBe(request.state);
    expect(params.get('iss')).toBe(as.issuer);

    // A password-only session of that user, then the same request: refused without showing a page.
    const plain = await authorizationRequest();
    const signedIn = await submit(await get(plain.url), { email: user.email, password: user.password });
    expect(await redeem(signedIn.location, plain)).toMatchObject({ acr: 'pwd', amr: ['pwd'] });
    const fromSession = await get((await authorizationRequest({ acr_values: 'mfa' })).url, signedIn.sessionCookie);
    expect(fromSession.status).toBe(302);
    expect(redirectError(fromSession.location).get('error')).toBe('access_denied');
  });

  it('steps up a password-only sign-in session with the code alone, replacing the session; prompt=none says login_required until then', async () => {
    const user = await newUser();
    const plain = await authorizationRequest();
    const signedIn = await submit(await get(plain.url), { email: user.email, password: user.password });
    expect(await redeem(signedIn.location, plain)).toMatchObject({ acr: 'pwd' });
    const pwdSession = signedIn.sessionCookie!;
    expect(pwdSession).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.pwd\\.`));
    const { secret } = await enrol(user);

    const silent = await get((await authorizationRequest({ prompt: 'none', acr_values: 'mfa' })).url, pwdSession);
    expect(redirectError(silent.location).get('error')).toBe('login_required');

    const request = await authorizationRequest({ acr_values: 'mfa' });
    const codePage = await get(request.url, pwdSession);
    expect(isCodePage(codePage)).toBe(true);
    expect(readHiddenInputs(codePage.html)).not.toHaveProperty('password_checked_at'); // the session is the password's proof
    const approved = await submit(codePage, { code: await codeFor(secret) }, pwdSession);
    expect(approved.status).toBe(303);
    expect(approved.sessionCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.mfa\\.`));
    expect(await redeem(approved.location, request)).toMatchObject({ sub: user.id, acr: 'mfa', amr: ['pwd', 'otp'], auth_time: Math.floor(nowMs / 1000) });

    // The weaker session ended with the step-up: its cookie now shows the password form.
    expect((await get((await authorizationRequest()).url, pwdSession)).html).toContain('type="password"');
    // Without acr_values the user's factor still asks for the code of a pwd session: never a password alone.
    nowMs += 30_000;
    const other = await newUser();
    const otherPlain = await authorizationRequest();
    const otherSession = (await submit(await get(otherPlain.url), { email: other.email, password: other.password })).sessionCookie!;
    await enrol(other);
    expect(isCodePage(await get((await authorizationRequest()).url, otherSession))).toBe(true);
  });

  it('keeps max_age: an mfa session older than max_age asks for the password and then the code again', async () => {
    const user = await newUser();
    const { secret } = await enrol(user);
    const first = await authorizationRequest();
    const codePage = await submit(await get(first.url), { email: user.email, password: user.password });
    const mfaSession = (await submit(codePage, { code: await codeFor(secret) })).sessionCookie!;

    nowMs += 120_000;
    expect((await get((await authorizationRequest({ max_age: '300', acr_values: 'mfa' })).url, mfaSession)).html).toContain('Allow <strong>web</strong>');
    const request = await authorizationRequest({ max_age: '60', acr_values: 'mfa' });
    const signInPage = await get(request.url, mfaSession);
    expect(signInPage.html).toContain('type="password"');
    const again = await submit(signInPage, { email: user.email, password: user.password }, mfaSession);
    expect(isCodePage(again)).toBe(true);
    const approved = await submit(again, { code: await codeFor(secret) }, mfaSession);
    expect(await redeem(approved.location, request)).toMatchObject({ acr: 'mfa', auth_time: Math.floor(nowMs / 1000) });
    // max_age=0 (a fresh login) works through the code form too: the password's proof is the form, not the session.
    nowMs += 30_000;
    const fresh = await authorizationRequest({ max_age: '0' });
    const freshCode = await submit(await get(fresh.url, approved.sessionCookie), { email: user.email, password: user.password }, approved.sessionCookie);
    expect(isCodePage(freshCode)).toBe(true);
    expect((await submit(freshCode, { code: await codeFor(secret) }, approved.sessionCookie)).status).toBe(303);
  });

  it('lets the password stand five minutes on the code form, and refuses a form whose password time was altered', async () => {
    const user = await newUser();
    const { secret, recoveryCodes } = await enrol(user);
    const request = await authorizationRequest();
    const codePage = await submit(await get(request.url), { email: user.email, password: user.password });

    const forged = { ...readHiddenInputs(codePage.html), password_checked_at: String(Math.floor(nowMs / 1000) + 3600) };
    const tampered = await read(
      await fetch(new URL('/oauth/authorize', gatehouse.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...forged, decision: 'approve', code: await codeFor(secret) }),
      }),
    );
    expect(tampered.status).toBe(400);

    nowMs += 301_000;
    const late = await submit(codePage, { code: await codeFor(secret) });
    expect(late.status).toBe(200);
    expect(late.html).toContain('type="password"');
    expect(late.html).toContain('role="alert"');

    // A recovery code is a second factor too (amr otp), once.
    const retry = await submit(await get(request.url), { email: user.email, password: user.password });
    const approved = await submit(retry, { code: recoveryCodes[0]! });
    expect(await redeem(approved.location, request)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
  });
});
