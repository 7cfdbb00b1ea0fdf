import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dpopProof, generateDpopKey, type DpopTestKey } from '../../../../test/support/dpop-proof.js';
import { createDpopNonces } from '../dpop/dpop-nonces.js';
import { createDpopVerifier } from '../dpop/dpop-verifier.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { createMemoryDpopProofStore } from '../stores/memory/memory-dpop-proof-store.js';
import { createRedisConnection } from '../stores/redis/redis-connection.js';
import { createRedisDpopProofStore } from '../stores/redis/redis-dpop-proof-store.js';
import { certificateThumbprint } from '../tokens/token-confirmation.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import { assertSenderConstrained, type CallTransport } from './assert-sender-constrained.js';

const ISSUER = 'https://auth.example.com';
const ACCESS_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
const URL_CALLED = '/trpc/users.me?input=%7B%7D';
const HTU = `${ISSUER}/trpc/users.me`;
const CERTIFICATE_SHA256 = createHash('sha256').update('the service certificate').digest('hex');

function setUp(dpopNonce: 'off' | 'token' | 'all' = 'off') {
  const dpop = createDpopVerifier({ proofs: createMemoryDpopProofStore(), nonces: createDpopNonces({ key: new Uint8Array(32).fill(4) }) });
  return { dpop, config: { issuer: ISSUER, dpopNonce: dpopNonce } };
}

const tokenBoundTo = (confirmation?: VerifiedAccessToken['confirmation']): VerifiedAccessToken => ({
  subject: 'user-1',
  clientId: 'gatehouse',
  scopes: [],
  jti: 'jti-1',
  grant: 'user',
  issuedAt: 0,
  expiresAt: 900,
  sessionId: undefined,
  ...(confirmation === undefined ? {} : { confirmation }),
});

function transportWith(proof: string | undefined, options: { url?: string; fingerprint?: string } = {}): CallTransport {
  return {
    method: 'GET',
    url: options.url ?? URL_CALLED,
    headers: proof === undefined ? {} : { dpop: proof },
    certificate: options.fingerprint === undefined ? undefined : { fingerprint: options.fingerprint },
  };
}

const proofFor = (key: DpopTestKey, options: { htu?: string; htm?: string; nonce?: string } = {}) =>
  dpopProof(key, { htm: options.htm ?? 'GET', htu: options.htu ?? HTU, accessToken: ACCESS_TOKEN, ...(options.nonce === undefined ? {} : { nonce: options.nonce }) });

async function detailOf(promise: Promise<void>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (error === undefined) return 'accepted';
  if (!(error instanceof AuthFailureError)) throw error;
  expect(error.data.reason).toBe('invalid_token');
  return error.data.detail;
}

