import { TRPCError } from '@trpc/server';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dpopProof, generateDpopKey } from '../../../../test/support/dpop-proof.js';
import { createDpopNonces } from '../dpop/dpop-nonces.js';
import { createDpopVerifier } from '../dpop/dpop-verifier.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { createMemoryDpopProofStore } from '../stores/memory/memory-dpop-proof-store.js';
import { createRedisConnection } from '../stores/redis/redis-connection.js';
import { createRedisDpopProofStore } from '../stores/redis/redis-dpop-proof-store.js';
import { provenSessionKey, type SessionRequest } from './session-dpop-key.js';

const ISSUER = 'https://auth.example.com';
const LOGIN = { method: 'POST', url: '/trpc/auth.login' };

/** The verifier whole (its nonces too), which SessionRequest['deps'] narrows to `verify`. */
function deps(dpopNonce: 'off' | 'token' | 'all' = 'off') {
  return {
    config: { issuer: ISSUER, dpopNonce },
    dpop: createDpopVerifier({ proofs: createMemoryDpopProofStore(), nonces: createDpopNonces({ key: new Uint8Array(32).fill(6) }) }),
  };
}

/** The 401's detail, or the key proven. */
async function outcome(request: SessionRequest): Promise<string | undefined> {
  try {
    return await provenSessionKey(request);
  } catch (error) {
    if (!(error instanceof TRPCError) || !(error.cause instanceof AuthFailureError)) throw error;
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.cause.data.reason).toBe('invalid_token');
    return `refused: ${error.cause.data.detail ?? ''}`;
  }
}

describe('provenSessionKey', () => {
  it('proves nothing without a DPoP header: the session gets Bearer tokens', async () => {
    expect(await outcome({ headers: {}, transport: LOGIN, deps: deps() })).toBeUndefined();
  });

  it('returns the thumbprint of the key that signed a proof of this request', async () => {
    const key = await generateDpopKey();
    const proof = await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.login` });
    expect(await outcome({ headers: { dpop: proof }, transport: { ...LOGIN, url: '/trpc/auth.login?batch=1' }, deps: deps() })).toBe(key.jkt);
  });

  it('refuses a proof of another request, or one with no request to check it against, before any password is read', async () => {
    const key = await generateDpopKey();
    const elsewhere = await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.refresh` });
    expect(await outcome({ headers: { dpop: elsewhere }, transport: LOGIN, deps: deps() })).toBe('refused: invalid_dpop_proof');
    const proof = await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.login` });
    expect(await outcome({ headers: { dpop: proof }, deps: deps() })).toBe('refused: invalid_dpop_proof');
    const noUrl = { ...deps(), config: { issuer: 'not a url', dpopNonce: 'off' as const } };
    expect(await outcome({ headers: { dpop: proof }, transport: LOGIN, deps: noUrl })).toBe('refused: invalid_dpop_proof');
  });

  it('asks for the server’s nonce at issuance under GATEHOUSE_DPOP_NONCE token or all, never when off', async () => {
    const key = await generateDpopKey();
    const proof = () => dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.login` });
    for (const setting of ['token', 'all'] as const) {
      expect(await outcome({ headers: { dpop: await proof() }, transport: LOGIN, deps: deps(setting) }), setting).toBe('refused: use_dpop_nonce');
    }
    expect(await outcome({ headers: { dpop: await proof() }, transport: LOGIN, deps: deps('off') })).toBe(key.jkt);
    const withNonce = deps('token');
    const nonced = await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.login`, nonce: withNonce.dpop.nonces.current() });
    expect(await outcome({ headers: { dpop: nonced }, transport: LOGIN, deps: withNonce })).toBe(key.jkt);
  });
});

describe('provenSessionKey while the proof store is down', () => {
  // A real connection to a port where nothing listens: every store command fails at once.
  const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
  afterAll(() => down.disconnect());

  it('lets the store failure through (503), never calling a good proof invalid', async () => {
    const key = await generateDpopKey();
    const proof = await dpopProof(key, { htm: 'POST', htu: `${ISSUER}/trpc/auth.login` });
    const dpop = createDpopVerifier({ proofs: createRedisDpopProofStore(down, 'never-written:'), nonces: createDpopNonces({ key: new Uint8Array(32).fill(6) }) });
    const error = await provenSessionKey({ headers: { dpop: proof }, transport: LOGIN, deps: { config: { issuer: ISSUER, dpopNonce: 'off' }, dpop } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    // The store's own error, which the error formatter answers 503: the client keeps its key and retries.
    expect(error).toBeInstanceOf(StoreUnavailableError);
  });
});
