import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isS256Challenge, verifyCodeVerifier } from './pkce.js';

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
/** 43 characters of the unreserved set, the shortest verifier RFC 7636 allows. */
const VERIFIER = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN-._';

describe('isS256Challenge', () => {
  it('takes exactly 43 base64url characters, nothing before or after them', () => {
    expect(isS256Challenge(s256(VERIFIER))).toBe(true);
    expect(isS256Challenge('A'.repeat(43))).toBe(true);
    expect(isS256Challenge('A'.repeat(42))).toBe(false);
    expect(isS256Challenge('A'.repeat(44))).toBe(false);
    // A stray character around 43 valid ones: what an unanchored pattern would let through.
    expect(isS256Challenge(`=${'A'.repeat(43)}`)).toBe(false);
    expect(isS256Challenge(`${'A'.repeat(43)}=`)).toBe(false);
    expect(isS256Challenge(`${'A'.repeat(43)}\n`)).toBe(false);
    // base64 (not url) and padding are another alphabet.
    expect(isS256Challenge(`${'A'.repeat(42)}+`)).toBe(false);
    expect(isS256Challenge(`${'A'.repeat(42)}.`)).toBe(false);
  });
});

describe('verifyCodeVerifier', () => {
  it('accepts the verifier whose SHA-256 is the challenge, and no other', () => {
    expect(verifyCodeVerifier(VERIFIER, s256(VERIFIER))).toBe(true);
    const longest = 'x~'.repeat(64);
    expect(verifyCodeVerifier(longest, s256(longest))).toBe(true);
    expect(verifyCodeVerifier(`${VERIFIER.slice(0, -1)}a`, s256(VERIFIER))).toBe(false);
    expect(verifyCodeVerifier(VERIFIER, s256(`${VERIFIER}a`))).toBe(false);
  });

  it('refuses a verifier outside RFC 7636 even when the challenge is its own hash', () => {
    // A client that hashed a bad verifier itself still fails: the verifier's form is checked, not only its hash.
    for (const bad of [VERIFIER.slice(1), 'a'.repeat(129), `${VERIFIER} `, ` ${VERIFIER}`, `${VERIFIER}\n`, `${VERIFIER.slice(1)}/`, `é${VERIFIER.slice(1)}`]) {
      expect(verifyCodeVerifier(bad, s256(bad)), JSON.stringify(bad)).toBe(false);
    }
  });

  it('refuses a challenge of another length without throwing (timingSafeEqual demands equal lengths)', () => {
    expect(verifyCodeVerifier(VERIFIER, s256(VERIFIER).slice(1))).toBe(false);
    expect(verifyCodeVerifier(VERIFIER, `${s256(VERIFIER)}A`)).toBe(false);
    expect(verifyCodeVerifier(VERIFIER, '')).toBe(false);
  });
});
