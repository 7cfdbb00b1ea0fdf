import { createGatehouseClient, StepUpRequiredError, UnauthorizedError } from '@gatehouse/client';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStoreName, defaultStoreVariant } from './support/default-store.js';
import { authorizeWithPkce, submitAuthorizeForm } from './support/authorize-form.js';
import { bearer, callProcedure, type RawResponse } from './support/http.js';
import { authReason, type Credentials } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { createStoredUser } from './support/stored-user.js';
import type { StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';
import { totpCodeAt, wrongTotpCode } from './support/totp-codes.js';

/**
 * TOTP second factor and RFC 9470 step-up over real HTTP: enrolment, the second step of auth.login, the
 * per-user budget of codes, single-use recovery codes, and the contracts' step-up requirements refusing a
 * sign-in that is too old (admin.users.setRole) or too weak (auth.secondFactor.remove), read by the typed
 * client and by oauth4webapi. The server's clock is injected, so codes and sign-in ages are exact.
 */
describe(`second factor and step-up on the ${defaultStoreName()} store`, () => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;
  let nowMs = Date.now();

  beforeAll(async () => {
    store = defaultStoreVariant('second-factor');
    gatehouse = await startGatehouse({ env: await store.env(), now: () => nowMs });
  });
  afterAll(async () => {
    await gatehouse?.close();
    await store?.cleanup();
  });

  const mutate = (path: string, input: unknown, token?: string): Promise<RawResponse> =>
    callProcedure(gatehouse.url, path, { kind: 'mutation', input, ...(token === undefined ? {} : { headers: bearer(token) }) });

  const newUser = () => createStoredUser(gatehouse, 'mfa');

  /** The code an authenticator app shows now (by the server's clock), or `stepsLater` steps on. */
  const codeFor = (secret: string, stepsLater = 0) => totpCodeAt(secret, nowMs, stepsLater);
  const wrongCode = (secret: string) => wrongTotpCode(secret, nowMs);

  async function passwordLogin(user: Credentials): Promise<RawResponse> {
    return mutate('auth.login', { email: user.email, password: user.password });
  }

  /** A fresh user with a confirmed TOTP factor, and the password-only access token it enrolled with. */
  async function enrolledUser(): Promise<{ user: Credentials & { id: string }; secret: string; recoveryCodes: string[]; passwordToken: string }> {
    const user = await newUser();
    const passwordToken = (await passwordLogin(user)).body.result.data.accessToken as string;
    const enrolment = (await mutate('auth.secondFactor.enrol', undefined, passwordToken)).body.result.data;
    expect((await mutate('auth.secondFactor.confirm', { code: await codeFor(enrolment.secret) }, passwordToken)).status).toBe(200);
    nowMs += 30_000; // the confirming code's step is spent: sign-ins use the next one
    return { user, secret: enrolment.secret, recoveryCodes: enrolment.recoveryCodes, passwordToken };
  }

  async function challengeFor(user: Credentials): Promise<string> {
    const answer = await passwordLogin(user);
    expect(answer.status).toBe(200);
    expect(answer.body.result.data).toMatchObject({ secondFactorRequired: true, methods: ['otp', 'recovery_code'] });
    expect(answer.body.result.data.accessToken).toBeUndefined();
    return answer.body.result.data.challenge;
  }

  it('enrols TOTP: the secret, its otpauth URI and ten recovery codes once; sign-in asks for a code only after confirmation', async () => {
    const user = await newUser();
    const token = (await passwordLogin(user)).body.result.data.accessToken as string;
    const enrolment = await mutate('auth.secondFactor.enrol', undefined, token);
    expect(enrolment.status).toBe(200);
    const { secret, otpauthUri, recoveryCodes } = enrolment.body.result.data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Gatehouse:/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    // Pending: the password alone still signs in, exactly as before.
    expect((await passwordLogin(user)).body.result.data.accessToken).toEqual(expect.any(String));
    const wrong = await mutate('auth.secondFactor.confirm', { code: await wrongCode(secret) }, token);
    expect(wrong.status).toBe(400);
    expect((await mutate('auth.secondFactor.confirm', { code: await codeFor(secret) }, token)).status).toBe(200);
    // Confirmed: a second enrolment would replace the user's authenticator, so it is refused.
    expect((await mutate('auth.secondFactor.enrol', undefined, token)).status).toBe(409);
    await challengeFor(user);
  });

  it('signs in with the challenge and a TOTP code: acr mfa, amr pwd+otp, auth_time; the same code is not accepted twice', async () => {
    const { user, secret } = await enrolledUser();
    const challenge = await challengeFor(user);
    const code = await codeFor(secret);
    const signedIn = await mutate('auth.loginSecondFactor', { challenge, code });
    expect(signedIn.status).toBe(200);
    const claims = decodeJwt(signedIn.body.result.data.accessToken);
    expect(claims).toMatchObject({ sub: user.id, acr: 'mfa', amr: ['pwd', 'otp'], auth_time: Math.floor(nowMs / 1000) });

    const replayed = await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code });
    expect(replayed.status).toBe(401);
    expect(authReason(replayed)).toBe('invalid_credentials');

    // A refreshed token keeps the sign-in's acr and auth_time, however much later it is refreshed.
    nowMs += 120_000;
    const refreshed = await mutate('auth.refresh', { refreshToken: signedIn.body.result.data.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.result.data.accessToken)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: claims['auth_time'] });
  });

  it('refuses a forged or expired challenge', async () => {
    const { user, secret } = await enrolledUser();
    const challenge = await challengeFor(user);
    const forged = await mutate('auth.loginSecondFactor', { challenge: `${challenge.slice(0, -4)}AAAA`, code: await codeFor(secret) });
    expect(forged.status).toBe(401);
    expect(authReason(forged)).toBe('invalid_token');
    nowMs += 301_000;
    const expired = await mutate('auth.loginSecondFactor', { challenge, code: await codeFor(secret) });
    expect(expired.status).toBe(401);
    expect(authReason(expired)).toBe('invalid_token');
  });

  it('wrong codes spend the user’s own budget: five 401s, then 429 even for the right code, all audited', async () => {
    const { user, secret } = await enrolledUser();
    const challenge = await challengeFor(user);
    const wrong = await wrongCode(secret);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const refused = await mutate('auth.loginSecondFactor', { challenge, code: wrong });
      expect(refused.status, `attempt ${attempt}`).toBe(401);
      expect(authReason(refused)).toBe('invalid_credentials');
    }
    const blocked = await mutate('auth.loginSecondFactor', { challenge, code: await codeFor(secret) });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.data.rateLimit.policy).toBe('auth.secondFactor:user');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // A new password step does not buy new guesses: the budget is the user's, not the challenge's.
    const again = await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code: await codeFor(secret) });
    expect(again.status).toBe(429);

    const admin = (await passwordLogin(TEST_USERS.admin)).body.result.data.accessToken as string;
    const typesOf = async (type: string) => {
      const page = await callProcedure(gatehouse.url, 'admin.auditLog.list', { input: { type, principal: `user:${user.id}` }, headers: bearer(admin) });
      return page.body.result.data.items as Array<{ type: string; count?: number }>;
    };
    await expect.poll(async () => (await typesOf('second_factor.failed')).reduce((sum, record) => sum + (record.count ?? 1), 0)).toBe(5);
    await expect.poll(async () => (await typesOf('second_factor.blocked')).length).toBeGreaterThanOrEqual(1);
  });

  it('a recovery code works once in place of a TOTP code', async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const [recoveryCode] = recoveryCodes;
    const first = await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code: recoveryCode });
    expect(first.status).toBe(200);
    expect(decodeJwt(first.body.result.data.accessToken)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
    const second = await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code: recoveryCode });
    expect(second.status).toBe(401);
    expect(authReason(second)).toBe('invalid_credentials');
    // Typed in upper case and without the dash, another one still works.
    const other = recoveryCodes[1]!.toUpperCase().replace('-', '');
    expect((await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code: other })).status).toBe(200);
  });

  it('removing the factor needs a sign-in made with it (acr mfa): a password-only session gets the RFC 9470 challenge', async () => {
    const { user, secret, passwordToken } = await enrolledUser();
    const refused = await mutate('auth.secondFactor.remove', undefined, passwordToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.data.auth).toEqual({ reason: 'step_up_required', stepUp: { acrValues: ['mfa'] } });
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="A sign-in with a second factor is required", acr_values="mfa"',
    );

    const mfaToken = (await mutate('auth.loginSecondFactor', { challenge: await challengeFor(user), code: await codeFor(secret) })).body.result.data.accessToken;
    expect((await mutate('auth.secondFactor.remove', undefined, mfaToken)).status).toBe(200);
    // Gone: the password alone signs in again.
    expect((await passwordLogin(user)).body.result.data.accessToken).toEqual(expect.any(String));
  });

  it('admin.users.setRole needs a sign-in within five minutes: an older one, refreshed or not, is refused with max_age', async () => {
    const target = await newUser();
    const signedIn = (await passwordLogin(TEST_USERS.admin)).body.result.data;
    expect(decodeJwt(signedIn.accessToken)).toMatchObject({ acr: 'pwd', amr: ['pwd'] });
    expect((await mutate('admin.users.setRole', { userId: target.id, role: 'user' }, signedIn.accessToken)).status).toBe(200);

    nowMs += 301_000; // the access token (15 minutes) still holds; the sign-in is too old
    const stale = await mutate('admin.users.setRole', { userId: target.id, role: 'user' }, signedIn.accessToken);
    expect(stale.status).toBe(401);
    expect(stale.body.error.data.auth).toEqual({ reason: 'step_up_required', stepUp: { maxAge: 300 } });
    expect(stale.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age="300"',
    );
    // Read-only admin procedures declare no step-up: the same token still lists users.
    expect((await callProcedure(gatehouse.url, 'admin.users.list', { input: { limit: 1 }, headers: bearer(signedIn.accessToken) })).status).toBe(200);
    // Refreshing keeps the sign-in's time: no way around signing in again.
    const refreshed = (await mutate('auth.refresh', { refreshToken: signedIn.refreshToken })).body.result.data;
    expect(authReason(await mutate('admin.users.setRole', { userId: target.id, role: 'user' }, refreshed.accessToken))).toBe('step_up_required');
    const fresh = (await passwordLogin(TEST_USERS.admin)).body.result.data.accessToken;
    expect((await mutate('admin.users.setRole', { userId: target.id, role: 'user' }, fresh)).status).toBe(200);
  });

  it('the typed client throws StepUpRequiredError with acrValues and maxAge, still an UnauthorizedError', async () => {
    const target = await newUser();
    const adminToken = (await passwordLogin(TEST_USERS.admin)).body.result.data.accessToken;
    nowMs += 301_000;
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: adminToken });
    const result = await client.admin.users.setRole.safeMutate({ userId: target.id, role: 'user' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(StepUpRequiredError);
    expect(result.error).toBeInstanceOf(UnauthorizedError);
    if (!(result.error instanceof StepUpRequiredError)) return;
    expect(result.error.reason).toBe('step_up_required');
    expect(result.error.maxAge).toBe(300);
    expect(result.error.acrValues).toBeUndefined();

    const { passwordToken } = await enrolledUser();
    const userClient = createGatehouseClient({ url: gatehouse.url, accessToken: passwordToken });
    const removal = await userClient.auth.secondFactor.remove.mutate().catch((error: unknown) => error);
    expect(removal).toBeInstanceOf(StepUpRequiredError);
    expect((removal as StepUpRequiredError<'mfa'>).acrValues).toEqual(['mfa']);
    expect((removal as StepUpRequiredError<'mfa'>).maxAge).toBeUndefined();
  });

  it('oauth4webapi, a client not written here, reads the RFC 9470 challenge: error, acr_values and max_age', async () => {
    const adminToken = (await passwordLogin(TEST_USERS.admin)).body.result.data.accessToken;
    nowMs += 301_000;
    const challenged = await oauth
      .protectedResourceRequest(
        adminToken,
        'POST',
        new URL(`${gatehouse.url}/trpc/admin.users.setRole`),
        new Headers({ 'content-type': 'application/json' }),
        JSON.stringify({ userId: (await newUser()).id, role: 'user' }),
        { [oauth.allowInsecureRequests]: true },
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(challenged).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [bearerChallenge] = (challenged as oauth.WWWAuthenticateChallengeError).cause;
    expect(bearerChallenge?.scheme).toBe('bearer');
    expect(bearerChallenge?.parameters).toMatchObject({ realm: 'gatehouse', error: 'insufficient_user_authentication', max_age: '300' });

    const { passwordToken } = await enrolledUser();
    const removal = await oauth
      .protectedResourceRequest(
        passwordToken,
        'POST',
        new URL(`${gatehouse.url}/trpc/auth.secondFactor.remove`),
        new Headers({ 'content-type': 'application/json' }),
        '{}',
        { [oauth.allowInsecureRequests]: true },
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((removal as oauth.WWWAuthenticateChallengeError).cause[0]?.parameters).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'mfa',
    });
  });

  it('OAuth: tokens from an authorization code carry the sign-in (acr pwd, auth_time); an enrolled user is asked for a code, not signed in on the password alone', async () => {
    const options = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(gatehouse.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
    const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
    const redirectUri = 'http://127.0.0.1:5173/cb';
    const user = await newUser();
    const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri, user, scope: 'users:read' });
    const response = await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, redirectUri, codeVerifier, options);
    const tokens = await oauth.processAuthorizationCodeResponse(as, web, response);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ acr: 'pwd', amr: ['pwd'], auth_time: expect.any(Number) });

    const { user: enrolled } = await enrolledUser();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'web',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'users:read',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    // The page's second step (test/oauth-authorize-second-factor.test.ts drives it to the end): no code, no session yet.
    const asked = await submitAuthorizeForm(url, { email: enrolled.email, password: enrolled.password, decision: 'approve' });
    expect(asked.status).toBe(200);
    expect(asked.location).toBeNull();
    expect(asked.html).toContain('autocomplete="one-time-code"');
  });
});
