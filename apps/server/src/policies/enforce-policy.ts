import { POLICIES, type PolicyDeclaration } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { principalKey } from '../auth/principal.js';
import { eventOrigin, type AuthenticatedContext } from '../context.js';
import { chargeDenial } from '../ratelimit/refusal-budgets.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { Policy } from './policy.js';
import type { PolicySubject } from './policy-subject.js';

/** A policy as enforcement needs it: its name (for the audit and the 403), its declaration and its rule. */
export interface NamedPolicy<TResource> {
  readonly name: string;
  readonly declaration: PolicyDeclaration;
  readonly policy: Policy<TResource>;
}

/** The answer to a record the caller may not see, identical to the one for a record that does not exist. */
const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });

/**
 * Whether the policy allows, failing closed: only `true` allows, and a
 * policy that throws refuses (the bug is logged, never answered). A store
 * outage is not a policy's bug: it propagates and the call answers 503, as
 * every other store failure does, which refuses too.
 */
export async function evaluatePolicy<TResource>(
  ctx: AuthenticatedContext,
  named: NamedPolicy<TResource>,
  subject: PolicySubject,
  resource: TResource,
): Promise<boolean> {
  try {
    return (await named.policy(subject, resource)) === true;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    ctx.deps.logger.error({ err: error, policy: named.name, requestId: ctx.requestId }, 'policy threw: refused');
    return false;
  }
}

/**
 * The record, when the policy allows the caller to have it. A missing record
 * is NOT_FOUND. A refusal answers as the policy declares: NOT_FOUND (the
 * same answer as a missing record, so ids of others' records leak nothing,
 * and no charge a missing record would not cost) or 403 `forbidden_role`
 * naming the policy, charged to the principal's budget of denials like
 * every other 403. Either way it is audited as `authz.denied` with the
 * policy's name.
 */
export async function enforcePolicy<TResource>(
  ctx: AuthenticatedContext,
  named: NamedPolicy<TResource>,
  subject: PolicySubject,
  path: string,
  record: TResource | undefined,
): Promise<TResource> {
  if (record === undefined) throw notFound();
  if (await evaluatePolicy(ctx, named, subject, record)) return record;
  const principal = principalKey(ctx.principal);
  ctx.deps.events.emit('authz.denied', eventOrigin(ctx, principal), {
    path,
    reason: 'policy',
    policy: named.name,
    answer: named.declaration.whenDenied,
  });
  if (named.declaration.whenDenied === 'not_found') throw notFound();
  await chargeDenial(ctx, principal, path);
  throw new AuthFailureError('forbidden_role', undefined, { policy: named.name }).toTRPCError();
}

/** A contract's policy by name, with its declaration from the contracts. */
export function namedPolicy<TResource>(name: keyof typeof POLICIES, policy: Policy<TResource>): NamedPolicy<TResource> {
  return { name, declaration: POLICIES[name], policy };
}
