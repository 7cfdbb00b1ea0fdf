import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Gatehouse API keys look like `gk_live_<43 base62 random><6 base62 CRC-32>`,
 * after GitHub's token format: the prefix says what the string is (so secret
 * scanners and people recognise a leaked key), the random part carries 256
 * bits, and the checksum lets anyone reject a mistyped or truncated key
 * without asking the store.
 */
export const API_KEY_PREFIX = 'gk_live_';

/** Anything starting with this is treated as a Gatehouse API key (never as a JWT, which starts `eyJ`). */
export const API_KEY_FAMILY = 'gk_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 43 × log2(62) ≈ 256 bits. */
const RANDOM_LENGTH = 43;
/** 62^6 > 2^32: six characters hold any CRC-32. */
const CHECKSUM_LENGTH = 6;
/** How much of the key `prefix` shows: the family prefix and 6 random characters, enough to tell keys apart. */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 6;

export const API_KEY_LENGTH = API_KEY_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH;

const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

export interface GeneratedApiKey {
  /** The secret, returned to its owner once. */
  readonly key: string;
  /** Its first characters, safe to store and display. */
  readonly prefix: string;
}

/** A new random key with its checksum. */
export function generateApiKey(): GeneratedApiKey {
  const body = API_KEY_PREFIX + randomBase62(RANDOM_LENGTH);
  const key = body + checksumOf(body);
  return { key, prefix: displayPrefix(key) };
}

/** Whether a presented credential claims to be an API key (by its prefix), well formed or not. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_FAMILY);
}

/** Whether a string is a well-formed key with a matching checksum: the check that needs no store. */
export function isWellFormedApiKey(candidate: string): boolean {
  if (!KEY_SHAPE.test(candidate)) return false;
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  return checksumOf(body) === candidate.slice(-CHECKSUM_LENGTH);
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_LENGTH);
}

/**
 * The CRC-32 of IEEE 802.3 (zlib's, Node 20.15+) of the ASCII body: a typo
 * check, not a MAC; the key's secrecy comes from its random part.
 */
function checksumOf(body: string): string {
  return toBase62(crc32(body)).padStart(CHECKSUM_LENGTH, '0');
}

function toBase62(value: number): string {
  let rest = value;
  let digits = '';
  do {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return digits;
}

/** Uniform base62 by rejection sampling: bytes of 248 and above would favour the first characters. */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
