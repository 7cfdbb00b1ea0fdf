import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitAuthorizeForm } from './support/authorize-form.js';
import { bearer, callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const webClient: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };

let gatehouse: RunningGatehouse;
let as: oauth.AuthorizationServer;
const options = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  gatehouse = await startGatehouse();
  const issuer = new URL(gatehouse.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
});
afterAll(() => gatehouse.close());

async function authorizeUrl(overrides: Record<string, string | undefined> = {}) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  const params: Record<string, string | undefined> = {
    client_id: 'web',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'users:read orders:read',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...overrides,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { url, codeVerifier, state };
}

describe('discovery (RFC 8414)', () => {
  it('publishes metadata oauth4webapi accepts, with S256 only and iss in responses', () => {
    expect(as.issuer).toBe(gatehouse.url);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.response_types_supported).toEqual(['code']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['users:read', 'orders:write', 'admin']));
  });

  it('publishes protected resource metadata (RFC 9728) with the contracts’ scopes', async () => {
    const response = await fetch(`${gatehouse.url}/.well-known/oauth-protected-resource`);
    const body = await response.json();
    expect(body.authorization_servers).toEqual([gatehouse.url]);
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['orders:read', 'apikeys:manage']));
  });
});

describe('authorization code with PKCE', () => {
  it('signs the user in, redirects with code, state and iss, and the code validates in oauth4webapi', async () => {
    const { url, state } = await authorizeUrl();
    const result = await submitAuthorizeForm(url, { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password, decision: 'approve' });
    expect(result.status).toBe(303);
    const callback = new URL(result.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    const params = oauth.validateAuthResponse(as, webClient, callback, state);
    expect(params.get('code')).toMatch(/^[\w-]{43}$/);
  });

  it('renders the consent form with the scopes in words, not frameable and not cacheable', async () => {
    const { url } = await authorizeUrl();
    const page = await fetch(url);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // An HTML page gets helmet's whole page policy, the document-only headers included.
    expect(page.headers.get('x-xss-protection')).toBe('0');
    expect(page.headers.get('origin-agent-cluster')).toBe('?1');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(html).toContain('See your orders');
  });

  it('redirects a denial back as access_denied with state and iss', async () => {
    const { url, state } = await authorizeUrl();
    const result = await submitAuthorizeForm(url, { email: '', password: '', decision: 'deny' });
    const callback = new URL(result.location!);
    expect(() => oauth.validateAuthResponse(as, webClient, callback, state)).toThrow(oauth.AuthorizationResponseError);
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('re-renders the form, without a code, for a wrong password', async () => {
    const { url } = await authorizeUrl();
    const result = await submitAuthorizeForm(url, { email: TEST_USERS.alice.email, password: 'wrong-password', decision: 'approve' });
    expect(result.status).toBe(200);
    expect(result.location).toBeNull();
    expect(result.html).toContain('Invalid email or password');
  });

  it('refuses a forged or tampered form (CSRF) without redirecting', async () => {
    const { url } = await authorizeUrl();
    const page = await (await fetch(url)).text();
    const form = new URLSearchParams(Object.fromEntries([...page.matchAll(/name="([^"]*)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_e, c: string) => String.fromCharCode(Number(c)))])));
    form.set('scope', 'users:read orders:read orders:write');
    form.set('email', TEST_USERS.alice.email);
    form.set('password', TEST_USERS.alice.password);
    form.set('decision', 'approve');
    const posted = await fetch(`${gatehouse.url}/oauth/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(posted.status).toBe(400);
    expect(posted.headers.get('location')).toBeNull();
  });

  it.each([
    ['plain PKCE', { code_challenge_method: 'plain' }],
    ['missing PKCE', { code_challenge: undefined, code_challenge_method: undefined }],
    ['a challenge without its method', { code_challenge_method: undefined }],
    ['response_type token', { response_type: 'token' }],
    ['an unknown scope', { scope: 'users:read everything' }],
  ])('refuses %s by redirecting back with an error', async (_label, overrides) => {
    const { url } = await authorizeUrl(overrides);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const callback = new URL(response.headers.get('location')!);
    expect(callback.searchParams.get('error')).toMatch(/^(invalid_request|unsupported_response_type|invalid_scope)$/);
    expect(callback.searchParams.get('iss')).toBe(gatehouse.url);
  });

  it.each([
    ['an unregistered redirect_uri', { redirect_uri: 'http://127.0.0.1:5173/elsewhere' }],
    ['another port of a loopback URI registered with its port', { redirect_uri: 'http://127.0.0.1:5174/cb' }],
    ['a redirect_uri differing only in path', { redirect_uri: 'http://127.0.0.1:5173/cb/../evil' }],
    ['an unknown client', { client_id: 'nobody' }],
    ['a client that may not use the code flow', { client_id: 'billing' }],
  ])('shows an error page and never redirects for %s', async (_label, overrides) => {
    const { url } = await authorizeUrl(overrides);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('client credentials', () => {
  const billing: oauth.Client = { client_id: 'billing' };

  it('issues a token that calls procedures within its scopes and is refused outside them', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic('billing-test-secret-0123456789'), {}, options);
    const tokens = await oauth.processClientCredentialsResponse(as, billing, response);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('orders:read');
    expect(tokens.refresh_token).toBeUndefined();

    const list = await callProcedure(gatehouse.url, 'orders.list', { headers: bearer(tokens.access_token) });
    expect(list.status).toBe(200);
    const denied = await callProcedure(gatehouse.url, 'users.byId', { input: { id: crypto.randomUUID() }, headers: bearer(tokens.access_token) });
    expect(denied.status).toBe(403);
    expect(denied.body.error.data.auth).toMatchObject({ reason: 'insufficient_scope', missingScopes: ['users:read'] });
    const me = await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: {}, headers: bearer(tokens.access_token) });
    expect(me.status).toBe(403);
  });

  it('accepts client_secret_post too, with no-store caching', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretPost('billing-test-secret-0123456789'), {}, options);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await oauth.processClientCredentialsResponse(as, billing, response);
  });

  it('drops scopes the client may not have, and refuses when none remain', async () => {
    const narrowed = await oauth.processClientCredentialsResponse(
      as,
      billing,
      await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic('billing-test-secret-0123456789'), { scope: 'orders:read users:read' }, options),
    );
    expect(narrowed.scope).toBe('orders:read');
    const refused = await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic('billing-test-secret-0123456789'), { scope: 'admin' }, options);
    await expect(oauth.processClientCredentialsResponse(as, billing, refused)).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a wrong secret with 401 invalid_client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, billing, oauth.ClientSecretBasic('not-the-secret-at-all'), {}, options);
    expect(response.status).toBe(401);
    expect((await response.clone().json()).error).toBe('invalid_client');
    // RFC 6749 section 5.2 asks for a Basic challenge on 401; oauth4webapi surfaces it as such.
    await expect(oauth.processClientCredentialsResponse(as, billing, response)).rejects.toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  });

  it('refuses client_credentials for a public client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, webClient, oauth.None(), {}, options);
    expect(response.status).toBe(401);
    expect((await response.clone().json()).error).toBe('invalid_client');
    await expect(oauth.processClientCredentialsResponse(as, webClient, response)).rejects.toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  });
});