describe('assertSenderConstrained', () => {
  it('lets an unbound Bearer token through, with or without a request to check', async () => {
    const deps = setUp();
    expect(await detailOf(assertSenderConstrained(deps, tokenBoundTo(), { scheme: 'Bearer', token: ACCESS_TOKEN }, undefined))).toBe('accepted');
    expect(await detailOf(assertSenderConstrained(deps, tokenBoundTo(), { scheme: 'Bearer', token: ACCESS_TOKEN }, transportWith(undefined)))).toBe('accepted');
  });

  it('accepts a DPoP-bound token with its key’s proof of this request, once', async () => {
    const deps = setUp();
    const key = await generateDpopKey();
    const proof = await proofFor(key);
    const token = tokenBoundTo({ jkt: key.jkt });
    expect(await detailOf(assertSenderConstrained(deps, token, { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(proof)))).toBe('accepted');
    expect(await detailOf(assertSenderConstrained(deps, token, { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(proof)))).toBe('invalid_dpop_proof');
  });

  it('refuses a DPoP-bound token sent as Bearer, and an unbound token sent as DPoP, as dpop_key_mismatch', async () => {
    const deps = setUp();
    const key = await generateDpopKey();
    expect(await detailOf(assertSenderConstrained(deps, tokenBoundTo({ jkt: key.jkt }), { scheme: 'Bearer', token: ACCESS_TOKEN }, transportWith(await proofFor(key))))).toBe(
      'dpop_key_mismatch',
    );
    expect(await detailOf(assertSenderConstrained(deps, tokenBoundTo(), { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(await proofFor(key))))).toBe('dpop_key_mismatch');
    // Refused for the claim itself, before any proof is looked at.
    expect(await detailOf(assertSenderConstrained(deps, tokenBoundTo(), { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(undefined)))).toBe('dpop_key_mismatch');
  });

  it('refuses a valid proof signed by another key than the token’s', async () => {
    const deps = setUp();
    const [bound, other] = [await generateDpopKey(), await generateDpopKey()];
    const token = tokenBoundTo({ jkt: bound.jkt });
    expect(await detailOf(assertSenderConstrained(deps, token, { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(await proofFor(other))))).toBe('dpop_key_mismatch');
  });

  it('refuses a proof of another request, a missing proof, and a call with no request to check against', async () => {
    const deps = setUp();
    const key = await generateDpopKey();
    const token = tokenBoundTo({ jkt: key.jkt });
    const presented = { scheme: 'DPoP', token: ACCESS_TOKEN } as const;
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(await proofFor(key, { htu: `${ISSUER}/trpc/orders.list` }))))).toBe('invalid_dpop_proof');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(await proofFor(key, { htm: 'POST' }))))).toBe('invalid_dpop_proof');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(undefined)))).toBe('invalid_dpop_proof');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, undefined))).toBe('invalid_dpop_proof');
    // A request target the issuer cannot be joined with into an http(s) URL.
    expect(await detailOf(assertSenderConstrained({ ...deps, config: { ...deps.config, issuer: 'not a url' } }, token, presented, transportWith(await proofFor(key))))).toBe(
      'invalid_dpop_proof',
    );
  });

  it('asks for the server’s nonce on every call only under GATEHOUSE_DPOP_NONCE=all', async () => {
    const key = await generateDpopKey();
    const token = tokenBoundTo({ jkt: key.jkt });
    const presented = { scheme: 'DPoP', token: ACCESS_TOKEN } as const;
    const all = setUp('all');
    expect(await detailOf(assertSenderConstrained(all, token, presented, transportWith(await proofFor(key))))).toBe('use_dpop_nonce');
    expect(await detailOf(assertSenderConstrained(all, token, presented, transportWith(await proofFor(key, { nonce: all.dpop.nonces.current() }))))).toBe('accepted');
    expect(await detailOf(assertSenderConstrained(setUp('token'), token, presented, transportWith(await proofFor(key))))).toBe('accepted');
  });

  it('accepts a certificate-bound token only over a connection presenting that certificate', async () => {
    const deps = setUp();
    const token = tokenBoundTo({ 'x5t#S256': certificateThumbprint(CERTIFICATE_SHA256) });
    const presented = { scheme: 'Bearer', token: ACCESS_TOKEN } as const;
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(undefined, { fingerprint: CERTIFICATE_SHA256 })))).toBe('accepted');
    const otherCertificate = createHash('sha256').update('another certificate').digest('hex');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(undefined, { fingerprint: otherCertificate })))).toBe('certificate_mismatch');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, transportWith(undefined)))).toBe('certificate_mismatch');
    expect(await detailOf(assertSenderConstrained(deps, token, presented, undefined))).toBe('certificate_mismatch');
  });
});

describe('assertSenderConstrained while the proof store is down', () => {
  // A real connection to a port where nothing listens: every store command fails at once.
  const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
  afterAll(() => down.disconnect());

  it('lets the store failure through (503), never calling a good proof invalid', async () => {
    const dpop = createDpopVerifier({ proofs: createRedisDpopProofStore(down, 'never-written:'), nonces: createDpopNonces({ key: new Uint8Array(32).fill(4) }) });
    const key = await generateDpopKey();
    const error = await assertSenderConstrained({ dpop, config: { issuer: ISSUER, dpopNonce: 'off' } }, tokenBoundTo({ jkt: key.jkt }), { scheme: 'DPoP', token: ACCESS_TOKEN }, transportWith(await proofFor(key))).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    // The store's own error, which the error formatter answers 503: the client keeps its key and retries.
    expect(error).toBeInstanceOf(StoreUnavailableError);
  });
});
