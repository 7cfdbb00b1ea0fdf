import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '@gatehouse/server';
import { submitAuthorizeForm } from './support/authorize-form.js';
import { bearer, callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/**
 * The OAuth interoperability points of issue 14, each as a standard client
 * (oauth4webapi) or raw HTTP would exercise them.
 */
const options = { [oauth.allowInsecureRequests]: true };
const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients,
    // A native app: loopback redirect URIs registered without a port (RFC 8252 section 7.3).
    { clientId: 'native-cli', type: 'public', redirectUris: ['http://127.0.0.1/callback', 'http://[::1]/callback'], scopes: ['users:read'] },
    { clientId: 'two-uris', type: 'public', redirectUris: ['https://app.example/cb', 'https://app.example/other'], scopes: ['users:read'] },
    { clientId: 'resource-server', type: 'confidential', secret: 'resource-server-secret-0123456789', scopes: ['users:read'] },
  ],
};
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const native: oauth.Client = { client_id: 'native-cli', token_endpoint_auth_method: 'none' };
const billing: oauth.Client = { client_id: 'billing' };
const BILLING_SECRET = 'billing-test-secret-0123456789';
const RESOURCE_SERVER_SECRET = 'resource-server-secret-0123456789';

async function discover(gatehouse: RunningGatehouse): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(gatehouse.url);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
}

/** An authorize URL with PKCE; a parameter given as undefined is left out. */
async function authorizeUrl(as: oauth.AuthorizationServer, parameters: Record<string, string | undefined>) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...parameters,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return { url, codeVerifier };
}

