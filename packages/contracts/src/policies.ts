/**
 * The resource policies a contract may name (`auth: { scopes, policy }`).
 * The names live here, with zod and the scopes, so an unknown name is a
 * compile error in the contract that uses it; the rules themselves are the
 * server's (apps/server/src/policies/policy-registry.ts), which must define
 * exactly one per name.
 */
export interface PolicyDeclaration {
  /** What the policy is about: the record the handler loads and hands to it. */
  readonly resource: 'order' | 'user';
  /**
   * How a refusal answers. `not_found`: exactly like a record that does not
   * exist (404), where the existence of another user's record must not leak.
   * `forbidden`: 403 with `auth.reason` `forbidden_role` and `auth.policy`
   * naming the policy, where the caller already knows the record exists.
   */
  readonly whenDenied: 'not_found' | 'forbidden';
  /** The rule in words, for the manifest and the README's procedure table. */
  readonly summary: string;
}

/**
 * Every policy, by name.
 *
 * @example
 * ```ts
 * byId: defineQuery({ ..., auth: { scopes: ['orders:read'], policy: 'order.readable' } })
 * ```
 */
export const POLICIES = {
  'order.readable': {
    resource: 'order',
    whenDenied: 'not_found',
    summary: 'its owner, an admin, a system principal, or support staff of the region it ships to (read only)',
  },
  'user.readable': {
    resource: 'user',
    whenDenied: 'not_found',
    summary: 'the account itself, an admin, or a system principal',
  },
} as const satisfies Readonly<Record<string, PolicyDeclaration>>;

/** A policy name of {@link POLICIES}: the only strings `auth.policy` accepts. */
export type PolicyName = keyof typeof POLICIES;

/** Every {@link PolicyName}, sorted. */
export const POLICY_NAMES = (Object.keys(POLICIES) as PolicyName[]).sort();
