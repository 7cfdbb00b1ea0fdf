import { hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

/** Asymmetric algorithms only: a verifier must never need a secret to check a token. */
export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * The public members RFC 7518 section 6 (EC, RSA) and RFC 8037 section 2 (OKP)
 * define for each key type. The JWKS is built from this allow-list, never by
 * deleting private members: a keys file may hold anything (custom members, an
 * `x5c` chain, a member a later RFC makes private), and none of it is published.
 */
const PUBLIC_KEY_MEMBERS = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
} as const satisfies Record<'EC' | 'OKP' | 'RSA', readonly string[]>;

const privateJwkSchema = z.looseObject({
  kty: z.enum(['EC', 'OKP', 'RSA']),
  kid: z.string().regex(/^[\w.-]{1,128}$/, 'kid: 1 to 128 letters, digits, _ . -'),
  alg: z.enum(SIGNING_ALGORITHMS),
  d: z.string().min(1, 'a private key (with "d") is required'),
});

const privateJwksSchema = z.object({ keys: z.array(privateJwkSchema).min(1) });

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
}

/**
 * The server's token keys: the first signs, all verify, so a new key can be
 * published before it signs and an old one kept until its tokens expire.
 * Keys are imported once at start; imports per request cost more than the
 * signature itself.
 */
export interface SigningKeys {
  readonly active: SigningKey;
  readonly algorithms: readonly SigningAlgorithm[];
  /** The public JWKS, as served at /.well-known/jwks.json. */
  readonly publicJwks: { readonly keys: readonly JWK[] };
  /** The public key for a `kid`, or undefined: tokens name keys, they never bring their own. */
  verificationKey(kid: string): { readonly key: CryptoKey; readonly alg: SigningAlgorithm } | undefined;
  readonly ephemeral: boolean;
  /**
   * A 32-byte secret for `label`, derived (HKDF-SHA256) from the active private
   * key: every process with the same keys file derives the same secret, and no
   * second secret needs configuring. Used for short-lived HMACs such as the
   * authorize form's CSRF token.
   */
  deriveSecret(label: string): Buffer;
}

export class SigningKeysError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SigningKeysError';
  }
}

/** Loads the private JWKS of GATEHOUSE_SIGNING_KEYS_FILE. */
export async function loadSigningKeysFile(path: string): Promise<SigningKeys> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SigningKeysError(`GATEHOUSE_SIGNING_KEYS_FILE: cannot read JSON from ${path}`, { cause: error });
  }
  const result = privateJwksSchema.safeParse(parsed);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new SigningKeysError(`GATEHOUSE_SIGNING_KEYS_FILE: not a private JWKS (${detail})`);
  }
  const kids = result.data.keys.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) throw new SigningKeysError('GATEHOUSE_SIGNING_KEYS_FILE: every kid must be unique');
  return buildSigningKeys(result.data.keys as Array<JWK & { kid: string; alg: SigningAlgorithm }>, false);
}

/** A fresh ES256 key that lives as long as the process: development and tests only. */
export async function generateEphemeralSigningKeys(): Promise<SigningKeys> {
  return buildSigningKeys([await generatePrivateJwk('ES256')], true);
}

/**
 * A new private JWK with its thumbprint as kid, for a keys file (see `pnpm gatehouse keys generate`).
 * A base64url thumbprint begins with `-` once in 64 keys, and an operator then cannot type it after
 * `keys activate` or `keys retire` (the CLI reads it as an option): such a key is drawn again, which
 * keeps the kid the key's RFC 7638 thumbprint and costs a second key pair once in 64.
 */
export async function generatePrivateJwk(alg: SigningAlgorithm): Promise<JWK & { kid: string; alg: SigningAlgorithm }> {
  for (;;) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    if (!kid.startsWith('-')) return { ...jwk, kid, alg, use: 'sig' };
  }
}

async function buildSigningKeys(
  privateJwks: ReadonlyArray<JWK & { kid: string; alg: SigningAlgorithm }>,
  ephemeral: boolean,
): Promise<SigningKeys> {
  const verification = new Map<string, { key: CryptoKey; alg: SigningAlgorithm }>();
  const publicJwks: JWK[] = [];
  let active: SigningKey | undefined;
  let activeSecret: string | undefined;
  for (const jwk of privateJwks) {
    const publicJwk = toPublicJwk(jwk as JWK & { kty: keyof typeof PUBLIC_KEY_MEMBERS });
    let privateKey: CryptoKey;
    let publicKey: CryptoKey;
    try {
      privateKey = (await importJWK(jwk, jwk.alg)) as CryptoKey;
      publicKey = (await importJWK(publicJwk, jwk.alg)) as CryptoKey;
    } catch (error) {
      throw new SigningKeysError(`signing key ${jwk.kid}: cannot import it as ${jwk.alg}`, { cause: error });
    }
    if (active === undefined) {
      active = { kid: jwk.kid, alg: jwk.alg, privateKey };
      activeSecret = jwk.d;
    }
    verification.set(jwk.kid, { key: publicKey, alg: jwk.alg });
    publicJwks.push({ ...publicJwk, kid: jwk.kid, alg: jwk.alg, use: 'sig' });
  }
  if (active === undefined || activeSecret === undefined) throw new SigningKeysError('no signing key');
  const keyMaterial = Buffer.from(activeSecret, 'base64url');
  const algorithms = [...new Set(privateJwks.map((jwk) => jwk.alg))];
  return Object.freeze({
    active,
    algorithms,
    publicJwks: Object.freeze({ keys: Object.freeze(publicJwks) }),
    verificationKey: (kid: string) => verification.get(kid),
    ephemeral,
    deriveSecret: (label: string) => Buffer.from(hkdfSync('sha256', keyMaterial, 'gatehouse', label, 32)),
  });
}

/** The key type's public members only; kid, alg and use (RFC 7517 section 4) are set by the caller. */
function toPublicJwk(jwk: JWK & { kty: keyof typeof PUBLIC_KEY_MEMBERS }): JWK {
  const publicJwk: Record<string, unknown> = {};
  for (const member of PUBLIC_KEY_MEMBERS[jwk.kty]) {
    const value: unknown = jwk[member as keyof JWK];
    if (value !== undefined) publicJwk[member] = value;
  }
  return publicJwk as JWK;
}
