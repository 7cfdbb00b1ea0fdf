import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithPkce, submitAuthorizeForm } from './support/authorize-form.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const BILLING_SECRET = 'billing-test-secret-0123456789';
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const billing: oauth.Client = { client_id: 'billing' };
const options = { [oauth.allowInsecureRequests]: true };

describe.each(projectStores())('OAuth tokens on the %s store', (storeName) => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;
  let store: StoreVariant;

  beforeAll(async () => {
    store = storeName === 'redis' ? redisVariant('oauth-tokens') : memoryVariant();
    gatehouse = await startGatehouse({ env: await store.env() });
    const issuer = new URL(gatehouse.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
  });
  afterAll(async () => {
    await gatehouse.close();
    await store.cleanup();
  });

  const authorize = (scope?: string) =>
    authorizeWithPkce(as, web, { redirectUri: REDIRECT_URI, user: TEST_USERS.alice, ...(scope === undefined ? {} : { scope }) });

  const exchange = async (params: URLSearchParams, codeVerifier: string) =>
    oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, REDIRECT_URI, codeVerifier, options);

  const introspect = async (token: string) =>
    oauth.processIntrospectionResponse(as, billing, await oauth.introspectionRequest(as, billing, oauth.ClientSecretBasic(BILLING_SECRET), token, options));

  it('exchanges the code, calls the API, refreshes, introspects and revokes: the whole life of a grant', async () => {
    const { params, codeVerifier } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, web, await exchange(params, codeVerifier));
    expect(tokens.scope).toBe('users:read orders:read');
    expect(tokens.refresh_token).toBeDefined();

    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(tokens.access_token) });
    expect(me.status).toBe(200);
    expect(me.body.result.data.email).toBe(TEST_USERS.alice.email);
    const write = await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: {}, headers: bearer(tokens.access_token) });
    expect(write.status).toBe(403);
    expect(write.body.error.data.auth.missingScopes).toEqual(['orders:write']);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      web,
      await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, options),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(refreshed.access_token) })).status).toBe(200);

    const active = await introspect(refreshed.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'web', scope: 'users:read orders:read', iss: gatehouse.url });
    expect(await introspect(refreshed.refresh_token!)).toMatchObject({ active: true, client_id: 'web', token_type: 'refresh_token' });
    expect(await introspect(tokens.refresh_token!)).toEqual({ active: false });

    const revoked = await oauth.revocationRequest(as, web, oauth.None(), refreshed.access_token, options);
    await oauth.processRevocationResponse(revoked);
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
    const after = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(refreshed.access_token) });
    expect(after.status).toBe(401);
    expect(after.body.error.data.auth.reason).toBe('revoked_token');

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, web, oauth.None(), refreshed.refresh_token!, options));
    expect(await introspect(refreshed.refresh_token!)).toEqual({ active: false });
    const spent = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), refreshed.refresh_token!, options);
    await expect(oauth.processRefreshTokenResponse(as, web, spent)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a wrong code_verifier, and the code is spent', async () => {
    const { params, codeVerifier } = await authorize();
    const wrong = await exchange(params, oauth.generateRandomCodeVerifier());
    await expect(oauth.processAuthorizationCodeResponse(as, web, wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    const late = await exchange(params, codeVerifier);
    await expect(oauth.processAuthorizationCodeResponse(as, web, late)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a reused code and revokes the tokens it issued', async () => {
    const { params, codeVerifier } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, web, await exchange(params, codeVerifier));
    const replay = await exchange(params, codeVerifier);
    await expect(oauth.processAuthorizationCodeResponse(as, web, replay)).rejects.toMatchObject({ error: 'invalid_grant' });

    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(tokens.access_token) });
    expect(me.status).toBe(401);
    expect(me.body.error.data.auth.reason).toBe('revoked_token');
    const refresh = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, options);
    await expect(oauth.processRefreshTokenResponse(as, web, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code at another redirect_uri or from another client', async () => {
    const { params, codeVerifier } = await authorize();
    const elsewhere = await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, 'http://127.0.0.1:5173/other', codeVerifier, options);
    await expect(oauth.processAuthorizationCodeResponse(as, web, elsewhere)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates OAuth refresh tokens like auth.login’s: a reused one ends the family and its access tokens', async () => {
    const { params, codeVerifier } = await authorize();
    const first = await oauth.processAuthorizationCodeResponse(as, web, await exchange(params, codeVerifier));
    const second = await oauth.processRefreshTokenResponse(as, web, await oauth.refreshTokenGrantRequest(as, web, oauth.None(), first.refresh_token!, options));

    const stolen = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), first.refresh_token!, options);
    await expect(oauth.processRefreshTokenResponse(as, web, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(second.access_token) })).status).toBe(401);
    const newest = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), second.refresh_token!, options);
    await expect(oauth.processRefreshTokenResponse(as, web, newest)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('lets no client refresh, revoke or see another client’s tokens', async () => {
    const login = await callProcedure(gatehouse.url, 'auth.login', {
      kind: 'mutation',
      input: { email: TEST_USERS.bob.email, password: TEST_USERS.bob.password },
    });
    const firstParty = login.body.result.data as { accessToken: string; refreshToken: string };
    const refresh = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), firstParty.refreshToken, options);
    await expect(oauth.processRefreshTokenResponse(as, web, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    // RFC 7009: answered 200 either way, but nothing is revoked.
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, web, oauth.None(), firstParty.accessToken, options));
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(firstParty.accessToken) })).status).toBe(200);
    expect(await introspect(firstParty.refreshToken)).toMatchObject({ active: true, client_id: 'gatehouse' });
  });

  it('requires a confidential client to introspect', async () => {
    const response = await oauth.introspectionRequest(as, web, oauth.None(), 'anything', options);
    expect(response.status).toBe(401);
    const wrongSecret = await oauth.introspectionRequest(as, billing, oauth.ClientSecretBasic('not-the-billing-secret'), 'anything', options);
    expect(wrongSecret.status).toBe(401);
    expect(await introspect('garbage.garbage.garbage')).toEqual({ active: false });
  });

  it('applies auth.login’s brute-force limits to the authorize form', async () => {
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'web',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state: oauth.generateRandomState(),
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      statuses.push((await submitAuthorizeForm(url, { email: TEST_USERS.admin.email, password: 'not-the-password', decision: 'approve' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const blocked = await submitAuthorizeForm(url, { email: TEST_USERS.admin.email, password: TEST_USERS.admin.password, decision: 'approve' });
    expect(blocked.status).toBe(429);
    expect(blocked.location).toBeNull();
  });
});
