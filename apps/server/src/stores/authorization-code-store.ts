import type { Scope } from '@gatehouse/contracts';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';

/** What an authorization code stands for: bound to the client, redirect URI, PKCE challenge, user and scopes. */
export interface AuthorizationCodeGrant {
  readonly clientId: string;
  /** The redirect URI the code was sent to. */
  readonly redirectUri: string;
  /** True when the authorization request named no redirect_uri (RFC 6749 section 3.1.2.3): the token request may then name none. */
  readonly redirectUriOmitted?: boolean;
  readonly codeChallenge: string;
  readonly userId: string;
  readonly scopes: readonly Scope[];
  /** The sign-in the user consented with (acr, amr, auth_time), carried into the tokens the code gives. */
  readonly authentication?: SignInAuthentication;
}

/** The tokens a code was exchanged for, kept so that a replayed code can revoke them (RFC 6749 section 4.1.2). */
export interface IssuedForCode {
  readonly familyId: string;
  readonly accessTokenJti: string;
  readonly accessTokenExpiresAt: number;
}

export type CodeRedemption =
  | { readonly status: 'valid'; readonly grant: AuthorizationCodeGrant }
  | { readonly status: 'reused'; readonly grant: AuthorizationCodeGrant }
  | { readonly status: 'unknown' };

/**
 * Whether the tokens a code issued were recorded before anyone replayed the
 * code. `replayed` means a replay came first (or the record is gone): the
 * replay found nothing to revoke, so the issuer must revoke what it issued.
 */
export type IssuedRecording = 'recorded' | 'replayed';

/**
 * Authorization codes, keyed by the SHA-256 of the code (the code itself is
 * never stored). Every method is one atomic operation: of two concurrent
 * redemptions of one code, exactly one is valid.
 *
 * A replay during issuance is settled by two atomic steps on one record:
 * the issuer's `recordIssued` and the replayer's `markReplayed`. Whichever
 * runs second learns of the other, so the tokens the code issued are always
 * revoked, by the replayer (it gets them from `markReplayed`) or by the
 * issuer (`recordIssued` answers `replayed`), however the requests interleave.
 */
export interface AuthorizationCodeStore {
  save(codeHash: string, grant: AuthorizationCodeGrant, ttlSeconds: number): Promise<void>;
  /** Marks the code redeemed; the first redemption keeps the record for `rememberSeconds`, so replays are recognised. */
  redeem(codeHash: string, rememberSeconds: number): Promise<CodeRedemption>;
  /** Records what a redeemed code issued, unless the code was replayed first (or is gone): then `replayed`. */
  recordIssued(codeHash: string, issued: IssuedForCode): Promise<IssuedRecording>;
  /** Marks a redeemed code replayed and returns what it issued, if that is recorded yet. */
  markReplayed(codeHash: string): Promise<IssuedForCode | undefined>;
}
