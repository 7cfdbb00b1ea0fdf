import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { ACCESS_TOKEN_TYPE, createAccessTokens, MAX_CLOCK_SKEW_SECONDS, type AccessTokenOptions } from './access-tokens.js';
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
    expect(ACCESS_TOKEN_TYPE).toBe('at+jwt');
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
    expect(decodeJwt(issued.token)).toMatchObject({ gty: 'client_credentials', client_id: 'billing', scope: '' });
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

describe('access token claims this server writes and reads back', () => {
  async function forger(clock: { now: number }, ttlSeconds = 900) {
    const keys = await generateEphemeralSigningKeys();
    const tokens = await tokensAt(clock, { keys, ttlSeconds });
    /** A token signed with the server's own key (a leaked signing path), with any claims. */
    const sign = (claims: Record<string, unknown>, times: { iat?: number; exp?: number } = {}) =>
      new SignJWT({ client_id: 'gatehouse', scope: 'users:read', sub: request.subject, jti: randomUUID(), iat: T0 / 1000, exp: T0 / 1000 + 60, ...times, ...claims })
        .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .sign(keys.active.privateKey)
        .then((token) => toLowS(keys.active.alg, token));
    return { keys, tokens, sign };
  }

  it('never lets a token outlive its session: exp is the family’s end when that comes first', async () => {
    const clock = { now: T0 };
    const tokens = await tokensAt(clock);
    const issued = await tokens.issue({ ...request, sessionId: 'family-1', notAfter: new Date(T0 + 60_500) });
    expect(issued).toMatchObject({ expiresIn: 60, expiresAt: new Date(T0 + 60_000) });
    expect(decodeJwt(issued.token)).toMatchObject({ sid: 'family-1', exp: T0 / 1000 + 60 });
    expect(await tokens.verify(issued.token)).toMatchObject({ sessionId: 'family-1', expiresAt: T0 / 1000 + 60 });
    const later = await tokens.issue({ ...request, notAfter: new Date(T0 + 3_600_000) });
    expect(later.expiresIn).toBe(900);
  });

  it('carries the sign-in (acr, amr, auth_time) and the cnf binding through a round trip', async () => {
    const tokens = await tokensAt({ now: T0 });
    const authentication = { acr: 'mfa', amr: ['pwd', 'otp'], authTime: T0 / 1000 - 30 } as const;
    const jkt = 'A'.repeat(43);
    const issued = await tokens.issue({ ...request, authentication, confirmation: { jkt } });
    expect(decodeJwt(issued.token)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: T0 / 1000 - 30, cnf: { jkt } });
    expect(await tokens.verify(issued.token)).toMatchObject({ authentication, confirmation: { jkt } });
    const plain = decodeJwt((await tokens.issue(request)).token);
    for (const claim of ['acr', 'amr', 'auth_time', 'cnf', 'sid', 'gty', 'nwh', 'nwp']) expect(plain).not.toHaveProperty(claim);
  });

  it('records no network without a hasher, and hashes none without an address', async () => {
    const withoutHasher = await tokensAt({ now: T0 });
    const issued = await withoutHasher.issue({ ...request, issuedTo: { ip: '203.0.113.9', pinned: true } });
    expect(decodeJwt(issued.token)).not.toHaveProperty('nwh');
    const withHasher = await tokensAt({ now: T0 }, { networks: createNetworkHasher(new Uint8Array(32).fill(1)) });
    expect(decodeJwt((await withHasher.issue(request)).token)).not.toHaveProperty('nwh');
  });

  it('reads any grant it did not write as a user grant', async () => {
    const clock = { now: T0 };
    const { tokens, sign } = await forger(clock);
    expect(await tokens.verify(await sign({ gty: 'password' }))).toMatchObject({ grant: 'user' });
  });

  it('refuses claims of the wrong type or a scope, sign-in or cnf it never grants', async () => {
    const clock = { now: T0 };
    const { tokens, sign } = await forger(clock);
    expect(await tokens.verify(await sign({}))).toMatchObject({ scopes: ['users:read'] });
    const forged: Array<Record<string, unknown>> = [
      { sid: 42 },
      { nbf: T0 / 1000 - 0.5 },
      { sub: 42 },
      { jti: 42 },
      { client_id: 42 },
      { scope: 42 },
      { scope: 'users:read root' },
      { acr: 'pwd' },
      { acr: 'hwk', amr: ['pwd'], auth_time: T0 / 1000 },
      { cnf: { jwk: { kty: 'EC' } } },
      { cnf: {} },
    ];
    for (const claims of forged) expect(await reasonOf(tokens.verify(await sign(claims))), JSON.stringify(claims)).toBe('invalid_token');
  });

  it('refuses times this server never writes: fractional, issued in the future, inverted or longer than its TTL', async () => {
    const clock = { now: T0 };
    const now = T0 / 1000;
    const { tokens, sign } = await forger(clock, 900);
    // Within the allowed clock skew, and a lifetime of exactly the TTL: accepted.
    expect(await tokens.verify(await sign({}, { iat: now + MAX_CLOCK_SKEW_SECONDS, exp: now + MAX_CLOCK_SKEW_SECONDS + 900 }))).toMatchObject({ issuedAt: now + MAX_CLOCK_SKEW_SECONDS });
    const refused = [
      { iat: now + 0.5, exp: now + 60 },
      { iat: now, exp: now + 60.5 },
      { iat: now + MAX_CLOCK_SKEW_SECONDS + 1, exp: now + 120 },
      { iat: now + 10, exp: now + 10 },
      { iat: now - 10, exp: now + 891 },
    ];
    for (const times of refused) expect(await reasonOf(tokens.verify(await sign({}, times))), JSON.stringify(times)).toBe('invalid_token');
    expect(MAX_CLOCK_SKEW_SECONDS).toBe(30);
  });

  it('refuses the high-S twin of a genuine ES256 signature', async () => {
    const tokens = await tokensAt({ now: T0 });
    const { token } = await tokens.issue(request);
    const dot = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    const order = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
    const highS = order - BigInt(`0x${signature.subarray(32).toString('hex')}`);
    const twin = `${token.slice(0, dot + 1)}${Buffer.concat([signature.subarray(0, 32), Buffer.from(highS.toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
    expect(await reasonOf(tokens.verify(twin))).toBe('invalid_token');
  });

  it('refuses a token whose header names one of its keys under another algorithm of the same key type', async () => {
    const [eddsa, ed25519] = await Promise.all([generatePrivateJwk('EdDSA'), generatePrivateJwk('Ed25519')]);
    const keys = await loadSigningKeysFile(await writeKeysFile({ keys: [eddsa, ed25519] }));
    const tokens = await tokensAt({ now: T0 }, { keys });
    const forged = await new SignJWT({ client_id: 'gatehouse', scope: 'users:read' })
      .setProtectedHeader({ alg: 'Ed25519', kid: eddsa.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(request.subject)
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .setJti(randomUUID())
      .sign(keys.active.privateKey);
    expect(await reasonOf(tokens.verify(forged))).toBe('invalid_token');
    expect(await tokens.verify((await tokens.issue(request)).token)).toMatchObject({ subject: request.subject });
  });
});
