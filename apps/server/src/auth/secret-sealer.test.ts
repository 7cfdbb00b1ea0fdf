import { describe, expect, it } from 'vitest';
import { createSecretSealer } from './secret-sealer.js';

describe('createSecretSealer', () => {
  const key = new Uint8Array(32).fill(9);

  it('opens what it sealed for the same owner, and the sealed form does not contain the secret', () => {
    const sealer = createSecretSealer(key);
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealer.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(sealer.seal('JBSWY3DPEHPK3PXP', 'user-1')).not.toBe(sealed); // a fresh nonce each time
  });

  it('refuses a secret moved to another owner, another key, or tampered with', () => {
    const sealer = createSecretSealer(key);
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealer.open(sealed, 'user-2')).toBeUndefined();
    expect(createSecretSealer(new Uint8Array(32).fill(8)).open(sealed, 'user-1')).toBeUndefined();
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(sealer.open([version, iv, flipped.toString('base64url'), tag].join('.'), 'user-1')).toBeUndefined();
    expect(sealer.open('not sealed', 'user-1')).toBeUndefined();
  });

  it('refuses a sealed form of another version, with a part missing or one too many', () => {
    const sealer = createSecretSealer(key);
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'user-1');
    const [, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    for (const altered of [`v2.${iv}.${ciphertext}.${tag}`, `${sealed}.${tag}`, `v1.${iv}.${ciphertext}`, `v1.${iv}`, 'v1']) {
      expect(sealer.open(altered, 'user-1'), altered).toBeUndefined();
    }
  });

  it('refuses a truncated tag: GCM would otherwise accept a shorter, easier to forge one', () => {
    const sealer = createSecretSealer(key);
    const [version, iv, ciphertext, tag] = sealer.seal('JBSWY3DPEHPK3PXP', 'user-1').split('.') as [string, string, string, string];
    const shortTag = Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url');
    expect(sealer.open([version, iv, ciphertext, shortTag].join('.'), 'user-1')).toBeUndefined();
  });

  it('seals and opens non-ASCII secrets and owners alike', () => {
    const sealer = createSecretSealer(key);
    expect(sealer.open(sealer.seal('clé secrète', 'usér-1'), 'usér-1')).toBe('clé secrète');
  });

  it('draws a key of its own when given none: what it seals opens only in this process', () => {
    const sealer = createSecretSealer(undefined);
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealer.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(createSecretSealer(undefined).open(sealed, 'user-1')).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes at creation', () => {
    expect(() => createSecretSealer(new Uint8Array(16))).toThrow(RangeError);
  });
});
