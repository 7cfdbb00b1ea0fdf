import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '@gatehouse/server';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { waitForAuditRecord } from './support/audit.js';
import { authorizeWithPkce } from './support/authorize-form.js';
import { dpopProof, generateDpopKey } from './support/dpop-proof.js';
import { bearer, callProcedure, login } from './support/http.js';
import { startRedisProxy, type RedisProxy } from './support/redis-proxy.js';
import { redisEnv } from './support/redis-env.js';
import { registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/*
 * What /oauth/token, /oauth/introspect and /oauth/revoke answer around the grants themselves: the request
 * that names no grant or token, the client that may not ask, the answer for each kind of token a resource
 * server introspects (claims and all), and a store that stops answering (503, never a 500).
 */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
/** A browser app's origin, allowed to keep its refresh token in Gatehouse's cookie (browser-refresh-cookie.ts). */
const APP_ORIGIN = 'http://127.0.0.1:5173';
const BILLING_SECRET = 'billing-test-secret-0123456789';
const PARTNER_SECRET = 'partner-test-secret-0123456789';
const options = { [oauth.allowInsecureRequests]: true };
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };

const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients,
    {
      clientId: 'partner',
      type: 'confidential',
      secret: PARTNER_SECRET,
      redirectUris: [REDIRECT_URI],
      scopes: ['users:read', 'orders:read'],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    },
  ],
};

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function post(baseUrl: string, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const basic = (clientId: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` });
const asBilling = basic('billing', BILLING_SECRET);
const refusedWith = (answer: Answer) => [answer.status, answer.body['error']];

describe('the OAuth endpoints on one server', () => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    gatehouse = await startGatehouse({ seed: SEED, env: { GATEHOUSE_CORS_ORIGINS: APP_ORIGIN } });
    const issuer = new URL(gatehouse.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
  });
  afterAll(() => gatehouse.close());

  const token = (form: Record<string, string>, headers: Record<string, string> = {}) => post(gatehouse.url, '/oauth/token', form, headers);
  const introspect = (tokenValue: string | undefined, headers: Record<string, string> = asBilling) =>
    post(gatehouse.url, '/oauth/introspect', tokenValue === undefined ? {} : { token: tokenValue }, headers);
  const revoke = (form: Record<string, string>, headers: Record<string, string> = {}) => post(gatehouse.url, '/oauth/revoke', form, headers);

  /** A user's tokens for `web` (or `partner`), from a real code flow, with the body of the token answer. */
  async function userTokens(user = TEST_USERS.alice, client: 'web' | 'partner' = 'web', headers: Record<string, string> = {}) {
    const { params, codeVerifier } = await authorizeWithPkce(as, { client_id: client }, { redirectUri: REDIRECT_URI, user });
    const issued = await token(
      { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier, ...(client === 'web' ? { client_id: 'web' } : {}) },
      { ...(client === 'partner' ? basic('partner', PARTNER_SECRET) : {}), ...headers },
    );
    expect(issued.status).toBe(200);
    return { accessToken: issued.body['access_token'] as string, refreshToken: issued.body['refresh_token'] as string, body: issued.body };
  }

  describe('/oauth/token', () => {
    it('refuses a request without grant_type as invalid_request, and an unknown one as unsupported_grant_type', async () => {
      const noGrant = await token({ client_id: 'web' });
      expect(refusedWith(noGrant)).toEqual([400, 'invalid_request']);
      // Only a use_dpop_nonce answer carries a DPoP-Nonce.
      expect(noGrant.headers.has('dpop-nonce')).toBe(false);
      expect(refusedWith(await token({ grant_type: 'password', username: 'alice', password: 'x' }, asBilling))).toEqual([400, 'unsupported_grant_type']);
    });

    it('answers client_credentials from a public client as 401 invalid_client with a Basic challenge: only a confidential client may ask', async () => {
      const refused = await token({ grant_type: 'client_credentials', client_id: 'web' });
      expect(refusedWith(refused)).toEqual([401, 'invalid_client']);
      expect(refused.headers.get('www-authenticate')).toContain('Basic');
      expect(refused.headers.get('cache-control')).toBe('no-store');
    });

    it('answers every grant with no-store, and a public client’s refresh without its own authentication', async () => {
      const tokens = await userTokens();
      const refreshed = await token({ grant_type: 'refresh_token', client_id: 'web', refresh_token: tokens.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(refreshed.headers.get('cache-control')).toBe('no-store');
      expect(refreshed.body['token_type']).toBe('Bearer');
    });

    it('refuses a DPoP proof made for another endpoint as invalid_dpop_proof, before issuing anything', async () => {
      const key = await generateDpopKey();
      const elsewhere = await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/introspect` });
      expect(refusedWith(await token({ grant_type: 'client_credentials' }, { ...asBilling, dpop: elsewhere }))).toEqual([400, 'invalid_dpop_proof']);
      const wrongMethod = await dpopProof(key, { htm: 'GET', htu: `${gatehouse.url}/oauth/token` });
      expect(refusedWith(await token({ grant_type: 'client_credentials' }, { ...asBilling, dpop: wrongMethod }))).toEqual([400, 'invalid_dpop_proof']);
      // The proof is checked against this server's issuer and the request's path, its query ignored.
      const right = await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` });
      const issued = await post(gatehouse.url, '/oauth/token?via=proxy', { grant_type: 'client_credentials' }, { ...asBilling, dpop: right });
      expect(issued.status).toBe(200);
      expect(issued.body['token_type']).toBe('DPoP');
      expect(decodeJwt(issued.body['access_token'] as string)['cnf']).toEqual({ jkt: key.jkt });
    });
  });

  describe('/oauth/introspect', () => {
    it('answers only a confidential client: a public one is 401 invalid_client', async () => {
      const { accessToken } = await userTokens();
      expect(refusedWith(await post(gatehouse.url, '/oauth/introspect', { client_id: 'web', token: accessToken }))).toEqual([401, 'invalid_client']);
    });

    it('refuses a request without token as invalid_request, and answers anything unknown as inactive, with no reason', async () => {
      expect(refusedWith(await introspect(undefined))).toEqual([400, 'invalid_request']);
      for (const unknown of ['not-a-token', 'eyJhbGciOiJub25lIn0.e30.', 'gh_rt_unknown']) {
        const answer = await introspect(unknown);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ active: false });
      }
    });

    it('describes a user’s access token with every claim a resource server needs, sign-in included', async () => {
      const { accessToken } = await userTokens();
      const claims = decodeJwt(accessToken);
      const answer = await introspect(accessToken);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        active: true,
        token_type: 'Bearer',
        scope: 'users:read orders:read',
        client_id: 'web',
        sub: claims.sub,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        iss: gatehouse.url,
        aud: claims.aud,
        acr: claims['acr'],
        amr: claims['amr'],
        auth_time: claims['auth_time'],
      });
    });

    it('describes a client_credentials token without sign-in claims, and a DPoP-bound one as DPoP with its cnf.jkt', async () => {
      const plain = await token({ grant_type: 'client_credentials' }, asBilling);
      const plainAnswer = await introspect(plain.body['access_token'] as string);
      expect(plainAnswer.body).toMatchObject({ active: true, token_type: 'Bearer', client_id: 'billing', sub: 'billing', scope: 'orders:read' });
      expect(plainAnswer.body).not.toHaveProperty('acr');
      expect(plainAnswer.body).not.toHaveProperty('amr');
      expect(plainAnswer.body).not.toHaveProperty('cnf');

      const key = await generateDpopKey();
      const bound = await token({ grant_type: 'client_credentials' }, { ...asBilling, dpop: await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` }) });
      const boundAnswer = await introspect(bound.body['access_token'] as string);
      expect(boundAnswer.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
      expect(boundAnswer.body['cnf']).toEqual({ jkt: key.jkt });
    });

    it('answers a revoked access token as inactive', async () => {
      const { accessToken } = await userTokens();
      expect((await revoke({ client_id: 'web', token: accessToken })).status).toBe(200);
      expect((await introspect(accessToken)).body).toEqual({ active: false });
    });

    it('describes a live refresh token with its family’s scope, client, user, expiry and sign-in; a rotated one is inactive', async () => {
      const { accessToken, refreshToken } = await userTokens();
      const claims = decodeJwt(accessToken);
      const answer = await introspect(refreshToken);
      expect(answer.body).toEqual({
        active: true,
        token_type: 'refresh_token',
        scope: 'users:read orders:read',
        client_id: 'web',
        sub: claims.sub,
        exp: expect.any(Number),
        iss: gatehouse.url,
        acr: claims['acr'],
        amr: claims['amr'],
        auth_time: claims['auth_time'],
      });
      // The family lives longer than its access token, and is measured in seconds, not milliseconds.
      const exp = answer.body['exp'] as number;
      expect(exp).toBeGreaterThan(claims.exp!);
      expect(exp).toBeLessThan(Date.now() / 1000 + 400 * 24 * 3600);
      expect((await token({ grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken })).status).toBe(200);
      expect((await introspect(refreshToken)).body).toEqual({ active: false });
      // A refresh token of the right shape that was never issued is inactive too, not an error.
      const lastCharacter = refreshToken.at(-1) === 'A' ? 'B' : 'A';
      const forged = await introspect(`${refreshToken.slice(0, -1)}${lastCharacter}`);
      expect(forged.status).toBe(200);
      expect(forged.body).toEqual({ active: false });
    });

    it('shows a public client’s DPoP-bound refresh token with the cnf.jkt of its key', async () => {
      const key = await generateDpopKey();
      const proof = await dpopProof(key, { htm: 'POST', htu: `${gatehouse.url}/oauth/token` });
      const { refreshToken } = await userTokens(TEST_USERS.alice, 'web', { dpop: proof });
      expect((await introspect(refreshToken)).body).toMatchObject({ active: true, token_type: 'refresh_token', cnf: { jkt: key.jkt } });
    });

    it('describes an API key with the scopes its owner’s role still holds, its owner and its dates; inactive once revoked', async () => {
      const owner = await registerUser(gatehouse.url);
      const session = await login(gatehouse.url, owner);
      const createdFrom = Math.floor(Date.now() / 1000);
      const created = await callProcedure(gatehouse.url, 'apiKeys.create', {
        kind: 'mutation',
        input: { name: 'reporting', scopes: ['orders:read', 'users:read'], expiresInDays: 30 },
        headers: bearer(session.accessToken),
      });
      expect(created.status).toBe(200);
      const createdUntil = Math.floor(Date.now() / 1000);
      const { key, id, expiresAt } = created.body.result.data as { key: string; id: string; expiresAt: string };
      const answer = await introspect(key);
      expect(answer.body).toEqual({
        active: true,
        token_type: 'api_key',
        scope: 'orders:read users:read',
        sub: owner.id,
        iat: expect.any(Number),
        exp: Math.floor(Date.parse(expiresAt) / 1000),
        iss: gatehouse.url,
      });
      // Seconds since the epoch, not milliseconds.
      expect(answer.body['iat']).toBeGreaterThanOrEqual(createdFrom);
      expect(answer.body['iat']).toBeLessThanOrEqual(createdUntil);
      const revoked = await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: bearer(session.accessToken) });
      expect(revoked.status).toBe(200);
      expect((await introspect(key)).body).toEqual({ active: false });
    });

    it('drops from an API key’s answer the scopes its owner lost, gives no exp to a key without expiry, and is inactive once the owner is disabled', async () => {
      const owner = await registerUser(gatehouse.url);
      const admin = await login(gatehouse.url, TEST_USERS.admin);
      const promote = (role: 'user' | 'admin') =>
        callProcedure(gatehouse.url, 'admin.users.setRole', { kind: 'mutation', input: { userId: owner.id, role }, headers: bearer(admin.accessToken) });
      expect((await promote('admin')).status).toBe(200);
      const session = await login(gatehouse.url, owner);
      const created = await callProcedure(gatehouse.url, 'apiKeys.create', {
        kind: 'mutation',
        input: { name: 'automation', scopes: ['admin', 'users:read'] },
        headers: bearer(session.accessToken),
      });
      expect(created.status).toBe(200);
      const key = created.body.result.data.key as string;
      expect((await introspect(key)).body).toMatchObject({ active: true, scope: 'admin users:read' });
      expect((await introspect(key)).body).not.toHaveProperty('exp');

      await gatehouse.server.deps.users.setRole(owner.id, 'user');
      expect((await introspect(key)).body).toMatchObject({ active: true, scope: 'users:read' });
      await gatehouse.server.deps.users.disable(owner.id);
      expect((await introspect(key)).body).toEqual({ active: false });
    });
  });

  describe('/oauth/revoke', () => {
    it('refuses a request naming no token as invalid_request', async () => {
      expect(refusedWith(await revoke({ client_id: 'web' }))).toEqual([400, 'invalid_request']);
    });

    it('answers a browser app signing out by cookie without one with an empty 200, revoking nothing', async () => {
      const signedOut = await revoke({ client_id: 'web', refresh_token_delivery: 'cookie' }, { origin: APP_ORIGIN, 'x-gatehouse-csrf': '1' });
      expect(signedOut.status).toBe(200);
      expect(signedOut.body).toEqual({});
      expect(signedOut.headers.get('cache-control')).toBe('no-store');
    });

    it('revokes a confidential client’s own access token, authenticated by Basic', async () => {
      const issued = await token({ grant_type: 'client_credentials' }, basic('partner', PARTNER_SECRET));
      const accessToken = issued.body['access_token'] as string;
      // Another confidential client cannot revoke it, and hears 200 all the same (RFC 7009 section 2.2).
      expect((await revoke({ token: accessToken }, asBilling)).status).toBe(200);
      expect((await introspect(accessToken)).body).toMatchObject({ active: true });
      expect((await revoke({ token: accessToken }, basic('partner', PARTNER_SECRET))).status).toBe(200);
      expect((await introspect(accessToken)).body).toEqual({ active: false });
      const admin = await login(gatehouse.url, TEST_USERS.admin);
      const jti = decodeJwt(accessToken).jti;
      const record = await waitForAuditRecord(gatehouse.url, admin.accessToken, 'token.revoked', (r) => r.details['jti'] === jti);
      expect(record).toMatchObject({ principal: 'client:partner', ip: '127.0.0.1', details: { kind: 'access_token', jti, clientId: 'partner' } });
      expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});

describe('the OAuth endpoints while Redis does not answer', () => {
  let gatehouse: RunningGatehouse;
  let namespace: RedisTestNamespace;
  let proxy: RedisProxy;

  beforeAll(async () => {
    [namespace, proxy] = await Promise.all([createRedisTestNamespace('oauth-endpoint-outage'), startRedisProxy()]);
    // Redis through a proxy the test can stall; a short command bound so the outage is seen quickly.
    gatehouse = await startGatehouse({ env: { ...redisEnv(namespace), REDIS_URL: proxy.url, GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '250' } });
  });
  afterAll(async () => {
    await gatehouse?.close();
    await proxy?.close();
    await namespace?.cleanup();
  });

  it('answers /oauth/token and /oauth/introspect with 503 temporarily_unavailable and Retry-After, and recovers', async () => {
    const issued = await post(gatehouse.url, '/oauth/token', { grant_type: 'client_credentials' }, asBilling);
    expect(issued.status).toBe(200);
    const accessToken = issued.body['access_token'] as string;
    proxy.setMode({ kind: 'stall' });
    let stalledToken: Answer;
    let stalledIntrospection: Answer;
    try {
      stalledToken = await post(gatehouse.url, '/oauth/token', { grant_type: 'client_credentials' }, asBilling);
      stalledIntrospection = await post(gatehouse.url, '/oauth/introspect', { token: accessToken }, asBilling);
    } finally {
      proxy.setMode({ kind: 'pass' });
    }
    for (const stalled of [stalledToken, stalledIntrospection]) {
      expect(refusedWith(stalled)).toEqual([503, 'temporarily_unavailable']);
      expect(stalled.headers.get('retry-after')).toBe('1');
    }
    expect((await post(gatehouse.url, '/oauth/introspect', { token: accessToken }, asBilling)).body).toMatchObject({ active: true });
  });
});
