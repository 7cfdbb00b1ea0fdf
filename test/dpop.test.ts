import { decodeJwt, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithPkce } from './support/authorize-form.js';
import { dpopProof, generateDpopKey, type DpopTestKey } from './support/dpop-proof.js';
import { bearer, callProcedure, type RawResponse } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/*
 * DPoP (RFC 9449) over real HTTP, each refusal path of section 4.3 and 7 with
 * proofs written by test/support/dpop-proof.ts, not by the server's code.
 * Runs on memory (e2e) and on Redis (e2e-redis: proof ids in Redis).
 */
const ALICE = { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password };
const BILLING = { clientId: 'billing', secret: 'billing-test-secret-0123456789' };

let gatehouse: RunningGatehouse;
let key: DpopTestKey;
let otherKey: DpopTestKey;

beforeAll(async () => {
  gatehouse = await startGatehouse();
  [key, otherKey] = await Promise.all([generateDpopKey(), generateDpopKey()]);
});
afterAll(() => gatehouse.close());

const url = (path: string) => `${gatehouse.url}${path}`;
const dpop = (accessToken: string, proof: string) => ({ authorization: `DPoP ${accessToken}`, dpop: proof });
const detail = (response: RawResponse) => response.body?.error?.data?.auth?.detail;

/** auth.login with a DPoP proof of `signer`: the session's tokens are bound to it. */
async function dpopLogin(signer: DpopTestKey = key) {
  const proof = await dpopProof(signer, { htm: 'POST', htu: url('/trpc/auth.login') });
  const response = await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: ALICE, headers: { dpop: proof } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.result.data as { accessToken: string; refreshToken: string; tokenType: string };
}

async function me(accessToken: string, proof: Partial<Parameters<typeof dpopProof>[1]> & { signer?: DpopTestKey } = {}) {
  const signed = await dpopProof(proof.signer ?? key, { htm: 'GET', htu: url('/trpc/users.me'), accessToken, ...proof });
  return callProcedure(gatehouse.url, 'users.me', { headers: dpop(accessToken, signed) });
}

function expectDpopRefusal(response: RawResponse, error: 'invalid_dpop_proof' | 'invalid_token', why: string) {
  expect(response.status).toBe(401);
  expect(response.body.error.data.auth.reason).toBe('invalid_token');
  expect(detail(response)).toBe(why);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge.startsWith('DPoP ')).toBe(true);
  expect(challenge).toContain(`error="${error}"`);
  expect(challenge).toContain('algs="ES256 EdDSA PS256 RS256"');
}

