import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '@gatehouse/server';
import { waitForAuditRecord } from './support/audit.js';
import { authorizeWithPkce, submitAuthorizeForm } from './support/authorize-form.js';
import { dpopProof, generateDpopKey } from './support/dpop-proof.js';
import { bearer, callProcedure, login } from './support/http.js';
import { registerUser, type Credentials } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/*
 * What /oauth/token checks in each grant before it issues anything (oauth/grants/*.ts), asked as a client
 * would ask: a grant type the client was not registered for, a parameter left out, a redirect_uri that does
 * not repeat the authorization request's, a user demoted or disabled between consent and redemption, a
 * confidential client that proves a DPoP key. Each refusal is checked to leave nothing spent that the
 * client could still rightly use.
 */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const PARTNER_SECRET = 'partner-test-secret-0123456789';
const options = { [oauth.allowInsecureRequests]: true };
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const adminConsole: oauth.Client = { client_id: 'admin-console', token_endpoint_auth_method: 'none' };
const codeOnly: oauth.Client = { client_id: 'code-only', token_endpoint_auth_method: 'none' };
const partner: oauth.Client = { client_id: 'partner' };

const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients,
    { clientId: 'admin-console', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['users:read', 'admin'] },
    // A public app registered for codes but not for refresh tokens.
    { clientId: 'code-only', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['users:read'], grantTypes: ['authorization_code'] },
    // A confidential web server that signs users in (RFC 6749 section 4.1 with a client secret).
    {
      clientId: 'partner',
      type: 'confidential',
      secret: PARTNER_SECRET,
      redirectUris: [REDIRECT_URI],
      scopes: ['users:read', 'orders:read'],
      grantTypes: ['authorization_code', 'refresh_token'],
    },
  ],
};

let gatehouse: RunningGatehouse;
let as: oauth.AuthorizationServer;
let rootAdmin: { accessToken: string };

