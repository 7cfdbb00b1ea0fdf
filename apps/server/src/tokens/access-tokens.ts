import { randomUUID } from 'node:crypto';
import { isScope, type Scope } from '@gatehouse/contracts';
import { SignJWT, errors as joseErrors, jwtVerify, type FlattenedJWSInput, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { hasLowS, isCanonicalCompactJws, toLowS } from './canonical-jws.js';
import type { NetworkHasher } from './network-hash.js';
import { signInFromClaims, type SignInAuthentication } from './sign-in-authentication.js';
import type { SigningKeys } from './signing-keys.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';
import type { VerifiedAccessToken } from './verified-access-token.js';
import { CONFIRMATION_CLAIM, readConfirmation, type TokenConfirmation } from './token-confirmation.js';

/** RFC 9068 section 2.1: access tokens say what they are in the header. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The client_id of tokens issued by auth.login; reserved, so no OAuth client can take it. */
export const FIRST_PARTY_CLIENT_ID = 'gatehouse';

export interface AccessTokenRequest {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** Grant type the token came from; client_credentials tokens have no user behind them. */
  readonly grant: 'user' | 'client_credentials';
  /** The refresh family (session) the token belongs to, as `sid`: revoking the family ends the token. */
  readonly sessionId?: string | undefined;
  /** When the refresh family ends: an access token never outlives the session it belongs to. */
  readonly notAfter?: Date | undefined;
  /**
   * The client address the token is issued to: its network is recorded as a
   * keyed hash (`nwh`), and `pinned` (`nwp`) makes a call from another
   * network a 401 (auth/token-network.ts). Absent: nothing recorded.
   */
  readonly issuedTo?: { readonly ip: string; readonly pinned: boolean } | undefined;
  /** The user's sign-in, as `acr`, `amr` and `auth_time` (step-up, RFC 9470); absent for client_credentials. */
  readonly authentication?: SignInAuthentication | undefined;
  /** Sender constraint, written as `cnf` (tokens/token-confirmation.ts): the token works only with this key or certificate. */
  readonly confirmation?: TokenConfirmation | undefined;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresIn: number;
  readonly expiresAt: Date;
  readonly scope: string;
}

export interface AccessTokens {
  issue(request: AccessTokenRequest): Promise<IssuedAccessToken>;
  /** Verifies signature, algorithm, typ, iss, aud and every required claim; throws AuthFailureError. */
  verify(token: string): Promise<VerifiedAccessToken>;
  /** The verified-token cache's fill and bound (undefined when GATEHOUSE_TOKEN_CACHE_SIZE is 0), for the memory report. */
  readonly cache: Pick<VerifiedTokenCache, 'size' | 'maxEntries'> | undefined;
}

export interface AccessTokenOptions {
  readonly keys: SigningKeys;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly now?: () => number;
  /** Remembers verified tokens until their exp, so repeat calls skip the signature check. */
  readonly cache?: VerifiedTokenCache | undefined;
  /** Hashes the network of `issuedTo`; without one, no network is recorded. */
  readonly networks?: NetworkHasher | undefined;
}

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'] as const;

/**
 * How far in the future an `iat` may lie: clocks of the processes behind one
 * issuer drift by seconds, not minutes. A later `iat` would stretch the "not
 * before" of revocation (a user's tokens issued before a revocation are
 * refused by `iat`) and the lifetime bound below.
 */
export const MAX_CLOCK_SKEW_SECONDS = 30;

/** Private claim naming the grant: RFC 9068 leaves room for it and Auth0 uses the same name. */
const GRANT_CLAIM = 'gty';

/** Session id claim (OpenID Connect's `sid`, allowed in access tokens by RFC 9068 section 2.2.1). */
const SESSION_CLAIM = 'sid';

/** Private claims: the keyed hash of the issuing network, and whether the token is pinned to it. */
const NETWORK_HASH_CLAIM = 'nwh';
const NETWORK_PINNED_CLAIM = 'nwp';

export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { keys, issuer, audience, ttlSeconds, cache, networks } = options;
  const nowMs = options.now ?? Date.now;
  const algorithms = [...keys.algorithms];

  async function resolveKey(header: JWTHeaderParameters, token: FlattenedJWSInput) {
    const entry = typeof header.kid === 'string' ? keys.verificationKey(header.kid) : undefined;
    // jose turns this into a JWSSignatureVerificationFailed-like failure; the algorithm must match the key's too.
    if (entry === undefined || entry.alg !== header.alg) throw new UnknownKeyError();
    // Before the signature check: the high-S twin of a genuine signature verifies, and is refused here.
    if (!hasLowS(entry.alg, token.signature)) throw new NonCanonicalSignatureError();
    return entry.key;
  }

  return {
    cache,
    async issue(request) {
      const issuedAt = Math.floor(nowMs() / 1000);
      const familyEnd = request.notAfter === undefined ? Infinity : Math.floor(request.notAfter.getTime() / 1000);
      const expiresAt = Math.min(issuedAt + ttlSeconds, familyEnd);
      const jti = randomUUID();
      const scope = request.scopes.join(' ');
      const claims: JWTPayload = { client_id: request.clientId, scope };
      if (request.grant === 'client_credentials') claims[GRANT_CLAIM] = 'client_credentials';
      if (request.sessionId !== undefined) claims[SESSION_CLAIM] = request.sessionId;
      if (request.issuedTo !== undefined && networks !== undefined) {
        claims[NETWORK_HASH_CLAIM] = networks.hashOf(request.issuedTo.ip);
        if (request.issuedTo.pinned) claims[NETWORK_PINNED_CLAIM] = true;
      }
      if (request.authentication !== undefined) {
        claims['acr'] = request.authentication.acr;
        claims['amr'] = [...request.authentication.amr];
        claims['auth_time'] = request.authentication.authTime;
      }
      if (request.confirmation !== undefined) claims[CONFIRMATION_CLAIM] = { ...request.confirmation };
      const signed = await new SignJWT(claims)
        .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuer)
        .setSubject(request.subject)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(jti)
        .sign(keys.active.privateKey);
      const token = toLowS(keys.active.alg, signed);
      return { token, jti, expiresIn: expiresAt - issuedAt, expiresAt: new Date(expiresAt * 1000), scope };
    },

    async verify(token) {
      // A hit is this exact string, checked canonical before it was remembered; a re-spelled copy of a cached
      // token hashes to another key, misses, and is refused just below, never remembered apart.
      const remembered = cache?.get(token);
      if (remembered !== undefined) return remembered;
      if (!isCanonicalCompactJws(token)) throw new AuthFailureError('invalid_token', undefined);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          algorithms,
          issuer,
          audience,
          typ: ACCESS_TOKEN_TYPE,
          requiredClaims: [...REQUIRED_CLAIMS],
          currentDate: new Date(nowMs()),
        }));
      } catch (error) {
        throw new AuthFailureError(error instanceof joseErrors.JWTExpired ? 'expired_token' : 'invalid_token', undefined);
      }
      const verified = toVerifiedToken(payload);
      assertBoundedTimes(verified, Math.floor(nowMs() / 1000), ttlSeconds);
      cache?.set(token, verified);
      return verified;
    },
  };
}

