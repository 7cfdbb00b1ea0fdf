import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, createRemoteJWKSet, generateKeyPair, jwtVerify } from 'jose';
import { generatePrivateJwk } from '../apps/server/src/tokens/signing-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;

beforeAll(async () => {
  gatehouse = await startGatehouse();
});
afterAll(() => gatehouse.close());

/** Members of a JWK that would reveal private or symmetric key material (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('GET /.well-known/jwks.json', () => {
  it('lets anyone verify a server-issued token with jose’s createRemoteJWKSet', async () => {
    const { accessToken, user } = await login(gatehouse.url, TEST_USERS.alice);
    const jwks = createRemoteJWKSet(new URL(`${gatehouse.url}/.well-known/jwks.json`));
    const { issuer, audience } = gatehouse.server.deps.config;
    const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, { issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] });
    expect(payload.sub).toBe(user.id);
    expect(payload.client_id).toBe('gatehouse');
    expect(protectedHeader.kid).toBe(gatehouse.server.deps.signingKeys.active.kid);
  });

  it('rejects through the same JWKS a token signed by another key under the server’s kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ sub: 'someone' })
      .setProtectedHeader({ alg: 'ES256', kid: gatehouse.server.deps.signingKeys.active.kid, typ: 'at+jwt' })
      .sign(privateKey);
    const jwks = createRemoteJWKSet(new URL(`${gatehouse.url}/.well-known/jwks.json`));
    await expect(jwtVerify(forged, jwks)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('holds public keys only, each with kid, alg and use sig, cacheable for a short while', async () => {
    const response = await fetch(`${gatehouse.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const body = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.length).toBeGreaterThan(0);
    for (const key of body.keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: 'ES256', use: 'sig', kty: 'EC' });
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
  });
});

describe('GET /.well-known/jwks.json from a keys file with extra members', () => {
  let fromFile: RunningGatehouse;
  const extras = { x5c: ['MIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBBQUAMBExDzANBgNVBAMMBnVudXNlZDAeFw0='], x5t: 'c2VjcmV0', key_ops: ['sign'], ext: true, internal_note: 'HSM slot 4, rotate in May' };

  beforeAll(async () => {
    const keys = [
      { ...(await generatePrivateJwk('ES256')), ...extras },
      { ...(await generatePrivateJwk('RS256')), ...extras },
      { ...(await generatePrivateJwk('Ed25519')), ...extras },
    ];
    const path = join(await mkdtemp(join(tmpdir(), 'gatehouse-jwks-')), 'keys.json');
    await writeFile(path, JSON.stringify({ keys }));
    fromFile = await startGatehouse({ env: { GATEHOUSE_SIGNING_KEYS_FILE: path } });
  });
  afterAll(() => fromFile.close());

  it('publishes only the public members RFC 7517/7518/8037 define for each key type, never d, x5c or custom members', async () => {
    const body = (await (await fetch(`${fromFile.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    const membersByType: Record<string, string[]> = {
      EC: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      RSA: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      OKP: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    };
    expect(body.keys.map((key) => key['kty'])).toEqual(['EC', 'RSA', 'OKP']);
    for (const key of body.keys) expect(Object.keys(key).sort()).toEqual(membersByType[String(key['kty'])]);
    expect(JSON.stringify(body)).not.toMatch(/HSM slot|MIIB|"d"/);
  });

  it('still lets a verifier check the server’s tokens with that JWKS', async () => {
    const { accessToken } = await login(fromFile.url, TEST_USERS.alice);
    const jwks = createRemoteJWKSet(new URL(`${fromFile.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(accessToken, jwks, { typ: 'at+jwt', algorithms: ['ES256'] });
    expect(payload.client_id).toBe('gatehouse');
  });
});
