import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The stored form of a key: SHA-256, hex. Keys carry 256 random bits, so a
 * fast hash is enough (bcrypt defends low-entropy passwords against
 * guessing, which a random key does not need) and lookups stay cheap.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two hex hashes without an early exit, so timing says nothing about how much matched. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
