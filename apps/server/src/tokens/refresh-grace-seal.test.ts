import { createDecipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSuccessor, sealSuccessor } from './refresh-grace-seal.js';
import { hashRefreshToken } from './refresh-tokens.js';

const PRESENTED = '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const SUCCESSOR = '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

/** AES-256-GCM with a given key over the seal's layout: 12-byte IV, 16-byte tag, ciphertext. */
function openWith(key: Buffer, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

describe('refresh grace seal', () => {
  it('opens with the token it was sealed for, and gives back the successor', () => {
    const sealed = sealSuccessor(PRESENTED, SUCCESSOR);
    expect(sealed).not.toContain(SUCCESSOR.split('.')[1]);
    expect(openSuccessor(PRESENTED, sealed)).toBe(SUCCESSOR);
  });

  it('seals the same successor differently each time (a fresh IV)', () => {
    expect(sealSuccessor(PRESENTED, SUCCESSOR)).not.toBe(sealSuccessor(PRESENTED, SUCCESSOR));
  });

  it('does not open with another token', () => {
    expect(openSuccessor(SUCCESSOR, sealSuccessor(PRESENTED, SUCCESSOR))).toBeUndefined();
  });

  it('does not open with what a store dump holds: the token’s stored SHA-256 is not the sealing key', () => {
    const sealed = sealSuccessor(PRESENTED, SUCCESSOR);
    expect(() => openWith(Buffer.from(hashRefreshToken(PRESENTED), 'base64url'), sealed)).toThrow();
    expect(() => openWith(createHash('sha256').update(PRESENTED).digest(), sealed)).toThrow();
    // The key is the domain-separated SHA-256 of the token, as documented.
    const key = createHash('sha256').update('gatehouse refresh grace\0').update(PRESENTED).digest();
    expect(openWith(key, sealed)).toBe(SUCCESSOR);
  });

  it('refuses a seal with any byte changed (IV, tag or ciphertext), cut short, or empty', () => {
    const sealed = sealSuccessor(PRESENTED, SUCCESSOR);
    const bytes = Buffer.from(sealed, 'base64url');
    for (const position of [0, 11, 12, 27, 28, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[position] = (tampered[position] ?? 0) ^ 1;
      expect(openSuccessor(PRESENTED, tampered.toString('base64url')), `byte ${position}`).toBeUndefined();
    }
    expect(openSuccessor(PRESENTED, bytes.subarray(0, 28).toString('base64url'))).toBeUndefined();
    expect(openSuccessor(PRESENTED, bytes.subarray(0, 20).toString('base64url'))).toBeUndefined();
    expect(openSuccessor(PRESENTED, '')).toBeUndefined();
    // A genuine seal of nothing is 28 bytes too: it carries no successor, so it is no answer.
    expect(openSuccessor(PRESENTED, sealSuccessor(PRESENTED, ''))).toBeUndefined();
  });
});
