import { randomUUID } from 'node:crypto';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProcedure, login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { toLowS } from '../apps/server/src/tokens/canonical-jws.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
let aliceId: string;

beforeAll(async () => {
  gatehouse = await startGatehouse();
  aliceId = (await login(gatehouse.url, TEST_USERS.alice)).user.id;
});
afterAll(() => gatehouse.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims a token of this server would carry for alice: each case breaks exactly one thing. */
function validClaims(): JWTPayload {
  const { issuer, audience } = gatehouse.server.deps.config;
  const now = nowSeconds();
  return { iss: issuer, aud: audience, sub: aliceId, iat: now, exp: now + 300, jti: randomUUID(), client_id: 'gatehouse', scope: 'users:read' };
}

interface Craft {
  readonly claims?: JWTPayload;
  readonly omit?: readonly string[];
  readonly header?: Record<string, unknown>;
  readonly key?: CryptoKey | Uint8Array;
}

/** Signs with the server's own key unless told otherwise, so only the part under test is wrong. */
async function craft(options: Craft = {}): Promise<string> {
  const active = gatehouse.server.deps.signingKeys.active;
  const payload: JWTPayload = { ...validClaims(), ...options.claims };
  for (const claim of options.omit ?? []) delete payload[claim];
  const header = { alg: active.alg, kid: active.kid, typ: 'at+jwt', ...options.header } as { alg: string };
  const signed = await new SignJWT(payload).setProtectedHeader(header).sign(options.key ?? active.privateKey);
  // The server issues (and accepts) only the low-S half of ECDSA signatures; WebCrypto signs either.
  return toLowS(header.alg, signed);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function callMe(authorization: string | undefined) {
  return callProcedure(gatehouse.url, 'users.me', { headers: authorization === undefined ? {} : { authorization } });
}

const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid"';

describe('a token crafted with the server’s own key', () => {
  it('is accepted when nothing is wrong (the control every forged case differs from by one thing)', async () => {
    const response = await callMe(`Bearer ${await craft()}`);
    expect(response.status).toBe(200);
    expect(response.body.result.data.id).toBe(aliceId);
  });
});

describe('forged and broken credentials', () => {
  it('no token: 401 missing_credentials, and a challenge without error (RFC 6750 section 3.1)', async () => {
    const response = await callMe(undefined);
    expect(response.status).toBe(401);
    expect(response.body.error.data.auth).toEqual({ reason: 'missing_credentials' });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
  });

  const cases: Array<[string, () => Promise<string>]> = [
    ['garbage', async () => 'Bearer not-a-jwt'],
    ['a non-Bearer scheme', async () => `Basic ${Buffer.from('alice:pw').toString('base64')}`],
    ['not yet valid (nbf in the future)', async () => `Bearer ${await craft({ claims: { nbf: nowSeconds() + 600 } })}`],
    ['no exp', async () => `Bearer ${await craft({ omit: ['exp'] })}`],
    ['no jti', async () => `Bearer ${await craft({ omit: ['jti'] })}`],
    ['no sub', async () => `Bearer ${await craft({ omit: ['sub'] })}`],
    [
      'alg none',
      async () => {
        const { kid } = gatehouse.server.deps.signingKeys.active;
        return `Bearer ${base64url({ alg: 'none', typ: 'at+jwt', kid })}.${base64url(validClaims())}.`;
      },
    ],
    [
      'HS256 signed with the server’s public key as the HMAC secret',
      async () => {
        const { kid } = gatehouse.server.deps.signingKeys.active;
        const publicKey = gatehouse.server.deps.signingKeys.verificationKey(kid)?.key;
        if (publicKey === undefined) throw new Error('the active key has no verification key');
        const secret = new TextEncoder().encode(await exportSPKI(publicKey));
        return `Bearer ${await craft({ header: { alg: 'HS256' }, key: secret })}`;
      },
    ],
    ['wrong iss', async () => `Bearer ${await craft({ claims: { iss: 'https://evil.example' } })}`],
    ['wrong aud', async () => `Bearer ${await craft({ claims: { aud: 'https://another-api.example' } })}`],
    ['wrong typ (a plain JWT, e.g. an ID token)', async () => `Bearer ${await craft({ header: { typ: 'JWT' } })}`],
    ['no typ', async () => `Bearer ${await craft({ header: { typ: undefined } })}`],
    ['unknown kid', async () => `Bearer ${await craft({ header: { kid: 'no-such-key' } })}`],
    ['kid with path characters', async () => `Bearer ${await craft({ header: { kid: '../../etc/passwd' } })}`],
    ['a scope this server never grants', async () => `Bearer ${await craft({ claims: { scope: 'users:read superuser' } })}`],
    [
      'a valid token re-signed by another ES256 key under the server’s kid',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return `Bearer ${await craft({ key: privateKey })}`;
      },
    ],
    [
      'a valid token with its signature swapped for another token’s',
      async () => {
        const [header, payload] = (await craft({ claims: { sub: randomUUID() } })).split('.');
        const signature = (await craft()).split('.')[2];
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
  ];

  it.each(cases)('%s: 401 invalid_token with error="invalid_token"', async (_label, authorization) => {
    const response = await callMe(await authorization());
    expect(response.status).toBe(401);
    expect(response.body.error.data.auth).toEqual({ reason: 'invalid_token' });
    expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE);
  });

  it('expired: 401 expired_token with error="invalid_token" (RFC 6750 has no separate code)', async () => {
    const token = await craft({ claims: { iat: nowSeconds() - 600, exp: nowSeconds() - 300 } });
    const response = await callMe(`Bearer ${token}`);
    expect(response.status).toBe(401);
    expect(response.body.error.data.auth).toEqual({ reason: 'expired_token' });
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="gatehouse", error="invalid_token", error_description="The access token expired"',
    );
  });

  it('never echoes the presented token back', async () => {
    const token = await craft({ claims: { iss: 'https://evil.example' } });
    const response = await callMe(`Bearer ${token}`);
    expect(JSON.stringify(response.body)).not.toContain(token);
    expect(gatehouse.logLines().join('\n')).not.toContain(token);
  });
});

describe('the verified-token cache', () => {
  it('never vouches for an alg:none copy of a token it holds: same claims, no signature, still 401', async () => {
    const claims = validClaims();
    const genuine = await craft({ claims });
    // The genuine token is verified once, then served from the cache.
    expect((await callMe(`Bearer ${genuine}`)).status).toBe(200);
    expect((await callMe(`Bearer ${genuine}`)).status).toBe(200);
    const [header, payload] = genuine.split('.') as [string, string];
    const unsigned = { ...JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), alg: 'none' };
    for (const forged of [`${base64url(unsigned)}.${payload}.`, `${base64url(unsigned)}.${payload}.${genuine.split('.')[2]}`]) {
      const response = await callMe(`Bearer ${forged}`);
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth).toEqual({ reason: 'invalid_token' });
    }
  });
});
