import type { PolicyName } from './policies.js';
import type { Role, Scope } from './scopes.js';

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