describe('DPoP-bound tokens from auth.login', () => {
  it('binds the session to the proof key: token_type DPoP and cnf.jkt', async () => {
    const grant = await dpopLogin();
    expect(grant.tokenType).toBe('DPoP');
    expect(decodeJwt(grant.accessToken)['cnf']).toEqual({ jkt: key.jkt });
  });

  it('answers a call with the token and a fresh proof of its key', async () => {
    const { accessToken } = await dpopLogin();
    const response = await me(accessToken);
    expect(response.status).toBe(200);
    expect(response.body.result.data.email).toBe(TEST_USERS.alice.email);
  });

  it('compares htu without its query or fragment, and after normalisation', async () => {
    const { accessToken } = await dpopLogin();
    const upper = url('/trpc/users.me').replace('http://', 'HTTP://');
    expect((await me(accessToken, { htu: `${upper}?input=%7B%7D#frag` })).status).toBe(200);
  });

  it('refuses a call without a proof', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await callProcedure(gatehouse.url, 'users.me', { headers: { authorization: `DPoP ${accessToken}` } }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a proof whose typ is not dpop+jwt', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await me(accessToken, { typ: 'JWT' }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a proof signed with an algorithm outside the allow-list', async () => {
    const { accessToken } = await dpopLogin();
    const es384 = await generateDpopKey('ES384');
    expectDpopRefusal(await me(accessToken, { signer: es384 }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a proof for another method or another URL', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await me(accessToken, { htm: 'POST' }), 'invalid_dpop_proof', 'invalid_dpop_proof');
    expectDpopRefusal(await me(accessToken, { htu: url('/trpc/users.byId') }), 'invalid_dpop_proof', 'invalid_dpop_proof');
    expectDpopRefusal(await me(accessToken, { htu: url('/trpc/users.me').replace('127.0.0.1', 'localhost') }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a stale proof and one from the future', async () => {
    const { accessToken } = await dpopLogin();
    const now = Math.floor(Date.now() / 1000);
    expectDpopRefusal(await me(accessToken, { iat: now - 120 }), 'invalid_dpop_proof', 'invalid_dpop_proof');
    expectDpopRefusal(await me(accessToken, { iat: now + 120 }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a replayed proof', async () => {
    const { accessToken } = await dpopLogin();
    const proof = await dpopProof(key, { htm: 'GET', htu: url('/trpc/users.me'), accessToken });
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: dpop(accessToken, proof) })).status).toBe(200);
    expectDpopRefusal(await callProcedure(gatehouse.url, 'users.me', { headers: dpop(accessToken, proof) }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a proof about another access token (ath)', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await me(accessToken, { ath: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'invalid_dpop_proof', 'invalid_dpop_proof');
    const signed = await dpopProof(key, { htm: 'GET', htu: url('/trpc/users.me') });
    expectDpopRefusal(await callProcedure(gatehouse.url, 'users.me', { headers: dpop(accessToken, signed) }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses a proof carrying a private key', async () => {
    const { accessToken } = await dpopLogin();
    const extractable = await generateDpopKey('ES256', { extractable: true });
    const privateJwk = await exportJWK(extractable.privateKey);
    expectDpopRefusal(await me(accessToken, { signer: extractable, jwk: privateJwk }), 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refuses the bound token presented as a Bearer token: a stolen token alone is useless', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) }), 'invalid_token', 'dpop_key_mismatch');
  });

  it('refuses the bound token with a valid proof of another key', async () => {
    const { accessToken } = await dpopLogin();
    expectDpopRefusal(await me(accessToken, { signer: otherKey }), 'invalid_token', 'dpop_key_mismatch');
  });

  it('refuses an unbound token presented with the DPoP scheme', async () => {
    const response = await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: ALICE });
    const { accessToken } = response.body.result.data;
    expectDpopRefusal(await me(accessToken), 'invalid_token', 'dpop_key_mismatch');
  });

  it('refuses a login whose proof does not hold, before checking the password', async () => {
    const proof = await dpopProof(key, { htm: 'POST', htu: url('/trpc/auth.register') });
    const response = await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: ALICE, headers: { dpop: proof } });
    expectDpopRefusal(response, 'invalid_dpop_proof', 'invalid_dpop_proof');
  });

  it('refreshes a bound session only with a proof of its key, leaving the token unspent otherwise', async () => {
    const { refreshToken } = await dpopLogin();
    const refreshWith = async (signer?: DpopTestKey) => {
      const headers = signer === undefined ? {} : { dpop: await dpopProof(signer, { htm: 'POST', htu: url('/trpc/auth.refresh') }) };
      return callProcedure(gatehouse.url, 'auth.refresh', { kind: 'mutation', input: { refreshToken }, headers });
    };
    expectDpopRefusal(await refreshWith(otherKey), 'invalid_token', 'dpop_key_mismatch');
    expectDpopRefusal(await refreshWith(undefined), 'invalid_dpop_proof', 'invalid_dpop_proof');
    const refreshed = await refreshWith(key);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.result.data.tokenType).toBe('DPoP');
    expect(decodeJwt(refreshed.body.result.data.accessToken)['cnf']).toEqual({ jkt: key.jkt });
  });
});

describe('DPoP at /oauth/token', () => {
  async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(url('/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }
  const tokenProof = (signer: DpopTestKey = key) => dpopProof(signer, { htm: 'POST', htu: url('/oauth/token') });
  const asBilling = { grant_type: 'client_credentials', client_id: BILLING.clientId, client_secret: BILLING.secret };

  it('advertises the proof algorithms in the authorization server metadata', async () => {
    const metadata = (await (await fetch(url('/.well-known/oauth-authorization-server'))).json()) as Record<string, unknown>;
    expect(metadata['dpop_signing_alg_values_supported']).toEqual(['ES256', 'EdDSA', 'PS256', 'RS256']);
  });

  it('issues a DPoP-bound client_credentials token that works only with its key', async () => {
    const issued = await tokenRequest(asBilling, { dpop: await tokenProof() });
    expect(issued.status).toBe(200);
    expect(issued.body['token_type']).toBe('DPoP');
    const accessToken = issued.body['access_token'] as string;
    expect(decodeJwt(accessToken)['cnf']).toEqual({ jkt: key.jkt });
    const call = async (signer: DpopTestKey) =>
      callProcedure(gatehouse.url, 'orders.list', {
        input: {},
        headers: dpop(accessToken, await dpopProof(signer, { htm: 'GET', htu: url('/trpc/orders.list'), accessToken })),
      });
    expect((await call(key)).status).toBe(200);
    expectDpopRefusal(await call(otherKey), 'invalid_token', 'dpop_key_mismatch');
  });

  it('answers a proof that does not hold with 400 invalid_dpop_proof', async () => {
    const wrongUrl = await dpopProof(key, { htm: 'POST', htu: url('/oauth/revoke') });
    const refused = await tokenRequest(asBilling, { dpop: wrongUrl });
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toBe('invalid_dpop_proof');
    const replayed = await tokenProof();
    expect((await tokenRequest(asBilling, { dpop: replayed })).status).toBe(200);
    expect((await tokenRequest(asBilling, { dpop: replayed })).body['error']).toBe('invalid_dpop_proof');
  });

  it('binds a public client’s refresh token to its key: another key, or none, cannot refresh it', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(gatehouse.url), await oauth.discoveryRequest(new URL(gatehouse.url), { [oauth.allowInsecureRequests]: true, algorithm: 'oauth2' }));
    const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
    const redirectUri = 'http://127.0.0.1:5173/cb';
    const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri, user: TEST_USERS.alice });
    const form = { grant_type: 'authorization_code', client_id: 'web', code: params.get('code')!, redirect_uri: redirectUri, code_verifier: codeVerifier };
    const issued = await tokenRequest(form, { dpop: await tokenProof() });
    expect(issued.status).toBe(200);
    expect(issued.body['token_type']).toBe('DPoP');
    const refresh = { grant_type: 'refresh_token', client_id: 'web', refresh_token: issued.body['refresh_token'] as string };
    const otherKeys = await tokenRequest(refresh, { dpop: await tokenProof(otherKey) });
    expect([otherKeys.status, otherKeys.body['error']]).toEqual([400, 'invalid_grant']);
    const noProof = await tokenRequest(refresh);
    expect([noProof.status, noProof.body['error']]).toEqual([400, 'invalid_dpop_proof']);
    // Both refusals left the token unspent: its holder still refreshes with its key.
    const rotated = await tokenRequest(refresh, { dpop: await tokenProof() });
    expect(rotated.status).toBe(200);
    expect(decodeJwt(rotated.body['access_token'] as string)['cnf']).toEqual({ jkt: key.jkt });
  });
});

describe('server nonces (GATEHOUSE_DPOP_NONCE=all)', () => {
  let strict: RunningGatehouse;
  beforeAll(async () => {
    strict = await startGatehouse({ env: { GATEHOUSE_DPOP_NONCE: 'all' }, seed: TEST_SEED });
  });
  afterAll(() => strict.close());

  it('asks for its nonce at /oauth/token and accepts the retry that signs it', async () => {
    const post = async (proof: string) =>
      fetch(`${strict.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: BILLING.clientId, client_secret: BILLING.secret }),
      });
    const first = await post(await dpopProof(key, { htm: 'POST', htu: `${strict.url}/oauth/token` }));
    expect(first.status).toBe(400);
    expect(((await first.json()) as Record<string, unknown>)['error']).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const retried = await post(await dpopProof(key, { htm: 'POST', htu: `${strict.url}/oauth/token`, nonce: nonce! }));
    expect(retried.status).toBe(200);
    const accessToken = ((await retried.json()) as Record<string, string>)['access_token']!;

    const call = (proof: string) => callProcedure(strict.url, 'orders.list', { input: {}, headers: dpop(accessToken, proof) });
    const htu = `${strict.url}/trpc/orders.list`;
    const refused = await call(await dpopProof(key, { htm: 'GET', htu, accessToken }));
    expectDpopRefusal(refused, 'use_dpop_nonce' as 'invalid_token', 'use_dpop_nonce');
    const resourceNonce = refused.headers.get('dpop-nonce');
    expect(resourceNonce).not.toBeNull();
    expect((await call(await dpopProof(key, { htm: 'GET', htu, accessToken, nonce: resourceNonce! }))).status).toBe(200);
    // A nonce this server never handed out is answered with a fresh one, not accepted.
    expect(detail(await call(await dpopProof(key, { htm: 'GET', htu, accessToken, nonce: 'made-up-nonce' })))).toBe('use_dpop_nonce');
  });
});