beforeAll(async () => {
  gatehouse = await startGatehouse({ seed: SEED });
  const issuer = new URL(gatehouse.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
  rootAdmin = await login(gatehouse.url, TEST_USERS.admin);
});
afterAll(() => gatehouse.close());

interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** POST /oauth/token with a form as any client could send it. */
async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenAnswer> {
  const response = await fetch(`${gatehouse.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = (clientId: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` });
const refusedWith = (answer: TokenAnswer) => [answer.status, answer.body['error']];

/** A code approved by `user` for `client`, with the form the token request then sends (redirect_uri named). */
async function codeFor(client: oauth.Client, user: Credentials, scope?: string) {
  const { params, codeVerifier } = await authorizeWithPkce(as, client, { redirectUri: REDIRECT_URI, user, ...(scope === undefined ? {} : { scope }) });
  const code = params.get('code');
  if (code === null) throw new Error('no code');
  return {
    code,
    codeVerifier,
    form: { grant_type: 'authorization_code', client_id: client.client_id, code, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier },
  };
}

/** A fresh admin, promoted through the API, so demoting it touches no other test. */
async function newAdmin(): Promise<Credentials & { readonly id: string }> {
  const account = await registerUser(gatehouse.url);
  const promoted = await callProcedure(gatehouse.url, 'admin.users.setRole', {
    kind: 'mutation',
    input: { userId: account.id, role: 'admin' },
    headers: bearer(rootAdmin.accessToken),
  });
  expect(promoted.status).toBe(200);
  return account;
}

/** A role changed in the records by an operator (no session ended), as demoted-admin.test.ts does. */
async function setRoleInRecords(userId: string, role: 'user' | 'admin'): Promise<void> {
  expect((await gatehouse.server.deps.users.setRole(userId, role))?.role).toBe(role);
}

describe('the authorization_code grant', () => {
  it('refuses a client not registered for authorization_code with unauthorized_client', async () => {
    const { code, codeVerifier } = await codeFor(web, TEST_USERS.alice);
    const asBilling = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier };
    expect(refusedWith(await tokenRequest(asBilling, basic('billing', 'billing-test-secret-0123456789')))).toEqual([400, 'unauthorized_client']);
  });

  it('refuses a code this server never issued with invalid_grant', async () => {
    const form = { grant_type: 'authorization_code', client_id: 'web', code: 'never-issued', redirect_uri: REDIRECT_URI, code_verifier: oauth.generateRandomCodeVerifier() };
    expect(refusedWith(await tokenRequest(form))).toEqual([400, 'invalid_grant']);
  });

  it('refuses a code redeemed by another client, which spends it: the client it was issued to cannot use it either', async () => {
    const { form } = await codeFor(web, TEST_USERS.alice);
    expect(refusedWith(await tokenRequest({ ...form, client_id: 'code-only' }))).toEqual([400, 'invalid_grant']);
    expect(refusedWith(await tokenRequest(form))).toEqual([400, 'invalid_grant']);
  });

  it('refuses a token request without code or code_verifier as invalid_request, leaving the code unspent', async () => {
    const { form } = await codeFor(web, TEST_USERS.alice);
    const { code_verifier: _verifier, ...withoutVerifier } = form;
    expect(refusedWith(await tokenRequest(withoutVerifier))).toEqual([400, 'invalid_request']);
    const { code: _code, ...withoutCode } = form;
    expect(refusedWith(await tokenRequest(withoutCode))).toEqual([400, 'invalid_request']);
    // Nothing was redeemed: the complete request still gets its tokens.
    const issued = await tokenRequest(form);
    expect(issued.status).toBe(200);
    expect(issued.body['token_type']).toBe('Bearer');
  });

  it('accepts a code whose authorization request named no redirect_uri, exchanged with none or the registered one', async () => {
    const exchangeWithout = async (redirectUri: string | undefined) => {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: 'web',
        response_type: 'code',
        scope: 'users:read',
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      }).toString();
      const approved = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      const code = new URL(approved.location!).searchParams.get('code')!;
      const form = { grant_type: 'authorization_code', client_id: 'web', code, code_verifier: codeVerifier };
      return tokenRequest(redirectUri === undefined ? form : { ...form, redirect_uri: redirectUri });
    };
    expect((await exchangeWithout(undefined)).status).toBe(200);
    expect((await exchangeWithout(REDIRECT_URI)).status).toBe(200);
  });

  it('refuses a code whose authorization request named its redirect_uri when the token request leaves it out', async () => {
    const { form } = await codeFor(web, TEST_USERS.alice);
    const { redirect_uri: _redirectUri, ...withoutRedirectUri } = form;
    expect(refusedWith(await tokenRequest(withoutRedirectUri))).toEqual([400, 'invalid_grant']);
  });

  it('refuses with invalid_scope a code whose every consented scope the user lost before redeeming it', async () => {
    const account = await newAdmin();
    const { form } = await codeFor(adminConsole, account, 'admin');
    await setRoleInRecords(account.id, 'user');
    expect(refusedWith(await tokenRequest(form))).toEqual([400, 'invalid_scope']);
  });

  it('refuses with invalid_grant a code redeemed after its user was disabled', async () => {
    const account = await registerUser(gatehouse.url);
    const { form } = await codeFor(web, account);
    await gatehouse.server.deps.users.disable(account.id);
    expect(refusedWith(await tokenRequest(form))).toEqual([400, 'invalid_grant']);
  });

  it('records a replayed code as token.reuse_detected, naming the client and the family it revoked', async () => {
    const account = await registerUser(gatehouse.url);
    const { form } = await codeFor(web, account);
    const issued = await tokenRequest(form);
    expect(issued.status).toBe(200);
    expect(refusedWith(await tokenRequest(form))).toEqual([400, 'invalid_grant']);
    const sessionId = decodeJwt(issued.body['access_token'] as string)['sid'];
    const record = await waitForAuditRecord(gatehouse.url, rootAdmin.accessToken, 'token.reuse_detected', (r) => r.principal === `user:${account.id}`);
    expect(record.details).toEqual({ kind: 'authorization_code', clientId: 'web', familyId: sessionId });
  });

  it('binds a confidential client’s access token to its DPoP key but not its refresh token, which its secret already guards', async () => {
    const key = await generateDpopKey();
    const { form } = await codeFor(partner, TEST_USERS.alice);
    const proof = await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` });
    const issued = await tokenRequest(form, { ...basic('partner', PARTNER_SECRET), dpop: proof });
    expect(issued.status).toBe(200);
    expect(issued.body['token_type']).toBe('DPoP');
    expect(decodeJwt(issued.body['access_token'] as string)['cnf']).toEqual({ jkt: key.jkt });
    // RFC 9449 section 5: a confidential client's refresh token is not bound to the proof key.
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: issued.body['refresh_token'] as string }, basic('partner', PARTNER_SECRET));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['token_type']).toBe('Bearer');
    // Unbound, it refreshes with a proof of a key as well: then the new access token is bound to that key.
    const newKey = await generateDpopKey();
    const withProof = await tokenRequest(
      { grant_type: 'refresh_token', refresh_token: refreshed.body['refresh_token'] as string },
      { ...basic('partner', PARTNER_SECRET), dpop: await dpopProof(newKey, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` }) },
    );
    expect(withProof.status).toBe(200);
    expect(withProof.body['token_type']).toBe('DPoP');
    expect(decodeJwt(withProof.body['access_token'] as string)['cnf']).toEqual({ jkt: newKey.jkt });
  });
});

