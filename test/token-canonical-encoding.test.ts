import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { TEST_USERS } from './support/test-seed.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

/** P-256's group order (SEC 2): an ECDSA signature (r, s) has a twin (r, n - s). */
const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');

const ACCESS_TTL_SECONDS = 900;
const REFRESH_TTL_SECONDS = 1200;

function signatureOf(token: string): Buffer {
  return Buffer.from(token.split('.')[2]!, 'base64url');
}

/** The same token with its signature's `s` replaced by n - s: still a valid ECDSA signature. */
function highSTwin(token: string): string {
  const signature = signatureOf(token);
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  const twin = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${Buffer.concat([signature.subarray(0, 32), twin]).toString('base64url')}`;
}

/** The low-S form of a freshly signed token (WebCrypto signs either half), as the server issues them. */
function lowS(token: string): string {
  const s = BigInt(`0x${signatureOf(token).subarray(32).toString('hex')}`);
  return s > P256_ORDER / 2n ? highSTwin(token) : token;
}

/** Another spelling of the same signature bytes: the final character's four spare bits set (RFC 4648 section 3.5). */
function respelledFinalCharacter(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = token.at(-1)!;
  return `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
}

describe.each(projectStores())('one canonical spelling and bounded times for access tokens, on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;
  const nowSeconds = () => Math.floor((Date.now() + clockOffsetMs) / 1000);

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'canonical-tokens', {
      now: () => Date.now() + clockOffsetMs,
      env: { GATEHOUSE_ACCESS_TOKEN_TTL: String(ACCESS_TTL_SECONDS), GATEHOUSE_REFRESH_TOKEN_TTL: String(REFRESH_TTL_SECONDS) },
    });
  });
  afterAll(() => gatehouse.close());

  /** A token signed with the server's own signing key: only the claims differ from what it issues. */
  async function forge(claims: (now: number) => JWTPayload, subject: string): Promise<string> {
    const { active } = gatehouse.server.deps.signingKeys;
    const { issuer, audience } = gatehouse.server.deps.config;
    const now = nowSeconds();
    const token = await new SignJWT({ client_id: 'gatehouse', scope: 'users:read', ...claims(now) })
      .setProtectedHeader({ alg: active.alg, kid: active.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setJti(randomUUID())
      .sign(active.privateKey);
    return lowS(token);
  }

  function me(token: string) {
    return callProcedure(gatehouse.url, 'users.me', { headers: bearer(token) });
  }

  it('issues low-S signatures only, and refuses the high-S twin although node:crypto verifies it', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    expect((await me(accessToken)).status).toBe(200); // now in the verified-token cache
    expect(lowS(accessToken)).toBe(accessToken);
    const twin = highSTwin(accessToken);
    const jwk = gatehouse.server.deps.signingKeys.publicJwks.keys[0]!;
    const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as never, format: 'jwk' });
    const signingInput = Buffer.from(twin.slice(0, twin.lastIndexOf('.')));
    expect(verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signatureOf(twin))).toBe(true);

    const refused = await me(twin);
    expect(refused.status).toBe(401);
    expect(authReason(refused)).toBe('invalid_token');
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses another final base64url character and appended padding, after the genuine token was cached', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.bob);
    expect((await me(accessToken)).status).toBe(200);
    for (const variant of [respelledFinalCharacter(accessToken), `${accessToken}==`, `${accessToken}=`]) {
      const refused = await me(variant);
      expect(refused.status).toBe(401);
      expect(authReason(refused)).toBe('invalid_token');
    }
    expect((await me(accessToken)).status).toBe(200);
  });

  it('refuses an iat in the future beyond the skew, and accepts one within it', async () => {
    const user = await registerUser(gatehouse.url);
    const ahead = await forge((now) => ({ iat: now + 120, exp: now + 120 + ACCESS_TTL_SECONDS }), user.id);
    expect(authReason(await me(ahead))).toBe('invalid_token');
    const withinSkew = await forge((now) => ({ iat: now + 5, exp: now + 5 + ACCESS_TTL_SECONDS }), user.id);
    expect((await me(withinSkew)).status).toBe(200);
  });

  it('refuses exp: 1e300, a lifetime longer than the configured one, and fractional times', async () => {
    const user = await registerUser(gatehouse.url);
    const forged = await Promise.all([
      forge((now) => ({ iat: now, exp: 1e300 }), user.id),
      forge((now) => ({ iat: now, exp: now + ACCESS_TTL_SECONDS + 1 }), user.id),
      forge((now) => ({ iat: now + 0.5, exp: now + 60 }), user.id),
      forge((now) => ({ iat: now, exp: now + 60.25 }), user.id),
      forge((now) => ({ iat: now, exp: now + 60, nbf: now - 0.5 }), user.id),
    ]);
    for (const token of forged) {
      const refused = await me(token);
      expect(refused.status).toBe(401);
      expect(authReason(refused)).toBe('invalid_token');
    }
    const inBounds = await forge((now) => ({ iat: now, exp: now + ACCESS_TTL_SECONDS }), user.id);
    expect((await me(inBounds)).status).toBe(200);
  });

  it('never issues an access token that outlives its refresh family', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    const familyEnd = decodeJwt(session.accessToken).iat! + REFRESH_TTL_SECONDS;
    clockOffsetMs += 800_000; // 400 s of the family left, less than an access token's 900 s
    try {
      const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
      expect(refreshed.status).toBe(200);
      const { accessToken, expiresIn } = refreshed.body.result.data;
      expect(decodeJwt(accessToken).exp).toBeLessThanOrEqual(familyEnd);
      expect(expiresIn).toBeLessThanOrEqual(REFRESH_TTL_SECONDS - 800);
      expect((await me(accessToken)).status).toBe(200);
    } finally {
      clockOffsetMs -= 800_000;
    }
  });
});
