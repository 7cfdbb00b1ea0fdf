import type { IncomingHttpHeaders } from 'node:http';
import { TRPCError } from '@trpc/server';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { newConfidentialClient } from '../../test-support/oauth-client-store-behaviour.js';
import { createApiKeys } from '../apikeys/api-keys.js';
import { generateApiKey } from '../apikeys/key-format.js';
import { createSecurityEvents } from '../audit/security-events.js';
import { createDpopNonces } from '../dpop/dpop-nonces.js';
import { createDpopVerifier } from '../dpop/dpop-verifier.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createMetrics } from '../metrics/create-metrics.js';
import { createRefusalBudgets } from '../ratelimit/refusal-budgets.js';
import { createRequestRateLimit } from '../ratelimit/request-rate-limit.js';
import { createResponseHeaders } from '../response-headers.js';
import { createMemoryApiKeyStore } from '../stores/memory/memory-api-key-store.js';
import { createMemoryDpopProofStore } from '../stores/memory/memory-dpop-proof-store.js';
import { createMemoryOAuthClientStore } from '../stores/memory/memory-oauth-client-store.js';
import { createMemoryTokenStore } from '../stores/memory/memory-token-store.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import { createAccessTokens, FIRST_PARTY_CLIENT_ID, type AccessTokenRequest } from '../tokens/access-tokens.js';
import { createNetworkHasher } from '../tokens/network-hash.js';
import { secondFactorSignIn } from '../tokens/sign-in-authentication.js';
import { generateEphemeralSigningKeys } from '../tokens/signing-keys.js';
import { dpopProof, generateDpopKey } from '../../../../test/support/dpop-proof.js';
import { createTokenRevocation } from '../tokens/token-revocation.js';
import { createAuthenticator, readCredential } from './authenticate.js';
import { createClientDirectory } from './client-directory.js';
import { createPrincipalPresence } from './principal-presence.js';
import { createServiceDirectory } from './service-directory.js';
import { createTokenNetworkCheck } from './token-network.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthFailureError) return error.data.reason;
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return undefined;
}

