import type { Scope } from '@gatehouse/contracts';
import type { SignInAuthentication } from './sign-in-authentication.js';
import type { TokenConfirmation } from './token-confirmation.js';

/** What a verified access token says, as the checks after verification read it (tokens/access-tokens.ts makes one). */
export interface VerifiedAccessToken {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  readonly jti: string;
  readonly grant: 'user' | 'client_credentials';
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly sessionId: string | undefined;
  /** The keyed hash of the network the token was issued to, when recorded. */
  readonly networkHash?: string | undefined;
  /** The token is refused from any other network than `networkHash`. */
  readonly networkPinned?: boolean;
  /** The sign-in behind the token (`acr`, `amr`, `auth_time`), when it carries one. */
  readonly authentication?: SignInAuthentication;
  /** `cnf`: the DPoP key or client certificate the token is bound to, when it is sender-constrained. */
  readonly confirmation?: TokenConfirmation;
}
