import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseSeed, type SeedInput } from '@gatehouse/server';
import { authorizeWithPkce } from './support/authorize-form.js';
import { bearer, callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const options = { [oauth.allowInsecureRequests]: true };
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const other: oauth.Client = { client_id: 'other-spa', token_endpoint_auth_method: 'none' };

const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients,
    { clientId: 'other-spa', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['users:read', 'orders:read'] },
  ],
};

let gatehouse: RunningGatehouse;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  gatehouse = await startGatehouse({ seed: SEED });
  const issuer = new URL(gatehouse.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
});
afterAll(() => gatehouse.close());

const codeFor = (client: oauth.Client, scope?: string) =>
  authorizeWithPkce(as, client, { redirectUri: REDIRECT_URI, user: TEST_USERS.bob, ...(scope === undefined ? {} : { scope }) });

describe('OAuth hardening', () => {
  it('refuses a refresh asking for scopes the grant lacks without spending the refresh token', async () => {
    const { params, codeVerifier } = await codeFor(web, 'users:read');
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      web,
      await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, REDIRECT_URI, codeVerifier, options),
    );
    const wider = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, { ...options, additionalParameters: { scope: 'users:read orders:read' } });
    await expect(oauth.processRefreshTokenResponse(as, web, wider)).rejects.toMatchObject({ error: 'invalid_scope' });
    // Not spent: the same token still rotates, and the session is alive.
    const refreshed = await oauth.processRefreshTokenResponse(as, web, await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, options));
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(refreshed.access_token) })).status).toBe(200);
  });

  it('lets only the client a code was issued to revoke its tokens by replaying it', async () => {
    const { params, codeVerifier } = await codeFor(web);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      web,
      await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, REDIRECT_URI, codeVerifier, options),
    );
    const stray = await oauth.authorizationCodeGrantRequest(as, other, oauth.None(), params, REDIRECT_URI, codeVerifier, options);
    await expect(oauth.processAuthorizationCodeResponse(as, other, stray)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(tokens.access_token) })).status).toBe(200);
  });

  it('answers HEAD on a faulty authorize request as GET does, without a body', async () => {
    const { url } = await codeFor(web);
    url.searchParams.set('code_challenge_method', 'plain');
    const get = await fetch(url, { redirect: 'manual' });
    const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
    // RFC 6749 section 4.1.2.1: the redirect URI is valid, so the error goes back to the client.
    expect(get.status).toBe(302);
    const location = new URL(get.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe(url.searchParams.get('state'));
    expect(head.status).toBe(get.status);
    expect(head.headers.get('location')).toBe(get.headers.get('location'));
    expect(await head.text()).toBe('');
  });

  it('puts failed client authentication under a per-IP budget, answered 429 with Retry-After', async () => {
    // A server of its own: spending loopback's failure budget must not refuse the other tests' requests.
    const limited = await startGatehouse({ seed: SEED, env: { GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES: '40/60' } });
    onTestFinished(() => limited.close());
    const issuer = new URL(limited.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let attempt = 0; attempt < 45 && refused === undefined; attempt += 1) {
      const response = await oauth.clientCredentialsGrantRequest(as, { client_id: 'billing' }, oauth.ClientSecretBasic('wrong-secret-guess'), {}, options);
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }
    expect(refused).toBeDefined();
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(40);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused!.headers.get('x-ratelimit-limit')).toBe('40');
    expect((await refused!.json()).error).toBe('too_many_requests');
  });
});

describe('seed', () => {
  it('refuses an OAuth client named "gatehouse", the client_id of auth.login’s tokens', () => {
    expect(() =>
      parseSeed({ clients: [{ clientId: 'gatehouse', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['users:read'] }] }),
    ).toThrow(/reserved/);
  });
});
