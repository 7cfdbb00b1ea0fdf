import { describe, expect, it } from 'vitest';
import type { Principal, SystemPrincipal, UserPrincipal } from '../auth/principal.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import type { OrderRecord } from '../stores/order-store.js';
import type { UserStore } from '../stores/user-store.js';
import { regionOfCountry } from './order-region.js';
import { allOf, anyOf, not, type Policy } from './policy.js';
import { POLICY_REGISTRY } from './policy-registry.js';
import { createPolicySubject } from './policy-subject.js';

const credential = { type: 'access_token', jti: 'j', clientId: 'gatehouse', expiresAt: 0 } as const;
const userPrincipal = (userId: string): UserPrincipal => ({ kind: 'user', userId, scopes: ['orders:read'], credential });
const client: SystemPrincipal = { kind: 'client', id: 'billing', scopes: ['orders:read'], credential };

const allow: Policy<unknown> = () => true;
const refuse: Policy<unknown> = () => false;
const explode: Policy<unknown> = () => {
  throw new Error('a bug in a rule');
};

async function decide(policy: Policy<unknown>): Promise<boolean> {
  const users = createMemoryUserStore();
  return policy(createPolicySubject(client, users), undefined);
}

describe('allOf, anyOf, not', () => {
  it('combine as logic says, stopping at the first rule that decides', async () => {
    expect(await decide(allOf(allow, allow))).toBe(true);
    expect(await decide(allOf(allow, refuse))).toBe(false);
    expect(await decide(anyOf(refuse, allow))).toBe(true);
    expect(await decide(anyOf(refuse, refuse))).toBe(false);
    expect(await decide(not(refuse))).toBe(true);
    expect(await decide(not(allow))).toBe(false);
    // Short-circuit: the exploding rule is never reached.
    expect(await decide(anyOf(allow, explode))).toBe(true);
    expect(await decide(allOf(refuse, explode))).toBe(false);
  });

  it('never turn a throw into an allow: not() of a throwing rule throws, and the check refuses (enforce-policy)', async () => {
    await expect(decide(not(explode))).rejects.toThrow('a bug in a rule');
    await expect(decide(anyOf(refuse, explode))).rejects.toThrow('a bug in a rule');
  });

  it('count only a literal true as an allow', async () => {
    const truthy = (() => 'yes') as unknown as Policy<unknown>;
    expect(await decide(allOf(truthy))).toBe(false);
    expect(await decide(anyOf(truthy))).toBe(false);
  });
});

describe('the registered policies', () => {
  async function world() {
    const users: UserStore = createMemoryUserStore();
    const make = (role: 'user' | 'admin') => users.create({ email: `${crypto.randomUUID()}@p.test`, name: 'n', role, passwordHash: 'x' });
    const [owner, stranger, admin, support] = await Promise.all([make('user'), make('user'), make('admin'), make('user')]);
    await users.setAttributes(support.id, { department: 'support', region: 'emea' });
    const order = (country: string): OrderRecord => ({
      id: crypto.randomUUID(),
      ownerId: owner.id,
      items: [{ productId: 1, quantity: 1 }],
      shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country },
      paymentMethod: 'paypal',
      status: 'pending',
      createdAt: new Date(),
    });
    const readable = (principal: Principal, record: OrderRecord) => POLICY_REGISTRY['order.readable'](createPolicySubject(principal, users), record);
    return { users, owner, stranger, admin, support, order, readable };
  }

  it('order.readable: the owner, an admin, a system principal, and support staff of the order’s region', async () => {
    const { owner, stranger, admin, support, order, readable } = await world();
    const german = order('DE');
    expect(await readable(userPrincipal(owner.id), german)).toBe(true);
    expect(await readable(userPrincipal(admin.id), german)).toBe(true);
    expect(await readable(client, german)).toBe(true);
    expect(await readable(userPrincipal(support.id), german)).toBe(true);
    expect(await readable(userPrincipal(stranger.id), german)).toBe(false);
    // Support of another region, and a country outside the table (no region), are refused.
    expect(await readable(userPrincipal(support.id), order('US'))).toBe(false);
    expect(regionOfCountry('AQ')).toBeUndefined();
    expect(await readable(userPrincipal(support.id), order('AQ'))).toBe(false);
  });

  it('order.readable reads attributes from the store at each check: a change holds at once', async () => {
    const { users, support, order, readable } = await world();
    const german = order('DE');
    await users.setAttributes(support.id, { department: 'sales', region: 'emea' });
    expect(await readable(userPrincipal(support.id), german)).toBe(false);
    await users.setAttributes(support.id, { region: 'emea' });
    expect(await readable(userPrincipal(support.id), german)).toBe(false);
    await users.setAttributes(support.id, { department: 'support', region: 'emea' });
    expect(await readable(userPrincipal(support.id), german)).toBe(true);
  });

  it('user.readable: the account itself, an admin, a system principal; never support staff', async () => {
    const { users, owner, stranger, admin, support } = await world();
    const record = (await users.findById(owner.id))!;
    const readable = (principal: Principal) => POLICY_REGISTRY['user.readable'](createPolicySubject(principal, users), record);
    expect(await readable(userPrincipal(owner.id))).toBe(true);
    expect(await readable(userPrincipal(admin.id))).toBe(true);
    expect(await readable(client)).toBe(true);
    expect(await readable(userPrincipal(stranger.id))).toBe(false);
    expect(await readable(userPrincipal(support.id))).toBe(false);
  });

  it('reads the caller’s record once per check however many rules ask, and not at all for the owner', async () => {
    const { users, owner, stranger, order } = await world();
    let lookups = 0;
    const counting: Pick<UserStore, 'findById'> = { findById: (id) => ((lookups += 1), users.findById(id)) };
    const german = order('DE');
    expect(await POLICY_REGISTRY['order.readable'](createPolicySubject(userPrincipal(owner.id), counting), german)).toBe(true);
    expect(lookups).toBe(0);
    expect(await POLICY_REGISTRY['order.readable'](createPolicySubject(userPrincipal(stranger.id), counting), german)).toBe(false);
    expect(lookups).toBe(1);
  });
});
