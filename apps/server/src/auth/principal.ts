import type { Scope } from '@gatehouse/contracts';

/** How the caller proved who it is. */
export type Credential =
  | {
      readonly type: 'access_token';
      readonly jti: string;
      readonly clientId: string;
      readonly expiresAt: number;
      /** The refresh family (`sid`) the token belongs to, which auth.logout revokes. */
      readonly sessionId?: string | undefined;
      /** Whether the call comes from the network the token was issued to (auth/token-network.ts); contracts with `pinNetwork` need `same`. */
      readonly network?: 'same' | 'moved' | 'unrecorded';
    }
  | { readonly type: 'api_key'; readonly keyId: string }
  | { readonly type: 'certificate'; readonly fingerprint: string };

/** A person: through an access token, or through an API key that acts for its owner. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly scopes: readonly Scope[];
  readonly credential: Credential;
}

/**
 * No person behind it: an OAuth client (client_credentials) or a service
 * (mTLS). It acts for the system within its scopes (docs/service-to-service.md).
 */
export interface SystemPrincipal {
  readonly kind: 'client' | 'service';
  readonly id: string;
  readonly scopes: readonly Scope[];
  readonly credential: Credential;
}

export type Principal = UserPrincipal | SystemPrincipal;

/**
 * A stable identity for budgets and logs. API keys count apart from their
 * owner's tokens, so one leaked key cannot exhaust its owner's budget.
 */
export function principalKey(principal: Principal): string {
  if (principal.credential.type === 'api_key') return `apikey:${principal.credential.keyId}`;
  return principal.kind === 'user' ? `user:${principal.userId}` : `${principal.kind}:${principal.id}`;
}