async function postToken(gatehouse: RunningGatehouse, form: Record<string, string>) {
  const response = await fetch(`${gatehouse.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('OAuth interoperability', () => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ seed: SEED });
    as = await discover(gatehouse);
  });
  afterAll(() => gatehouse.close());

  describe('native clients with loopback redirect URIs (RFC 8252 section 7.3)', () => {
    it.each(['http://127.0.0.1:49152/callback', 'http://[::1]:61000/callback', 'http://127.0.0.1/callback'])(
      'completes the whole flow in oauth4webapi at %s, on whatever port the app listens',
      async (redirectUri) => {
        const state = oauth.generateRandomState();
        const { url, codeVerifier } = await authorizeUrl(as, { client_id: 'native-cli', redirect_uri: redirectUri, scope: 'users:read', state });
        const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
        expect(result.status).toBe(303);
        expect(result.location!.startsWith(`${redirectUri}?`)).toBe(true);
        const params = oauth.validateAuthResponse(as, native, new URL(result.location!), state);
        const tokens = await oauth.processAuthorizationCodeResponse(
          as,
          native,
          await oauth.authorizationCodeGrantRequest(as, native, oauth.None(), params, redirectUri, codeVerifier, options),
        );
        const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(tokens.access_token) });
        expect(me.status).toBe(200);
      },
    );

    it.each([
      ['localhost, which is not a loopback IP', 'native-cli', 'http://localhost:5000/callback'],
      ['another path', 'native-cli', 'http://127.0.0.1:5000/elsewhere'],
      ['https on the loopback address', 'native-cli', 'https://127.0.0.1:5000/callback'],
      ['a non-canonical spelling of 127.0.0.1', 'native-cli', 'http://127.1:5000/callback'],
      ['a non-loopback host on another port', 'two-uris', 'https://app.example:8443/cb'],
    ])('never accepts a port change for %s', async (_label, clientId, redirectUri) => {
      const { url } = await authorizeUrl(as, { client_id: clientId, redirect_uri: redirectUri, state: 's' });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });

    it('refuses a code at the token endpoint for another port than the one it was sent to', async () => {
      const { url, codeVerifier } = await authorizeUrl(as, { client_id: 'native-cli', redirect_uri: 'http://127.0.0.1:49200/callback' });
      const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      const code = new URL(result.location!).searchParams.get('code')!;
      const exchanged = await postToken(gatehouse, {
        grant_type: 'authorization_code',
        client_id: 'native-cli',
        code,
        code_verifier: codeVerifier,
        redirect_uri: 'http://127.0.0.1:49201/callback',
      });
      expect(exchanged).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });

  describe('redirect_uri left out when exactly one is registered (RFC 6749 section 3.1.2.3)', () => {
    async function codeWithoutRedirectUri() {
      const { url, codeVerifier } = await authorizeUrl(as, { client_id: 'web', scope: 'users:read' });
      const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      expect(result.status).toBe(303);
      const callback = new URL(result.location!);
      expect(`${callback.origin}${callback.pathname}`).toBe('http://127.0.0.1:5173/cb');
      return { code: callback.searchParams.get('code')!, codeVerifier };
    }

    it('redirects to the registered URI, and the token request may leave it out too', async () => {
      const { code, codeVerifier } = await codeWithoutRedirectUri();
      const exchanged = await postToken(gatehouse, { grant_type: 'authorization_code', client_id: 'web', code, code_verifier: codeVerifier });
      expect(exchanged.status).toBe(200);
      expect(exchanged.body['token_type']).toBe('Bearer');
    });

    it('accepts the identical URI at the token endpoint, and refuses any other', async () => {
      const identical = await codeWithoutRedirectUri();
      const accepted = await postToken(gatehouse, {
        grant_type: 'authorization_code',
        client_id: 'web',
        code: identical.code,
        code_verifier: identical.codeVerifier,
        redirect_uri: 'http://127.0.0.1:5173/cb',
      });
      expect(accepted.status).toBe(200);
      const other = await codeWithoutRedirectUri();
      const refused = await postToken(gatehouse, {
        grant_type: 'authorization_code',
        client_id: 'web',
        code: other.code,
        code_verifier: other.codeVerifier,
        redirect_uri: 'http://127.0.0.1:5173/other',
      });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('requires the token request to repeat a redirect_uri the authorization request named (section 4.1.3)', async () => {
      const { url, codeVerifier } = await authorizeUrl(as, { client_id: 'web', redirect_uri: 'http://127.0.0.1:5173/cb', scope: 'users:read' });
      const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      const code = new URL(result.location!).searchParams.get('code')!;
      const refused = await postToken(gatehouse, { grant_type: 'authorization_code', client_id: 'web', code, code_verifier: codeVerifier });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('shows an error page, never a redirect, when a client with two registered URIs names none', async () => {
      const { url } = await authorizeUrl(as, { client_id: 'two-uris', state: 's' });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });
  });

  describe('state under PKCE (OAuth 2.1; RFC 9700 section 2.1.1)', () => {
    it('issues a code without state, which oauth4webapi validates with expectNoState and exchanges', async () => {
      const redirectUri = 'http://127.0.0.1:5173/cb';
      const { url, codeVerifier } = await authorizeUrl(as, { client_id: 'web', redirect_uri: redirectUri, scope: 'users:read' });
      const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      expect(result.status).toBe(303);
      expect(new URL(result.location!).searchParams.has('state')).toBe(false);
      const params = oauth.validateAuthResponse(as, web, new URL(result.location!), oauth.expectNoState);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        web,
        await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, redirectUri, codeVerifier, options),
      );
      expect(tokens.access_token).toBeTruthy();
    });

    it('still returns a state it was given, and still bounds it', async () => {
      const { url } = await authorizeUrl(as, { client_id: 'web', state: 'x'.repeat(512) });
      const result = await submitAuthorizeForm(url, { ...TEST_USERS.alice, decision: 'approve' });
      expect(new URL(result.location!).searchParams.get('state')).toBe('x'.repeat(512));
      const { url: tooLong } = await authorizeUrl(as, { client_id: 'web', state: 'x'.repeat(513) });
      const refused = await fetch(tooLong, { redirect: 'manual' });
      expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    });
  });

  describe('wrong methods on OAuth endpoints', () => {
    it.each([
      ['GET', '/oauth/token'],
      ['PUT', '/oauth/token'],
      ['GET', '/oauth/introspect'],
      ['DELETE', '/oauth/revoke'],
    ])('answers %s %s with an OAuth-shaped 405 and Allow: POST', async (method, path) => {
      const response = await fetch(`${gatehouse.url}${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.headers.get('cache-control')).toBe('no-store');
      // Every error the server writes carries the request id it logged (the edge's one error shape).
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        error_description: expect.any(String),
        requestId: response.headers.get('x-request-id'),
      });
    });

    it('answers PUT /oauth/authorize with 405 and Allow: GET, HEAD, POST', async () => {
      const response = await fetch(`${gatehouse.url}/oauth/authorize`, { method: 'PUT' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    });
  });
});

