import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRecoveryCodes, hashRecoveryCode, looksLikeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';

describe('recovery codes', () => {
  it('hands out ten distinct xxxxx-xxxxx codes from an alphabet without I, L, O, U', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(generateRecoveryCodes(3)).toHaveLength(3);
  });

  it('draws from the whole alphabet, not a corner of it', () => {
    const seen = new Set(generateRecoveryCodes(200).join('').replaceAll('-', ''));
    expect([...seen].sort().join('')).toBe('0123456789abcdefghjkmnpqrstvwxyz');
  });

  it('recognises a code typed with or without its dash, in any case, with spaces around; never a TOTP code', () => {
    for (const typed of ['ab3de-fg4hj', 'ab3defg4hj', 'AB3DE-FG4HJ', '  ab3de-fg4hj ']) expect(looksLikeRecoveryCode(typed), typed).toBe(true);
    for (const typed of ['123456', 'ab3de-fg4h', 'ab3de-fg4hjk', 'xab3de-fg4hj', 'ab3de--fg4hj', 'ab3de_fg4hj', '']) {
      expect(looksLikeRecoveryCode(typed), typed).toBe(false);
    }
  });

  it('hashes the code as typed to the same SHA-256, case, dash and spaces aside', () => {
    const hash = hashRecoveryCode('ab3de-fg4hj');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const typed of ['AB3DE-FG4HJ', 'ab3defg4hj', ' ab3de-fg4hj\t']) expect(hashRecoveryCode(typed), typed).toBe(hash);
    expect(hashRecoveryCode('ab3de-fg4hk')).not.toBe(hash);
    // The hash of the lowercase code without its dash: what stores written by earlier releases hold.
    expect(hash).toBe(createHash('sha256').update('ab3defg4hj').digest('hex'));
  });
});
