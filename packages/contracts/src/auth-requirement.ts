import type { PolicyName } from './policies.js';
import type { Role, Scope } from './scopes.js';

/**
 * How strongly a user proved who they are, as access tokens carry it in
 * `acr` (Authentication Context Class Reference, RFC 9068 section 2.2.1 /
 * RFC 9470): `pwd`, a password; `mfa`, a password and a second factor
 * (TOTP or a recovery code). Ordered weakest first: `mfa` satisfies a
 * requirement of `pwd`.
 */
export const ACR_VALUES = ['pwd', 'mfa'] as const;

export type AcrValue = (typeof ACR_VALUES)[number];

/**
 * Step-up (RFC 9470): what the sign-in behind the call must have been.
 * `acr: 'mfa'` needs a token issued after a second factor; `maxAgeSeconds`
 * needs a sign-in (`auth_time`) at most that long ago, whatever the token's
 * own age (a refreshed token keeps its sign-in's time). A call that falls
 * short is a 401 `insufficient_user_authentication` naming what to do.
 *
 * @example
 * ```ts
 * auth: { scopes: ['admin'], role: 'admin', stepUp: { acr: 'mfa', maxAgeSeconds: 300 } }
 * ```
 */
export interface StepUpRequirement {
  readonly acr?: 'mfa';
  readonly maxAgeSeconds?: number;
}

/** The procedure answers anyone, with or without a credential. */
export type PublicAccess = 'public';

/**
 * The procedure needs an authenticated principal holding every scope in
 * `scopes`. `role` additionally requires the server's record of the user to have
 * that role. `subject: 'user'` marks procedures about the caller's own account:
 * principals with no user behind them (client credentials, mTLS services) are
 * refused with `forbidden_role` even when they hold the scopes.
 *
 * `policy` names a resource rule of `POLICIES` that the server checks on the
 * record the handler loads (an unknown name does not compile). `pinNetwork`
 * refuses an access token used from another network than the one it was
 * issued to (401 `invalid_token`, `detail: 'network_changed'`).
 */
export interface ProtectedAccess<TScopes extends readonly Scope[] = readonly Scope[]> {
  readonly scopes: TScopes;
  readonly role?: Role;
  readonly subject?: 'user';
  readonly policy?: PolicyName;
  readonly pinNetwork?: true;
  /** A recent or stronger sign-in (RFC 9470): see {@link StepUpRequirement}. */
  readonly stepUp?: StepUpRequirement;
}

/** What a procedure requires of its caller. Every contract must declare one. */
export type AuthRequirement = PublicAccess | ProtectedAccess;

/** The literal scopes a requirement names (`never` for public procedures). */
export type RequiredScopesOf<TAuth extends AuthRequirement> =
  TAuth extends ProtectedAccess<infer TScopes> ? TScopes[number] : never;

/** Whether a requirement lets anyone call, with or without a credential. */
export function isPublic(requirement: AuthRequirement): requirement is PublicAccess {
  return requirement === 'public';
}
