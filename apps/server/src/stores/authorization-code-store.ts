import type { Scope } from '@gatehouse/contracts';

/** What an authorization code stands for: bound to the client, redirect URI, PKCE challenge, user and scopes. */
export interface AuthorizationCodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly userId: string;
  readonly scopes: readonly Scope[];
}

/** The tokens a code was exchanged for, kept so that a replayed code can revoke them (RFC 6749 section 4.1.2). */
export interface IssuedForCode {
  readonly familyId: string;
  readonly accessTokenJti: string;
  readonly accessTokenExpiresAt: number;
}

export type CodeRedemption =
  | { readonly status: 'valid'; readonly grant: AuthorizationCodeGrant }
  | { readonly status: 'reused'; readonly grant: AuthorizationCodeGrant; readonly issued: IssuedForCode | undefined }
  | { readonly status: 'unknown' };

/**
 * Authorization codes, keyed by the SHA-256 of the code (the code itself is
 * never stored). `redeem` is one atomic operation: of two concurrent
 * redemptions of one code, exactly one is valid.
 */
export interface AuthorizationCodeStore {
  save(codeHash: string, grant: AuthorizationCodeGrant, ttlSeconds: number): Promise<void>;
  redeem(codeHash: string): Promise<CodeRedemption>;
  /** Remembers what a redeemed code issued, until `rememberSeconds` pass. */
  recordIssued(codeHash: string, issued: IssuedForCode, rememberSeconds: number): Promise<void>;
}
