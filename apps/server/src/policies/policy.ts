import type { PolicySubject } from './policy-subject.js';

/**
 * A rule over the caller (its principal and the server's record of its
 * user, attributes included) and one loaded record. True allows; anything
 * else, a throw included, refuses (enforce-policy.ts). Written once in
 * policy-registry.ts and named by contracts (`auth.policy`).
 */
export type Policy<TResource> = (subject: PolicySubject, resource: TResource) => boolean | Promise<boolean>;

/**
 * Allows when every policy allows, checked in order and stopping at the
 * first refusal. Takes at least one: an empty `allOf` would allow everyone.
 */
export function allOf<TResource>(first: Policy<TResource>, ...rest: readonly Policy<TResource>[]): Policy<TResource> {
  const policies = [first, ...rest];
  return async function allOfPolicy(subject, resource) {
    for (const policy of policies) if ((await policy(subject, resource)) !== true) return false;
    return true;
  };
}

/**
 * Allows when any policy allows, checked in order and stopping at the first
 * that does (put the cheap ones, which need no store lookup, first). Takes
 * at least one: an empty `anyOf` would refuse everyone, which is never meant.
 */
export function anyOf<TResource>(first: Policy<TResource>, ...rest: readonly Policy<TResource>[]): Policy<TResource> {
  const policies = [first, ...rest];
  return async function anyOfPolicy(subject, resource) {
    for (const policy of policies) if ((await policy(subject, resource)) === true) return true;
    return false;
  };
}

/**
 * Allows exactly when `policy` refuses. A throw inside it is not a refusal
 * to invert: it propagates, and the whole check refuses (fail closed).
 */
export function not<TResource>(policy: Policy<TResource>): Policy<TResource> {
  return async function notPolicy(subject, resource) {
    return (await policy(subject, resource)) !== true;
  };
}