describe('the client_credentials grant', () => {
  it('refuses a confidential client not registered for client_credentials with unauthorized_client', async () => {
    expect(refusedWith(await tokenRequest({ grant_type: 'client_credentials' }, basic('partner', PARTNER_SECRET)))).toEqual([400, 'unauthorized_client']);
  });

  it('refuses a scope this server does not have as invalid_scope, not a server error', async () => {
    const asBilling = basic('billing', 'billing-test-secret-0123456789');
    expect(refusedWith(await tokenRequest({ grant_type: 'client_credentials', scope: 'orders:read teleport' }, asBilling))).toEqual([400, 'invalid_scope']);
  });
});

describe('the refresh_token grant', () => {
  /** Tokens for `client` approved by `user`, through oauth4webapi. */
  async function tokensFor(client: oauth.Client, user: Credentials, scope?: string) {
    const { form } = await codeFor(client, user, scope);
    const issued = await tokenRequest(form);
    expect(issued.status).toBe(200);
    return { accessToken: issued.body['access_token'] as string, refreshToken: issued.body['refresh_token'] as string };
  }

  it('refuses a client not registered for refresh_token with unauthorized_client', async () => {
    const { refreshToken } = await tokensFor(codeOnly, TEST_USERS.alice, 'users:read');
    expect(refusedWith(await tokenRequest({ grant_type: 'refresh_token', client_id: 'code-only', refresh_token: refreshToken }))).toEqual([
      400,
      'unauthorized_client',
    ]);
  });

  it('refuses a refresh token this server never issued with invalid_grant', async () => {
    expect(refusedWith(await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: 'never-issued' }))).toEqual([400, 'invalid_grant']);
  });

  it('refuses a refresh without refresh_token as invalid_request', async () => {
    expect(refusedWith(await tokenRequest({ grant_type: 'refresh_token', client_id: 'web' }))).toEqual([400, 'invalid_request']);
  });

  it('refuses a scope this server does not have as invalid_scope, without spending the refresh token', async () => {
    const { refreshToken } = await tokensFor(web, TEST_USERS.alice);
    const refresh = { grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken };
    expect(refusedWith(await tokenRequest({ ...refresh, scope: 'users:read teleport' }))).toEqual([400, 'invalid_scope']);
    expect((await tokenRequest(refresh)).status).toBe(200);
  });

  it('narrows the refreshed token to the scopes asked for, and keeps the grant’s when none are asked', async () => {
    const { refreshToken } = await tokensFor(web, TEST_USERS.alice, 'users:read orders:read');
    const narrowed = await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken, scope: 'orders:read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body['scope']).toBe('orders:read');
    const whole = await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: narrowed.body['refresh_token'] as string });
    expect(whole.body['scope']).toBe('users:read orders:read');
  });

  it('refuses with invalid_scope while the user holds none of the granted scopes, without spending the token', async () => {
    const account = await newAdmin();
    const { refreshToken } = await tokensFor(adminConsole, account, 'admin');
    const refresh = { grant_type: 'refresh_token', client_id: 'admin-console', refresh_token: refreshToken };
    await setRoleInRecords(account.id, 'user');
    expect(refusedWith(await tokenRequest(refresh))).toEqual([400, 'invalid_scope']);
    // Promoted back, the same refresh token still rotates: the refusal spent nothing.
    await setRoleInRecords(account.id, 'admin');
    const rotated = await tokenRequest(refresh);
    expect(rotated.status).toBe(200);
    expect(rotated.body['scope']).toBe('admin');
  });

  it('refuses with invalid_grant a refresh after the user was disabled', async () => {
    const account = await registerUser(gatehouse.url);
    const { refreshToken } = await tokensFor(web, account);
    await gatehouse.server.deps.users.disable(account.id);
    expect(refusedWith(await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken }))).toEqual([400, 'invalid_grant']);
  });

  it('answers a public client’s refresh with a proof of its key as DPoP, bound to that key', async () => {
    const key = await generateDpopKey();
    const proof = async () => ({ dpop: await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` }) });
    const { form } = await codeFor(web, TEST_USERS.alice);
    const issued = await tokenRequest(form, await proof());
    expect(issued.body['token_type']).toBe('DPoP');
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: issued.body['refresh_token'] as string }, await proof());
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['token_type']).toBe('DPoP');
    expect(decodeJwt(refreshed.body['access_token'] as string)['cnf']).toEqual({ jkt: key.jkt });
  });

  it('keeps the sign-in of the family in refreshed access tokens', async () => {
    const { accessToken, refreshToken } = await tokensFor(web, TEST_USERS.alice);
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken });
    const first = decodeJwt(accessToken);
    const next = decodeJwt(refreshed.body['access_token'] as string);
    expect(first['amr']).toEqual(['pwd']);
    expect([next['acr'], next['amr'], next['auth_time']]).toEqual([first['acr'], first['amr'], first['auth_time']]);
  });
});