describe('readCredential', () => {
  it('reads nothing from a request without credentials, or with empty headers', () => {
    expect(readCredential({})).toEqual({ type: 'none' });
    expect(readCredential({ authorization: '', 'x-api-key': '' })).toEqual({ type: 'none' });
  });

  it('reads a Bearer or DPoP token in any case of the scheme, after one space or more', () => {
    expect(readCredential({ authorization: `Bearer ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'Bearer' });
    expect(readCredential({ authorization: `bearer   ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'Bearer' });
    expect(readCredential({ authorization: `DPoP ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'DPoP' });
    expect(readCredential({ authorization: `dpop ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'DPoP' });
    // RFC 6750's b64token may end in padding.
    expect(readCredential({ authorization: 'Bearer abc==' })).toEqual({ type: 'bearer', token: 'abc==', scheme: 'Bearer' });
  });

  it('refuses a malformed Authorization header as invalid_token', () => {
    for (const authorization of [JWT, `Basic ${JWT}`, 'Bearer', `Bearer${JWT}`, `Bearer ${JWT} extra`, `x Bearer ${JWT}`, 'Bearer a=b', `Bearer ${JWT}\n`]) {
      expect(reasonOf(() => readCredential({ authorization })), authorization).toBe('invalid_token');
    }
  });

  it('reads an API key from X-API-Key, or as a Bearer token, but never as a DPoP-bound one', () => {
    const { key } = generateApiKey();
    expect(readCredential({ 'x-api-key': key })).toEqual({ type: 'api_key', key });
    // An empty Authorization header is no second credential.
    expect(readCredential({ 'x-api-key': key, authorization: '' })).toEqual({ type: 'api_key', key });
    expect(readCredential({ authorization: `Bearer ${key}` })).toEqual({ type: 'api_key', key });
    expect(reasonOf(() => readCredential({ authorization: `DPoP ${key}` }))).toBe('invalid_token');
  });

  it('joins repeated X-API-Key headers into one string that is no key', () => {
    expect(readCredential({ 'x-api-key': ['gk_a', 'gk_b'] })).toEqual({ type: 'api_key', key: 'gk_a, gk_b' });
  });

  it('refuses two credentials at once with 400, whichever header is which', () => {
    const { key } = generateApiKey();
    expect(reasonOf(() => readCredential({ 'x-api-key': key, authorization: `Bearer ${JWT}` }))).toBe('BAD_REQUEST');
    expect(reasonOf(() => readCredential({ 'x-api-key': key, authorization: `Bearer ${key}` }))).toBe('BAD_REQUEST');
  });
});

const NOW_MS = 1_800_000_000_000;
const ISSUER = 'https://auth.example.com';
const SERVICE_CERTIFICATE = 'ab'.repeat(32);

/** An authenticator over the real parts, in memory, as createDependencies wires them. */
async function authenticatorSetUp(options: { failedAuthPoints?: number } = {}) {
  const now = () => NOW_MS;
  const keys = await generateEphemeralSigningKeys();
  const networks = createNetworkHasher(new Uint8Array(32).fill(7));
  const accessTokens = createAccessTokens({ keys, issuer: ISSUER, audience: ISSUER, ttlSeconds: 900, now, networks });
  const users = createMemoryUserStore();
  const oauthClients = createMemoryOAuthClientStore();
  await oauthClients.create(newConfidentialClient({ clientId: 'billing' }));
  const clients = createClientDirectory({ store: oauthClients, now });
  const events = createSecurityEvents(pino({ level: 'silent' }));
  const metrics = createMetrics();
  const apiKeys = createApiKeys({ store: createMemoryApiKeyStore(), now });
  const services = createServiceDirectory();
  services.register({ name: 'ledger', certSha256: SERVICE_CERTIFICATE, scopes: ['orders:read'] });
  const revocation = createTokenRevocation({ store: createMemoryTokenStore({ now }), accessTokenTtlSeconds: 900, now });
  const authenticate = createAuthenticator({
    config: { issuer: ISSUER, dpopNonce: 'off' },
    accessTokens,
    services,
    revocation,
    metrics,
    principals: createPrincipalPresence({ users, clients, now }),
    tokenNetworks: createTokenNetworkCheck({ networks, events, metrics, now }),
    dpop: createDpopVerifier({ proofs: createMemoryDpopProofStore({ now }), nonces: createDpopNonces({ key: new Uint8Array(32).fill(8), now }), now }),
    apiKeys,
    users,
  });
  const user = await users.create({ email: 'ada@example.com', name: 'Ada', role: 'user', passwordHash: 'unused' });
  const issue = (request: Partial<AccessTokenRequest> = {}) =>
    accessTokens.issue({ subject: user.id, clientId: FIRST_PARTY_CLIENT_ID, scopes: ['users:read'], grant: 'user', ...request });
  const tokenFor = async (request: Partial<AccessTokenRequest> = {}) => (await issue(request)).token;
  const checksOf = async (credential: string) => (await metrics.credentialChecks.get()).values.find((value) => value.labels['credential'] === credential)?.value ?? 0;
  const refusals = createRefusalBudgets(
    { failedAuth: { points: options.failedAuthPoints ?? 50, durationSeconds: 300 }, denied: { points: 100, durationSeconds: 300 } },
    { kind: 'memory' },
    now,
  );
  /** The request facts the HTTP layer hands authenticate(), from one client IP. */
  const request = (ip = '203.0.113.9') => ({
    ip,
    requestId: 'req-1',
    rateLimit: createRequestRateLimit({ calls: [], policyForPath: () => undefined, limiterFor: () => expect.fail('no contract policy here') }),
    responseHeaders: createResponseHeaders(),
    deps: { events, rateLimits: { refusals } },
  });
  return { authenticate, user, users, apiKeys, revocation, issue, tokenFor, checksOf, request };
}

/** The tRPC code or the auth reason of a refusal, or the principal's kind. */
async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  try {
    const principal = await promise;
    return principal === undefined ? 'anonymous' : `principal: ${(principal as { kind: string }).kind}`;
  } catch (error) {
    if (error instanceof AuthFailureError) return `${error.data.reason}${error.data.detail === undefined ? '' : ` ${error.data.detail}`}`;
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const bearerHeaders = (token: string): IncomingHttpHeaders => ({ authorization: `Bearer ${token}` });

describe('createAuthenticator', () => {
  it('turns a user’s access token into the user, carrying what later checks read of the token', async () => {
    const { authenticate, user, tokenFor, checksOf, request } = await authenticatorSetUp();
    const authentication = secondFactorSignIn(NOW_MS - 5000);
    const token = await tokenFor({ sessionId: 'family-1', authentication, issuedTo: { ip: '203.0.113.9', pinned: false } });
    const principal = await authenticate(bearerHeaders(token), undefined, request());
    expect(principal).toMatchObject({
      kind: 'user',
      userId: user.id,
      scopes: ['users:read'],
      credential: { type: 'access_token', clientId: FIRST_PARTY_CLIENT_ID, expiresAt: NOW_MS / 1000 + 900, sessionId: 'family-1', network: 'same', authentication },
    });
    expect(principal?.credential.type === 'access_token' && principal.credential.jti).toMatch(/.+/);
    expect(await checksOf('bearer')).toBe(1);
  });

  it('answers anonymous for a request without credentials, and counts no check', async () => {
    const { authenticate, checksOf } = await authenticatorSetUp();
    expect(await authenticate({})).toBeUndefined();
    expect(await checksOf('bearer')).toBe(0);
  });

  it('turns a client_credentials token into the client, never a user', async () => {
    const { authenticate, tokenFor } = await authenticatorSetUp();
    const principal = await authenticate(bearerHeaders(await tokenFor({ subject: 'billing', clientId: 'billing', grant: 'client_credentials', scopes: ['orders:read'] })));
    expect(principal).toMatchObject({ kind: 'client', id: 'billing', scopes: ['orders:read'], credential: { type: 'access_token', clientId: 'billing' } });
  });

  it('turns an API key into its owner, counted as an api_key check', async () => {
    const { authenticate, user, apiKeys, checksOf } = await authenticatorSetUp();
    const issued = await apiKeys.issue({ ownerId: user.id, name: 'export', scopes: ['users:read'] });
    expect(await authenticate({ 'x-api-key': issued.key })).toMatchObject({ kind: 'user', userId: user.id, credential: { type: 'api_key', keyId: issued.record.id } });
    expect(await checksOf('api_key')).toBe(1);
    expect(await checksOf('bearer')).toBe(0);
  });

  it('turns a seeded service’s verified certificate into the service, and refuses a second credential beside it', async () => {
    const { authenticate, tokenFor } = await authenticatorSetUp();
    expect(await authenticate({}, { fingerprint: SERVICE_CERTIFICATE })).toEqual({
      kind: 'service',
      id: 'ledger',
      scopes: ['orders:read'],
      credential: { type: 'certificate', fingerprint: SERVICE_CERTIFICATE },
    });
    expect(await outcomeOf(authenticate(bearerHeaders(await tokenFor()), { fingerprint: SERVICE_CERTIFICATE }))).toBe('BAD_REQUEST');
    // Any other verified certificate is no identity: the call is judged by its other credential, or anonymous.
    expect(await outcomeOf(authenticate({}, { fingerprint: 'cd'.repeat(32) }))).toBe('anonymous');
    expect(await outcomeOf(authenticate(bearerHeaders(await tokenFor()), { fingerprint: 'cd'.repeat(32) }))).toBe('principal: user');
  });

  it('refuses a revoked token, a token of a user gone, a DPoP-bound token sent as Bearer and a pinned token from elsewhere', async () => {
    const { authenticate, user, users, revocation, issue, tokenFor, request } = await authenticatorSetUp();
    const revoked = await issue();
    await revocation.endSession({ jti: revoked.jti, expiresAt: NOW_MS / 1000 + 900, sessionId: undefined });
    expect(await outcomeOf(authenticate(bearerHeaders(revoked.token)))).toBe('revoked_token');
    const bound = await tokenFor({ confirmation: { jkt: 'A'.repeat(43) } });
    expect(await outcomeOf(authenticate(bearerHeaders(bound)))).toBe('invalid_token dpop_key_mismatch');
    const pinned = await tokenFor({ issuedTo: { ip: '203.0.113.9', pinned: true } });
    expect(await outcomeOf(authenticate(bearerHeaders(pinned), undefined, request('203.0.113.9')))).toBe('principal: user');
    expect(await outcomeOf(authenticate(bearerHeaders(pinned), undefined, request('198.51.100.7')))).toBe('invalid_token network_changed');
    const other = await users.create({ email: 'gone@example.com', name: 'G', role: 'user', passwordHash: 'unused' });
    await users.disable(other.id);
    expect(await outcomeOf(authenticate(bearerHeaders(await tokenFor({ subject: other.id }))))).toBe('invalid_token');
    expect(user.id).not.toBe(other.id);
  });

  it('checks a DPoP-bound token’s proof against the request it came with, and refuses it without one', async () => {
    const { authenticate, tokenFor } = await authenticatorSetUp();
    const key = await generateDpopKey();
    const token = await tokenFor({ confirmation: { jkt: key.jkt } });
    const headers = async () => ({ authorization: `DPoP ${token}`, dpop: await dpopProof(key, { htm: 'GET', htu: `${ISSUER}/trpc/users.me`, accessToken: token, iat: NOW_MS / 1000 }) });
    const call = { method: 'GET', url: '/trpc/users.me?input=%7B%7D' };
    expect(await outcomeOf(authenticate(await headers(), undefined, undefined, call))).toBe('principal: user');
    expect(await outcomeOf(authenticate(await headers()))).toBe('invalid_token invalid_dpop_proof');
  });

  it('charges failed credentials to the IP: past the budget a 429, before any signature is checked', async () => {
    const { authenticate, tokenFor, request } = await authenticatorSetUp({ failedAuthPoints: 1 });
    const forged = `${(await tokenFor()).slice(0, -4)}AAAA`;
    expect(await outcomeOf(authenticate(bearerHeaders(forged), undefined, request()))).toBe('invalid_token');
    // The failure that spends the budget is answered 429, and so is everything after it, a valid token too.
    expect(await outcomeOf(authenticate(bearerHeaders(forged), undefined, request()))).toBe('TOO_MANY_REQUESTS');
    expect(await outcomeOf(authenticate(bearerHeaders(await tokenFor()), undefined, request()))).toBe('TOO_MANY_REQUESTS');
    expect(await outcomeOf(authenticate({ 'x-api-key': generateApiKey().key }, undefined, request()))).toBe('TOO_MANY_REQUESTS');
    // A call that presents nothing has nothing to verify: it is not refused by a budget of failed credentials.
    expect(await outcomeOf(authenticate({}, undefined, request()))).toBe('anonymous');
  });

  it('charges only authentication failures: a malformed request is a 400 that costs no budget', async () => {
    const { authenticate, tokenFor, request } = await authenticatorSetUp({ failedAuthPoints: 1 });
    const twoCredentials = { ...bearerHeaders(await tokenFor()), 'x-api-key': generateApiKey().key };
    for (let call = 0; call < 3; call += 1) expect(await outcomeOf(authenticate(twoCredentials, undefined, request()))).toBe('BAD_REQUEST');
    expect(await outcomeOf(authenticate(bearerHeaders(await tokenFor()), undefined, request()))).toBe('principal: user');
  });
});