class UnknownKeyError extends Error {
  constructor() {
    super('The token names a key this server does not have');
    this.name = 'UnknownKeyError';
  }
}

class NonCanonicalSignatureError extends Error {
  constructor() {
    super('The token carries the high-S form of its ECDSA signature');
    this.name = 'NonCanonicalSignatureError';
  }
}

/**
 * Times a signed token may carry (RFC 7519 section 4.1 NumericDate, as this
 * server writes it): whole seconds, `iat` not in the future beyond a small
 * skew, and a lifetime no longer than this server grants (`exp: 1e300` from
 * a leaked signing path, or a token minted under a longer TTL, is refused).
 */
function assertBoundedTimes(token: VerifiedAccessToken, nowSeconds: number, ttlSeconds: number): void {
  const { issuedAt, expiresAt } = token;
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt)) throw new AuthFailureError('invalid_token', undefined);
  if (issuedAt > nowSeconds + MAX_CLOCK_SKEW_SECONDS) throw new AuthFailureError('invalid_token', undefined);
  if (expiresAt <= issuedAt || expiresAt - issuedAt > ttlSeconds) throw new AuthFailureError('invalid_token', undefined);
}

function toVerifiedToken(payload: JWTPayload): VerifiedAccessToken {
  const { sub, jti, iat, exp } = payload;
  const clientId = payload['client_id'];
  const scope = payload['scope'];
  const sessionId = payload[SESSION_CLAIM];
  const networkHash = payload[NETWORK_HASH_CLAIM];
  const networkPinned = payload[NETWORK_PINNED_CLAIM];
  if (
    (sessionId !== undefined && typeof sessionId !== 'string') ||
    (networkHash !== undefined && typeof networkHash !== 'string') ||
    // Pinned means pinned to something: a pin with no network, or any value but true, is not a token this server wrote.
    (networkPinned !== undefined && (networkPinned !== true || networkHash === undefined)) ||
    (payload.nbf !== undefined && !Number.isSafeInteger(payload.nbf)) ||
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof clientId !== 'string' ||
    typeof scope !== 'string'
  ) {
    throw new AuthFailureError('invalid_token', undefined);
  }
  const authentication = signInFromClaims({ acr: payload['acr'], amr: payload['amr'], auth_time: payload['auth_time'] });
  if (authentication === 'invalid') throw new AuthFailureError('invalid_token', undefined);
  // A `cnf` this server cannot read would be a binding it cannot enforce: refused, never ignored.
  const confirmation = readConfirmation(payload[CONFIRMATION_CLAIM]);
  if (confirmation === null) throw new AuthFailureError('invalid_token', undefined);
  const scopes = scope === '' ? [] : scope.split(' ');
  // A scope this server never grants means the token did not come from it.
  if (!scopes.every(isScope)) throw new AuthFailureError('invalid_token', undefined);
  return {
    subject: sub,
    clientId,
    scopes,
    jti,
    grant: payload[GRANT_CLAIM] === 'client_credentials' ? 'client_credentials' : 'user',
    issuedAt: iat,
    expiresAt: exp,
    sessionId,
    // Present only when recorded, so a token from before network hashes reads exactly as it did.
    ...(networkHash === undefined ? {} : { networkHash, networkPinned: networkPinned === true }),
    ...(authentication === undefined ? {} : { authentication }),
    ...(confirmation === undefined ? {} : { confirmation }),
  };
}