describe('OAuth budgets', () => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    gatehouse = await startGatehouse({
      seed: SEED,
      env: {
        GATEHOUSE_TRUST_PROXY: '127.0.0.1',
        GATEHOUSE_LIMIT_PUBLIC: '5/3600',
        GATEHOUSE_LIMIT_OAUTH_AUTHORIZE: '4/3600',
        GATEHOUSE_LIMIT_OAUTH_CLIENT: '30/60',
      },
    });
    as = await discover(gatehouse);
  });
  afterAll(() => gatehouse.close());

  const introspect = (client: oauth.Client, secret: string, token: string, ip: string) =>
    oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(secret), token, { ...options, headers: { 'x-forwarded-for': ip } });

  it('lets a resource server introspect on every request, far past the per-IP public budget, within its own client budget', async () => {
    const { access_token: token } = await oauth.processClientCredentialsResponse(
      as,
      billing,
      await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic(BILLING_SECRET), {}, { ...options, headers: { 'x-forwarded-for': '198.51.100.7' } }),
    );
    const resourceServer: oauth.Client = { client_id: 'resource-server' };
    const statuses: number[] = [];
    for (let call = 0; call < 30; call += 1) statuses.push((await introspect(resourceServer, RESOURCE_SERVER_SECRET, token, '198.51.100.7')).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const spent = await introspect(resourceServer, RESOURCE_SERVER_SECRET, token, '198.51.100.7');
    expect(spent.status).toBe(429);
    expect(spent.headers.get('x-ratelimit-limit')).toBe('30');
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await spent.json()).error).toBe('too_many_requests');
    // Another client behind the same address has a budget of its own.
    expect((await introspect(billing, BILLING_SECRET, token, '198.51.100.7')).status).toBe(200);
  });

  it('charges the authorize form per IP, answering a spent budget with a 429 page, and leaves other addresses alone', async () => {
    const { url } = await authorizeUrl(as, { client_id: 'web', state: 's' });
    const from = (ip: string) => fetch(url, { redirect: 'manual', headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let call = 0; call < 5; call += 1) statuses.push((await from('203.0.113.50')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const refused = await from('203.0.113.50');
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(refused.headers.get('location')).toBeNull();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await from('203.0.113.51')).status).toBe(200);
    // The token endpoint is not charged to the authorize budget of that address.
    const tokens = await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic(BILLING_SECRET), {}, { ...options, headers: { 'x-forwarded-for': '203.0.113.50' } });
    expect(tokens.status).toBe(200);
  });
});

describe('the failed client authentication budget', () => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ seed: SEED, env: { GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES: '3/60' } });
    as = await discover(gatehouse);
  });
  afterAll(() => gatehouse.close());

  const introspectAs = (secret: string) =>
    oauth.introspectionRequest(as, { client_id: 'resource-server' }, oauth.ClientSecretBasic(secret), 'not-a-token', options);

  it('never refuses concurrent correct requests, and refuses every request from an address past its failures', async () => {
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => introspectAs(RESOURCE_SERVER_SECRET)));
    expect(concurrent.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const guesses = [];
    for (let guess = 0; guess < 3; guess += 1) guesses.push((await introspectAs(`wrong-guess-${guess}`)).status);
    expect(guesses).toEqual([401, 401, 401]);
    const refused = await introspectAs(RESOURCE_SERVER_SECRET);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect((await refused.json()).error).toBe('too_many_requests');
  });
});
