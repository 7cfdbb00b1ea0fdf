import type { AuthRequirement, ProtectedAccess, Role } from '@gatehouse/contracts';
import { eventOrigin } from '../audit/security-events.js';
import { chargeDenial, type RefusalContext } from '../ratelimit/refusal-budgets.js';
import type { UserStore } from '../stores/user-store.js';
import { failAuth } from '../errors/auth-failure-error.js';
import type { Principal } from './principal.js';
import { principalKey } from './principal.js';
import { missingScopes } from './scopes.js';
import { meetsStepUp, stepUpChallenge } from './step-up.js';

/**
 * What authorization reads of a request (a request context is one): its
 * caller, the refusal budgets a denial is charged to, the user records roles
 * come from, and the clock step-up's max_age is judged by.
 */
export interface AuthorizationContext extends RefusalContext {
  authenticate(): Promise<Principal | undefined>;
  readonly deps: RefusalContext['deps'] & {
    readonly users: Pick<UserStore, 'findById'>;
    readonly now: () => number;
  };
}

const ROLE_RANK: Readonly<Record<Role, number>> = { user: 0, admin: 1 };

/**
 * The one check of a contract's auth requirement, run by the procedure's
 * resolver (routers/contract-resolver.ts). Handlers never check scopes or
 * roles themselves: they receive a principal only when it holds. Resolves
 * to the principal the requirement admits; throws 401/403 otherwise.
 */
export async function authorize(ctx: AuthorizationContext, requirement: ProtectedAccess, path: string): Promise<Principal> {
  const principal: Principal = (await ctx.authenticate()) ?? failAuth('missing_credentials');
  const missing = missingScopes(requirement.scopes, principal.scopes);
  if (missing.length > 0) {
    await deny(ctx, principal, path, 'insufficient_scope', { missingScopes: missing });
    failAuth('insufficient_scope', { required: requirement.scopes, missing });
  }
  if ((requirement.subject === 'user' || requirement.role !== undefined) && principal.kind !== 'user') {
    await deny(ctx, principal, path, 'forbidden_role', { principalKind: principal.kind });
    failAuth('forbidden_role');
  }
  if (requirement.pinNetwork === true && principal.credential.type === 'access_token' && principal.credential.network !== 'same') {
    // A 401, not a 403: the credential does not hold here, and the client's remedy is a new one (sign in again).
    // The move itself was already counted and logged (token.ip_mismatch) when the token was verified.
    failAuth('invalid_token', undefined, { detail: 'network_changed' });
  }
  if (requirement.role !== undefined && principal.kind === 'user') {
    // The role comes from the server's record, never from the token or the request.
    const user = await ctx.deps.users.findById(principal.userId);
    if (user === undefined || ROLE_RANK[user.role] < ROLE_RANK[requirement.role]) {
      await deny(ctx, principal, path, 'forbidden_role', { requiredRole: requirement.role });
      failAuth('forbidden_role');
    }
  }
  // Last: only a caller who may call the procedure at all is told to sign in again (RFC 9470), never a stranger.
  if (requirement.stepUp !== undefined && !meetsStepUp(principal, requirement.stepUp, Math.floor(ctx.deps.now() / 1000))) {
    await deny(ctx, principal, path, 'step_up_required', {});
    failAuth('step_up_required', undefined, { stepUp: stepUpChallenge(requirement.stepUp) });
  }
  return principal;
}

/**
 * Refuses an authenticated principal that a handler, not the contract, finds
 * ineligible (auth.logout, public so that a refresh token can prove the
 * session, refuses API keys and certificates). Charged and audited exactly
 * like a contract's own denial, so no 403 path is free or unrecorded.
 */
export async function refuseForbiddenRole(ctx: AuthorizationContext, principal: Principal, path: string): Promise<never> {
  await deny(ctx, principal, path, 'forbidden_role', { principalKind: principal.kind });
  return failAuth('forbidden_role');
}

/** A denial costs the caller's IP (docs/rate-limits.md): past its budget it is a 429, logged as such, not a 403. */
async function deny(
  ctx: AuthorizationContext,
  principal: Principal,
  path: string,
  reason: 'insufficient_scope' | 'forbidden_role' | 'step_up_required',
  details: Record<string, string | readonly string[]>,
): Promise<void> {
  await chargeDenial(ctx, principalKey(principal), path);
  ctx.deps.events.emit('authz.denied', eventOrigin(ctx, principalKey(principal)), { path, reason, ...details });
}
