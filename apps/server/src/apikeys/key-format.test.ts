import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, displayPrefix, generateApiKey, isWellFormedApiKey, looksLikeApiKey } from './key-format.js';
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

  it('draws the random part uniformly from all 62 characters', () => {
    const counts = new Map<string, number>();
    const keys = 3_000;
    for (let index = 0; index < keys; index += 1) {
      for (const character of generateApiKey().key.slice(8, 51)) counts.set(character, (counts.get(character) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    // 129,000 draws, about 2,081 per character (standard deviation about 45): a bias toward the first
    // characters (bytes 248 to 255 taken modulo 62) would put them 25 % above the others.
    const mean = (keys * 43) / 62;
    for (const [character, count] of counts) expect(Math.abs(count - mean) / mean, character).toBeLessThan(0.15);
  });

  it('keeps every key the same length, however small its checksum', () => {
    // About one key in 62 has a checksum below 62^5, written with a leading zero.
    for (let index = 0; index < 2_000; index += 1) {
      const { key } = generateApiKey();
      expect(key).toHaveLength(API_KEY_LENGTH);
      if (key.at(-6) === '0') return;
    }
    throw new Error('no key with a zero-padded checksum in 2,000');
  });

  it('refuses a string whose checksum matches but whose shape is not a key’s', () => {
    // The documented format: CRC-32 (IEEE) of the body, in six base62 digits.
    const withChecksum = (body: string) => {
      let rest = crc32(body);
      let digits = '';
      do {
        digits = BASE62[rest % 62] + digits;
        rest = Math.floor(rest / 62);
      } while (rest > 0);
      return body + digits.padStart(6, '0');
    };
    expect(isWellFormedApiKey(withChecksum(`gk_live_${'a'.repeat(43)}`))).toBe(true);
    for (const body of [`gk_live_${'a'.repeat(42)}`, `gk_live_${'a'.repeat(44)}`, `gk_live_${'a'.repeat(42)}-`, `gk_test_${'a'.repeat(43)}`, `xgk_live_${'a'.repeat(42)}`]) {
      expect(isWellFormedApiKey(withChecksum(body)), body).toBe(false);
    }
  });

  it('shows gk_live_ and six characters of a key as its prefix', () => {
    const { key, prefix } = generateApiKey();
    expect(prefix).toBe(key.slice(0, 14));
    expect(displayPrefix(key)).toBe(prefix);
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
