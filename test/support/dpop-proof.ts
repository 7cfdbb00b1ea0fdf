import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's DPoP key pair, with the thumbprint (`jkt`) tokens bound to it carry. */
export interface DpopTestKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function generateDpopKey(alg = 'ES256', options: { readonly extractable?: boolean } = {}): Promise<DpopTestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: options.extractable ?? false });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export interface ProofOptions {
  readonly htm: string;
  readonly htu: string;
  readonly accessToken?: string;
  readonly nonce?: string;
  /** Seconds since the epoch; now by default. */
  readonly iat?: number;
  readonly jti?: string;
  readonly typ?: string;
  /** `ath` as given, instead of the hash of `accessToken`. */
  readonly ath?: string;
  /** A header `jwk` other than the signing key's public half (a private key, another key). */
  readonly jwk?: JWK;
}

/**
 * A DPoP proof (RFC 9449 section 4.2) written here, independently of the
 * server's code, so each field can be got wrong on purpose.
 */
export async function dpopProof(key: DpopTestKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = { htm: options.htm, htu: options.htu };
  const ath = options.ath ?? (options.accessToken === undefined ? undefined : createHash('sha256').update(options.accessToken).digest('base64url'));
  if (ath !== undefined) claims['ath'] = ath;
  if (options.nonce !== undefined) claims['nonce'] = options.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.publicJwk })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? randomUUID())
    .sign(key.privateKey);
}
