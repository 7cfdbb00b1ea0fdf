import { describe, expect, it } from 'vitest';
import { hasLowS, isCanonicalBase64url, isCanonicalCompactJws, toLowS } from './canonical-jws.js';

const P256_ORDER = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');

function signatureWithS(s: bigint): string {
  return Buffer.concat([Buffer.alloc(32, 1), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]).toString('base64url');
}

describe('canonical JWS spelling', () => {
  it('accepts exactly one base64url spelling of any bytes', () => {
    for (let length = 1; length < 40; length += 1) {
      const canonical = Buffer.alloc(length, 0xa5).toString('base64url');
      expect(isCanonicalBase64url(canonical)).toBe(true);
      const last = canonical.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respelled = `${canonical.slice(0, -1)}${alphabet[(alphabet.indexOf(last) + 1) % 64]}`;
      // Where the final character has spare bits, the next character decodes to the same bytes: refused.
      if (Buffer.from(respelled, 'base64url').equals(Buffer.from(canonical, 'base64url'))) expect(isCanonicalBase64url(respelled)).toBe(false);
    }
  });

  it('refuses padding, the base64 (not url) alphabet, empty segments and impossible lengths', () => {
    for (const segment of ['QQ==', 'QQ=', 'a+b/', '', 'A', 'ab.c']) expect(isCanonicalBase64url(segment)).toBe(false);
    expect(isCanonicalCompactJws('eyJh.eyJi.c2ln')).toBe(true);
    expect(isCanonicalCompactJws('eyJh.eyJi')).toBe(false);
    expect(isCanonicalCompactJws('eyJh.eyJi.c2ln.eXRy')).toBe(false);
  });

  it('refuses characters outside ASCII, which the alphabet table does not cover', () => {
    for (const segment of ['QUJD\u00e9', 'QU\u0141D', '\u{1F600}AA']) expect(isCanonicalBase64url(segment)).toBe(false);
  });

  it('refuses an ES256 signature that is not 64 bytes, whatever its S looks like', () => {
    expect(hasLowS('ES256', Buffer.alloc(63).toString('base64url'))).toBe(false);
    expect(hasLowS('ES256', Buffer.alloc(65).toString('base64url'))).toBe(false);
    expect(hasLowS('ES256', Buffer.alloc(64).toString('base64url'))).toBe(true);
  });

  it('tells the low-S half of a P-256 signature from the high one, and rewrites high to low', () => {
    const half = P256_ORDER / 2n;
    expect(hasLowS('ES256', signatureWithS(half))).toBe(true);
    expect(hasLowS('ES256', signatureWithS(half + 1n))).toBe(false);
    const high = `h.p.${signatureWithS(P256_ORDER - 5n)}`;
    expect(toLowS('ES256', high)).toBe(`h.p.${signatureWithS(5n)}`);
    // Algorithms without a twin pass unchanged.
    expect(hasLowS('EdDSA', signatureWithS(P256_ORDER - 5n))).toBe(true);
    expect(toLowS('RS256', high)).toBe(high);
  });
});
