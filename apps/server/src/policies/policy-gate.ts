import type { PolicyName } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import type { AuthenticatedContext } from '../context.js';
import { enforcePolicy, namedPolicy, type NamedPolicy } from './enforce-policy.js';
import { POLICY_REGISTRY, type ResourceOf } from './policy-registry.js';
import { createPolicySubject, type PolicySubject } from './policy-subject.js';

/**
 * What the handler of a contract that names a policy receives as
 * `ctx.policy`: the one way to hand over the record it loaded. The record
 * comes back only when the policy allows; see enforcePolicy for the refusals.
 *
 * @example
 * ```ts
 * async byId({ input, ctx }) {
 *   return toOrder(await ctx.policy.require(await ctx.deps.orders.findById(input.id)));
 * }
 * ```
 */
export interface PolicyGate<TResource> {
  require(record: TResource | undefined): Promise<TResource>;
}

/**
 * The gate for one call, and whether the handler used it: a handler that
 * answers without asking would serve a record no policy saw, so the
 * resolver refuses its answer (assertConsulted), whatever it was.
 */
export class CallPolicyGate<TResource> implements PolicyGate<TResource> {
  #consulted = false;
  readonly #ctx: AuthenticatedContext;
  readonly #named: NamedPolicy<TResource>;
  readonly #path: string;
  readonly #subject: PolicySubject;

  constructor(ctx: AuthenticatedContext, named: NamedPolicy<TResource>, path: string) {
    this.#ctx = ctx;
    this.#named = named;
    this.#path = path;
    this.#subject = createPolicySubject(ctx.principal, ctx.deps.users);
  }

  require(record: TResource | undefined): Promise<TResource> {
    this.#consulted = true;
    return enforcePolicy(this.#ctx, this.#named, this.#subject, this.#path, record);
  }

  /** Throws (500, the answer discarded) when the handler never handed its record to the policy. */
  assertConsulted(): void {
    if (this.#consulted) return;
    this.#ctx.deps.logger.error({ policy: this.#named.name, path: this.#path }, 'handler answered without checking its contract’s policy: refused');
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
  }
}

/** The gate of the registered policy `name`, for one call. */
export function policyGateFor<TName extends PolicyName>(ctx: AuthenticatedContext, name: TName, path: string): CallPolicyGate<ResourceOf<TName>> {
  return new CallPolicyGate(ctx, namedPolicy(name, POLICY_REGISTRY[name] as NamedPolicy<ResourceOf<TName>>['policy']), path);
}
