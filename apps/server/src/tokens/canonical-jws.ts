/**
 * One spelling per token. A JWS compact serialisation can be re-spelled
 * without the key: base64url's last character carries spare bits (RFC 4648
 * section 3.5), decoders tolerate `=` padding, and an ECDSA signature (r, s)
 * is just as valid as (r, n - s). Each spelling would be a different string,
 * so a separate verified-token cache entry, a separate revocation-list or
 * replay-cache key at a resource server, and a different token hash in logs.
 * Gatehouse only ever issues the canonical spelling, so any other is refused.
 */

/**
 * The 6-bit value of each ASCII code in the base64url alphabet, -1 for
 * anything else (`=`, `+`, `/`): a typed-array lookup, since this runs on
 * every authenticated call, cache hits included.
 */
const BASE64URL_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].forEach((character, value) => {
    values[character.charCodeAt(0)] = value;
  });
  return values;
})();

/**
 * Whether `segment` is canonical unpadded base64url (RFC 7515 section 2):
 * only alphabet characters, never a length of 1 mod 4, and the unused low
 * bits of the final character zero, so exactly one string encodes the bytes.
 */
export function isCanonicalBase64url(segment: string): boolean {
  if (segment.length === 0 || segment.length % 4 === 1) return false;
  let last = 0;
  for (let index = 0; index < segment.length; index += 1) {
    const value = BASE64URL_VALUES[segment.charCodeAt(index)] ?? -1;
    if (value === -1) return false;
    last = value;
  }
  // 2 characters left over carry 8 bits of 12 (4 unused), 3 carry 16 of 18 (2 unused).
  const unusedBits = segment.length % 4 === 2 ? 0b1111 : segment.length % 4 === 3 ? 0b11 : 0;
  return (last & unusedBits) === 0;
}

/** Three canonical base64url segments: header, payload, signature. */
export function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split('.');
  return segments.length === 3 && segments.every(isCanonicalBase64url);
}

/** Half the group order n of each ECDSA curve (SEC 2), big-endian, as long as the curve's scalars. */
const HALF_ORDER: Readonly<Record<string, Buffer>> = {
  // P-256: n = FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
  ES256: halfOf('FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
  // P-384: n = FF…FFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973
  ES384: halfOf('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973'),
};

/**
 * For an ECDSA algorithm, whether the signature's `s` is at most n/2 (the
 * low-S rule of BIP 62 and libsecp256k1). Node signs either half; Gatehouse
 * normalises what it issues (see toLowS) and refuses the other half, so
 * (r, n - s) is not a second valid spelling. Other algorithms have no such
 * twin (Ed25519 and RSA signatures are unique per key and message) and pass.
 */
export function hasLowS(alg: string, signature: string): boolean {
  const half = HALF_ORDER[alg];
  if (half === undefined) return true;
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== half.length * 2) return false;
  return Buffer.compare(bytes.subarray(half.length), half) <= 0;
}

/**
 * Rewrites a freshly signed ECDSA token to its low-S twin when the signer
 * produced the high one: both verify, and only the low one is accepted.
 */
export function toLowS(alg: string, token: string): string {
  const half = HALF_ORDER[alg];
  const dot = token.lastIndexOf('.');
  if (half === undefined || hasLowS(alg, token.slice(dot + 1))) return token;
  const bytes = Buffer.from(token.slice(dot + 1), 'base64url');
  const size = half.length;
  const order = BigInt(`0x${half.toString('hex')}`) * 2n + 1n;
  const s = BigInt(`0x${bytes.subarray(size).toString('hex')}`);
  const lowS = Buffer.from((order - s).toString(16).padStart(size * 2, '0'), 'hex');
  return `${token.slice(0, dot + 1)}${Buffer.concat([bytes.subarray(0, size), lowS]).toString('base64url')}`;
}

function halfOf(orderHex: string): Buffer {
  // n is odd, so floor(n / 2) = (n - 1) / 2 and s <= floor(n / 2) is the low half.
  const half = BigInt(`0x${orderHex}`) / 2n;
  return Buffer.from(half.toString(16).padStart(orderHex.length, '0'), 'hex');
}
