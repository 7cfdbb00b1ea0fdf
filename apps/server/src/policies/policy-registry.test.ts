import { contracts, defineQuery, type ContractTree, type PolicyName } from '@gatehouse/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { HandlerFor } from '../routers/build-router.js';
import type { OrderRecord } from '../stores/order-store.js';
import type { UserRecord } from '../stores/user-store.js';
import { allOf, anyOf, not, type Policy } from './policy.js';
import type { PolicyGate } from './policy-gate.js';
import { POLICY_REGISTRY, type PolicyRegistry, type ResourceOf } from './policy-registry.js';
import { hasRole, isSystemPrincipal, ownedBy } from './subject-rules.js';

/*
 * Type tests (checked by `pnpm typecheck`, which covers this file): the
 * registry holds exactly one rule per name the contracts may use, each typed
 * by the record its declaration names, and a handler receives the gate of
 * its contract's policy, typed the same way, and only when it names one.
 */
const anyOrder: Policy<OrderRecord> = isSystemPrincipal;
const anyUser: Policy<UserRecord> = isSystemPrincipal;
/** Takes a registry as POLICY_REGISTRY is declared: an object literal, so extra names are checked too. */
const register = (registry: PolicyRegistry) => registry;

describe('the policy registry’s type', () => {
  it('needs a rule for every name in POLICIES and refuses a name outside it', () => {
    expectTypeOf(register).toBeCallableWith({ 'order.readable': anyOrder, 'user.readable': anyUser });
    // @ts-expect-error user.readable has no rule: a policy a contract names must be registered
    expectTypeOf(register).toBeCallableWith({ 'order.readable': anyOrder });
    // A literal, as the registry is written: toBeCallableWith infers its argument, which skips excess-property checks.
    // @ts-expect-error a rule under a name no contract can use
    register({ 'order.readable': anyOrder, 'user.readable': anyUser, 'order.cancellable': anyOrder });
    expectTypeOf<keyof PolicyRegistry>().toEqualTypeOf<PolicyName>();
    expect(Object.keys(POLICY_REGISTRY).sort()).toEqual(['order.readable', 'user.readable']);
  });

  it('types each rule by the record its declaration names, so a rule about users cannot be registered for orders', () => {
    expectTypeOf<ResourceOf<'order.readable'>>().toEqualTypeOf<OrderRecord>();
    expectTypeOf<ResourceOf<'user.readable'>>().toEqualTypeOf<UserRecord>();
    const byUserId = ownedBy((user: UserRecord) => user.id);
    // @ts-expect-error a rule that reads a user record, registered where orders are checked
    expectTypeOf(register).toBeCallableWith({ 'order.readable': byUserId, 'user.readable': anyUser });
  });

  it('keeps the combinators’ record type: allOf, anyOf and not of order rules are order rules', () => {
    const byOwner = ownedBy((order: OrderRecord) => order.ownerId);
    expectTypeOf(anyOf<OrderRecord>(isSystemPrincipal, byOwner, hasRole('admin'))).toEqualTypeOf<Policy<OrderRecord>>();
    expectTypeOf(allOf<OrderRecord>(byOwner, not<OrderRecord>(hasRole('admin')))).toEqualTypeOf<Policy<OrderRecord>>();
    // @ts-expect-error an empty allOf would allow everyone: at least one rule is required
    expectTypeOf(allOf).toBeCallableWith();
    // @ts-expect-error an empty anyOf would refuse everyone, which is never meant
    expectTypeOf(anyOf).toBeCallableWith();
  });
});

describe('a handler’s policy gate', () => {
  const tree = {
    plain: defineQuery({ summary: 'scopes only', input: z.object({}), output: z.object({}), auth: { scopes: ['orders:read'] } }),
  } satisfies ContractTree;

  it('is typed by its contract’s policy, and absent when the contract names none', () => {
    type OrderCtx = Parameters<HandlerFor<typeof contracts.orders.byId>>[0]['ctx'];
    type UserCtx = Parameters<HandlerFor<typeof contracts.users.byId>>[0]['ctx'];
    type PlainCtx = Parameters<HandlerFor<typeof tree.plain>>[0]['ctx'];
    expectTypeOf<OrderCtx['policy']>().toEqualTypeOf<PolicyGate<OrderRecord>>();
    expectTypeOf<UserCtx['policy']>().toEqualTypeOf<PolicyGate<UserRecord>>();
    expectTypeOf<PlainCtx>().not.toHaveProperty('policy');
    // A handler cannot hand an order's gate another kind of record.
    expectTypeOf<OrderCtx['policy']['require']>().parameter(0).toEqualTypeOf<OrderRecord | undefined>();
    expectTypeOf<UserRecord>().not.toExtend<Parameters<OrderCtx['policy']['require']>[0]>();
  });
});
