import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashOpaqueToken } from './hash-opaque-token.js';

describe('hashOpaqueToken', () => {
  it('keys a token by its SHA-256 in base64url, never by the token itself', () => {
    // FIPS 180-2's test vector for "abc", in base64url.
    expect(hashOpaqueToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    const token = 'rt_0123456789abcdef';
    expect(hashOpaqueToken(token)).toBe(createHash('sha256').update(token, 'utf8').digest('base64url'));
    expect(hashOpaqueToken(token)).not.toContain(token);
  });

  it('hashes the UTF-8 bytes, so two spellings never share a key', () => {
    expect(hashOpaqueToken('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('base64url'));
    expect(hashOpaqueToken('é')).not.toBe(createHash('sha256').update(Buffer.from('é', 'latin1')).digest('base64url'));
  });
});
