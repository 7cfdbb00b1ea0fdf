/**
 * A DPoP key (RFC 9449) held as a non-extractable WebCrypto key: scripts can
 * sign with it but never read the private half, so an XSS or a leaked token
 * store yields tokens that are useless without it. Works with
 * `globalThis.crypto` in browsers and Node 20.
 */
export interface DpopSigner {
  /** The proof for one request (RFC 9449 section 4.2): `htm`, `htu` (query and fragment dropped), `iat`, `jti`, and `ath` of `accessToken`. */
  proof(method: string, url: string, options?: { readonly accessToken?: string; readonly nonce?: string }): Promise<string>;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Generates an ES256 key pair with `extractable: false` and returns a signer
 * for it. Keep one per session: the tokens issued while it signs are bound to it.
 *
 * @example
 * ```ts
 * const dpop = await createDpopSigner();
 * const client = createGatehouseClient({ url, fetch: createDpopFetch(dpop) });
 * const signIn = await client.auth.login.mutate({ email, password });
 * // Tokens with tokenType 'DPoP' (or, for an account with a second factor, a challenge: isSecondFactorChallenge)
 * ```
 */
export async function createDpopSigner(): Promise<DpopSigner> {
  const { privateKey, publicKey } = (await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  // A public key stays exportable whatever `extractable` says; only its public members go in the header.
  const { kty, crv, x, y } = await globalThis.crypto.subtle.exportKey('jwk', publicKey);
  const header = base64url(encoder.encode(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })));
  return {
    async proof(method, url, options = {}) {
      const target = new URL(url);
      target.search = '';
      target.hash = '';
      const claims: Record<string, unknown> = {
        jti: base64url(globalThis.crypto.getRandomValues(new Uint8Array(16))),
        htm: method,
        htu: target.href,
        iat: Math.floor(Date.now() / 1000),
      };
      if (options.accessToken !== undefined) {
        claims['ath'] = base64url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(options.accessToken))));
      }
      if (options.nonce !== undefined) claims['nonce'] = options.nonce;
      const signingInput = `${header}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
      // WebCrypto's ECDSA signature is r || s, exactly the JWS form (RFC 7518 section 3.4).
      const signature = await globalThis.crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, encoder.encode(signingInput));
      return `${signingInput}.${base64url(new Uint8Array(signature))}`;
    },
  };
}
