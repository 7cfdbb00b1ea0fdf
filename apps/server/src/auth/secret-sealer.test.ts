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

  it('refuses a key that is not 32 bytes at creation', () => {
    expect(() => createSecretSealer(new Uint8Array(16))).toThrow(RangeError);
  });
});
