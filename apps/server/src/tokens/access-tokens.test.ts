import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { ACCESS_TOKEN_TYPE, createAccessTokens, type AccessTokenOptions } from './access-tokens.js';
import { toLowS } from './canonical-jws.js';
import { createNetworkHasher } from './network-hash.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';
import { generateEphemeralSigningKeys, generatePrivateJwk, loadSigningKeysFile, SigningKeysError } from './signing-keys.js';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'https://api.test';
const T0 = Date.parse('2030-01-01T00:00:00Z');

async function tokensAt(clock: { now: number }, overrides: Partial<AccessTokenOptions> = {}) {
  const keys = overrides.keys ?? (await generateEphemeralSigningKeys());
  return createAccessTokens({ keys, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, now: () => clock.now, ...overrides });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AuthFailureError)) throw new Error('expected an AuthFailureError');
  return error.data.reason;
}

const request = { subject: randomUUID(), clientId: 'gatehouse', scopes: ['users:read', 'orders:read'], grant: 'user' } as const;

async function writeKeysFile(keys: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'gatehouse-keys-')), 'keys.json');
  await writeFile(path, JSON.stringify(keys));
  return path;
}

describe('access tokens', () => {
  it('issues an RFC 9068 token that verifies back to the same facts', async () => {
    const clock = { now: T0 };
    const tokens = await tokensAt(clock);
    const issued = await tokens.issue(request);
    expect(issued).toMatchObject({ expiresIn: 900, expiresAt: new Date(T0 + 900_000), scope: 'users:read orders:read' });
    expect(decodeProtectedHeader(issued.token)).toMatchObject({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: expect.any(String) });
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: request.subject, iat: T0 / 1000, exp: T0 / 1000 + 900, jti: issued.jti, client_id: 'gatehouse' });

    const verified = await tokens.verify(issued.token);
    expect(verified).toEqual({
      subject: request.subject,
      clientId: 'gatehouse',
      scopes: ['users:read', 'orders:read'],
      jti: issued.jti,
      grant: 'user',
      issuedAt: T0 / 1000,
      expiresAt: T0 / 1000 + 900,
    });
  });

  it('records the keyed hash of the issuing network and the pin, and refuses a pin this server did not write', async () => {
    const keys = await generateEphemeralSigningKeys();
    const networks = createNetworkHasher(new Uint8Array(32).fill(3));
    const tokens = await tokensAt({ now: T0 }, { keys, networks });
    const pinned = await tokens.issue({ ...request, issuedTo: { ip: '203.0.113.9', pinned: true } });
    expect(decodeJwt(pinned.token)).toMatchObject({ nwh: networks.hashOf('203.0.113.1'), nwp: true });
    expect(JSON.stringify(decodeJwt(pinned.token))).not.toContain('203.0.113');
    expect(await tokens.verify(pinned.token)).toMatchObject({ networkHash: networks.hashOf('203.0.113.1'), networkPinned: true });
    const unpinned = await tokens.issue({ ...request, issuedTo: { ip: '203.0.113.9', pinned: false } });
    expect(decodeJwt(unpinned.token)['nwp']).toBeUndefined();
    expect(await tokens.verify(unpinned.token)).toMatchObject({ networkPinned: false });

    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ client_id: 'gatehouse', scope: 'users:read', ...claims })
        .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(request.subject)
        .setIssuedAt(T0 / 1000)
        .setExpirationTime(T0 / 1000 + 60)
        .setJti(randomUUID())
        .sign(keys.active.privateKey)
        .then((token) => toLowS(keys.active.alg, token));
    expect(await reasonOf(tokens.verify(await sign({ nwp: true })))).toBe('invalid_token');
    expect(await reasonOf(tokens.verify(await sign({ nwh: 'abc', nwp: 'yes' })))).toBe('invalid_token');
    expect(await reasonOf(tokens.verify(await sign({ nwh: 42 })))).toBe('invalid_token');
  });

  it('gives every token its own jti', async () => {
    const tokens = await tokensAt({ now: T0 });
    const [a, b] = await Promise.all([tokens.issue(request), tokens.issue(request)]);
    expect(a.jti).not.toBe(b.jti);
  });

  it('round-trips client_credentials grants and an empty scope', async () => {
    const tokens = await tokensAt({ now: T0 });
    const issued = await tokens.issue({ subject: 'billing', clientId: 'billing', scopes: [], grant: 'client_credentials' });
    expect(await tokens.verify(issued.token)).toMatchObject({ grant: 'client_credentials', scopes: [], clientId: 'billing' });
  });

  it('is expired_token once the clock passes exp, and valid just before', async () => {
    const clock = { now: T0 };
    const tokens = await tokensAt(clock);
    const { token } = await tokens.issue(request);
    clock.now = T0 + 899_000;
    await expect(tokens.verify(token)).resolves.toMatchObject({ subject: request.subject });
    clock.now = T0 + 900_000;
    expect(await reasonOf(tokens.verify(token))).toBe('expired_token');
  });

  it('is invalid_token for another server’s token, another issuer or another audience', async () => {
    const clock = { now: T0 };
    const ours = await tokensAt(clock);
    const theirs = await tokensAt(clock);
    expect(await reasonOf(ours.verify((await theirs.issue(request)).token))).toBe('invalid_token');

    const keys = await generateEphemeralSigningKeys();
    const verifier = await tokensAt(clock, { keys });
    const otherIssuer = await tokensAt(clock, { keys, issuer: 'https://evil.test' });
    const otherAudience = await tokensAt(clock, { keys, audience: 'https://other-api.test' });
    expect(await reasonOf(verifier.verify((await otherIssuer.issue(request)).token))).toBe('invalid_token');
    expect(await reasonOf(verifier.verify((await otherAudience.issue(request)).token))).toBe('invalid_token');
    expect(await reasonOf(verifier.verify('not.a.jwt'))).toBe('invalid_token');
  });

  it('verifies tokens of every key in the keys file and signs with the first (rotation)', async () => {
    const [newKey, oldKey] = await Promise.all([generatePrivateJwk('ES256'), generatePrivateJwk('EdDSA')]);
    const clock = { now: T0 };
    const before = await tokensAt(clock, { keys: await loadSigningKeysFile(await writeKeysFile({ keys: [oldKey] })) });
    const after = await tokensAt(clock, { keys: await loadSigningKeysFile(await writeKeysFile({ keys: [newKey, oldKey] })) });
    const oldToken = (await before.issue(request)).token;
    await expect(after.verify(oldToken)).resolves.toMatchObject({ subject: request.subject });
    const newToken = (await after.issue(request)).token;
    expect(decodeProtectedHeader(newToken).kid).toBe(newKey.kid);
    // A key that has been retired from the file no longer verifies its tokens.
    const retired = await tokensAt(clock, { keys: await loadSigningKeysFile(await writeKeysFile({ keys: [newKey] })) });
    expect(await reasonOf(retired.verify(oldToken))).toBe('invalid_token');
  });

  it('refuses a keys file without private keys, with duplicate kids, or with a symmetric algorithm', async () => {
    const key = await generatePrivateJwk('ES256');
    const { d: _private, ...publicOnly } = key;
    await expect(loadSigningKeysFile(await writeKeysFile({ keys: [publicOnly] }))).rejects.toBeInstanceOf(SigningKeysError);
    await expect(loadSigningKeysFile(await writeKeysFile({ keys: [key, key] }))).rejects.toBeInstanceOf(SigningKeysError);
    await expect(loadSigningKeysFile(await writeKeysFile({ keys: [{ ...key, alg: 'HS256' }] }))).rejects.toBeInstanceOf(SigningKeysError);
    await expect(loadSigningKeysFile('/nonexistent/keys.json')).rejects.toBeInstanceOf(SigningKeysError);
  });

  it('publishes no private member in the public JWKS', async () => {
    const keys = await generateEphemeralSigningKeys();
    for (const jwk of keys.publicJwks.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member);
    }
  });

  it('keeps one cache entry per token: re-spelled copies are refused before the cache is consulted', async () => {
    const clock = { now: T0 };
    const cache = createVerifiedTokenCache({ maxEntries: 100, now: () => clock.now });
    const tokens = await tokensAt(clock, { cache });
    const { token } = await tokens.issue(request);
    await tokens.verify(token);
    expect(cache.size).toBe(1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1)!) + 1]}`;
    for (const variant of [respelled, `${token}==`, token.replace(/-/g, '+')].filter((variant) => variant !== token)) {
      expect(await reasonOf(tokens.verify(variant))).toBe('invalid_token');
    }
    expect(cache.size).toBe(1);
  });

  it('publishes only the members RFC 7518 defines for the key type, whatever else the keys file holds', async () => {
    const key = await generatePrivateJwk('ES256');
    const keys = await loadSigningKeysFile(
      await writeKeysFile({ keys: [{ ...key, x5c: ['MIIBkTCB+wIJ'], key_ops: ['sign'], ext: true, internal_note: 'rotate in May' }] }),
    );
    expect(keys.publicJwks.keys).toEqual([{ kty: 'EC', crv: 'P-256', x: key.x, y: key.y, kid: key.kid, alg: 'ES256', use: 'sig' }]);
  });
});
