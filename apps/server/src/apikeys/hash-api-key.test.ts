import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashApiKey, hashesEqual } from './hash-api-key.js';

describe('API key hash comparison', () => {
  it('hashes the key’s UTF-8 bytes with SHA-256, as hex', () => {
    expect(hashApiKey('gk_live_é')).toBe(createHash('sha256').update(Buffer.from('gk_live_é', 'utf8')).digest('hex'));
  });

  it('never calls two stored values equal unless they are the same hex digest', () => {
    const hash = hashApiKey('gk_live_example');
    expect(hashesEqual(hash, hash.toUpperCase())).toBe(true);
    // A corrupted record (not hex at all) matches nothing, not even itself.
    expect(hashesEqual('not a hash', 'not a hash')).toBe(false);
    expect(hashesEqual(hash, `${hash}00`)).toBe(false);
    expect(hashesEqual(`${hash}00`, hash)).toBe(false);
  });
});
