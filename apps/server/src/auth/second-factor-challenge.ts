import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { SigningKeys } from '../tokens/signing-keys.js';

/** How long a password-checked sign-in waits for its second factor. */
export const SECOND_FACTOR_CHALLENGE_TTL_SECONDS = 300;

const CHALLENGE_TYPE = 'gatehouse-2fa+jwt';
const ALGORITHM = 'HS256';

/** What a challenge stands for: this user's password was right a moment ago. */
export interface SecondFactorChallengeClaims {
  readonly userId: string;
  /** Where the refresh token goes once the second factor is given, as auth.login was asked. */
  readonly delivery: 'body' | 'cookie';
}

export interface SecondFactorChallenges {
  issue(claims: SecondFactorChallengeClaims): Promise<{ readonly challenge: string; readonly expiresIn: number }>;
  /** The claims of a challenge this server issued and that has not expired; undefined for anything else. */
  verify(challenge: string): Promise<SecondFactorChallengeClaims | undefined>;
}

/**
 * The challenge between auth.login's password step and its second step: a
 * JWT under an HMAC key derived from the signing key (every process with the
 * same keys file accepts it), typed so it can never pass for an access token
 * (nor one for it). It proves only "the password was right a moment ago":
 * guessing codes with it spends the user's second-factor budget, not a new
 * password check, and it expires in five minutes.
 */
export function createSecondFactorChallenges(options: { readonly keys: SigningKeys; readonly issuer: string; readonly now: () => number }): SecondFactorChallenges {
  const secret = options.keys.deriveSecret('gatehouse second-factor challenge');
  const audience = `${options.issuer}#second-factor`;
  return {
    async issue(claims) {
      const issuedAt = Math.floor(options.now() / 1000);
      const challenge = await new SignJWT({ dlv: claims.delivery })
        .setProtectedHeader({ alg: ALGORITHM, typ: CHALLENGE_TYPE })
        .setIssuer(options.issuer)
        .setAudience(audience)
        .setSubject(claims.userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + SECOND_FACTOR_CHALLENGE_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(secret);
      return { challenge, expiresIn: SECOND_FACTOR_CHALLENGE_TTL_SECONDS };
    },
    async verify(challenge) {
      try {
        const { payload } = await jwtVerify(challenge, secret, {
          algorithms: [ALGORITHM],
          issuer: options.issuer,
          audience,
          typ: CHALLENGE_TYPE,
          requiredClaims: ['sub', 'exp', 'iat'],
          currentDate: new Date(options.now()),
        });
        const delivery = payload['dlv'];
        if (typeof payload.sub !== 'string' || (delivery !== 'body' && delivery !== 'cookie')) return undefined;
        return { userId: payload.sub, delivery };
      } catch {
        return undefined;
      }
    },
  };
}
