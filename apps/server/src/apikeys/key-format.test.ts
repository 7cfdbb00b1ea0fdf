import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, generateApiKey, isWellFormedApiKey, looksLikeApiKey } from './key-format.js';
import { hashApiKey, hashesEqual } from './hash-api-key.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key format', () => {
  it('still accepts a key whose checksum was written by an earlier release, and refuses it with one character changed', () => {
    // Checksummed by the hand-written CRC-32 that node:zlib's replaced: keys already issued stay well formed.
    const issued = 'gk_live_DocumentedExampleKeyForTheChecksumTest000003Bhq27';
    expect(isWellFormedApiKey(issued)).toBe(true);
    expect(isWellFormedApiKey(issued.replace('Example', 'Exbmple'))).toBe(false);
  });

  it('generates distinct, well-formed gk_live_ keys whose prefix is their start', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map(({ key }) => key)).size).toBe(200);
    for (const { key, prefix } of keys) {
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(key).toMatch(/^gk_live_[0-9A-Za-z]+$/);
      expect(key.startsWith(prefix)).toBe(true);
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(looksLikeApiKey(key)).toBe(true);
    }
  });

  it('rejects every single-character typo, truncation, extension and swapped neighbours', () => {
    const { key } = generateApiKey();
    for (let position = 8; position < key.length; position += 1) {
      const replacement = BASE62[(BASE62.indexOf(key[position] ?? '0') + 1) % 62];
      expect(isWellFormedApiKey(`${key.slice(0, position)}${replacement}${key.slice(position + 1)}`)).toBe(false);
      const [a, b] = [key[position], key[position + 1]];
      if (b !== undefined && a !== b) expect(isWellFormedApiKey(`${key.slice(0, position)}${b}${a}${key.slice(position + 2)}`)).toBe(false);
    }
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}0`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('gk_live_', 'gk_test_'))).toBe(false);
  });

  it('tells keys from JWTs by prefix', () => {
    expect(looksLikeApiKey('eyJhbGciOiJFUzI1NiJ9.e30.sig')).toBe(false);
  });
});

describe('API key hashes', () => {
  it('are SHA-256 hex, compared exactly', () => {
    const { key } = generateApiKey();
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashesEqual(hash, hashApiKey(key))).toBe(true);
    expect(hashesEqual(hash, hashApiKey(`${key}x`))).toBe(false);
    expect(hashesEqual(hash, hash.slice(0, 62))).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });
});
