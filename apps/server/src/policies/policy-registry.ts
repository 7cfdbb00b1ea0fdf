import type { POLICIES, PolicyName } from '@gatehouse/contracts';
import type { OrderRecord } from '../stores/order-store.js';
import type { UserRecord } from '../stores/user-store.js';
import { regionOfOrder } from './order-region.js';
import { allOf, anyOf, type Policy } from './policy.js';
import { hasRole, inDepartment, inRegionOf, isSystemPrincipal, ownedBy } from './subject-rules.js';

/** The record each `resource` kind of a policy declaration (contracts' POLICIES) stands for. */
interface PolicyResources {
  readonly order: OrderRecord;
  readonly user: UserRecord;
}

/** The record a named policy is checked on. */
export type ResourceOf<TName extends PolicyName> = PolicyResources[(typeof POLICIES)[TName]['resource']];

/** Exactly one policy per name the contracts may use: a missing or extra one does not compile. */
export type PolicyRegistry = { readonly [TName in PolicyName]: Policy<ResourceOf<TName>> };

/**
 * Every policy, registered once. Cheap rules (no store lookup) come first in
 * each `anyOf`, so an owner reading its own record costs nothing beyond the
 * comparison; the user's record is read at most once per check.
 */
export const POLICY_REGISTRY: PolicyRegistry = {
  // Ownership is one rule among others here, not a special case in the handlers.
  'order.readable': anyOf<OrderRecord>(
    isSystemPrincipal,
    ownedBy((order) => order.ownerId),
    hasRole('admin'),
    // Support staff answer customers of their own region. Read only: no write contract names this policy.
    allOf<OrderRecord>(inDepartment('support'), inRegionOf(regionOfOrder)),
  ),
  'user.readable': anyOf<UserRecord>(isSystemPrincipal, ownedBy((user) => user.id), hasRole('admin')),
};
