import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { RequiredScopesOf } from './auth-requirement.js';
import { contracts } from './contracts.js';
import { defineMutation, defineQuery, isProcedureContract, listProcedures } from './define-procedure.js';

const input = z.strictObject({ id: z.string() });
const output = z.object({ ok: z.boolean() });

describe('defineQuery / defineMutation', () => {
  it('refuses, at compile time, a contract that does not say who may call it', () => {
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'ok', input, output, auth: 'public' });
    // @ts-expect-error auth is required: a forgotten requirement must not become a public endpoint
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'no auth', input, output });
    // @ts-expect-error a scope outside the catalogue
    expectTypeOf(defineMutation).toBeCallableWith({ summary: 'bad scope', input, output, auth: { scopes: ['orders:delete'] } });
    // @ts-expect-error a role outside the catalogue
    expectTypeOf(defineMutation).toBeCallableWith({ summary: 'bad role', input, output, auth: { scopes: ['admin'], role: 'root' } });
    // @ts-expect-error only the string 'public' means public
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'typo', input, output, auth: 'publik' });
  });

  it('refuses, at compile time, a policy name no policy is registered under (fail closed)', () => {
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'ok', input, output, auth: { scopes: ['orders:read'], policy: 'order.readable' } });
    // @ts-expect-error a policy name outside POLICIES: it must not compile, let alone run unchecked
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'typo', input, output, auth: { scopes: ['orders:read'], policy: 'order.readble' } });
    // @ts-expect-error a policy needs an authenticated caller: a public procedure cannot name one
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'public', input, output, auth: { policy: 'order.readable' } });
    // @ts-expect-error pinning is opt-in with `true`; there is no `false` to leave lying around
    expectTypeOf(defineQuery).toBeCallableWith({ summary: 'pin', input, output, auth: { scopes: ['orders:read'], pinNetwork: false } });
    // The declared policy and pinning stay literal, for the server's handler types and for clients.
    expectTypeOf(contracts.orders.byId.auth.policy).toEqualTypeOf<'order.readable'>();
    expectTypeOf(contracts.apiKeys.create.auth.pinNetwork).toEqualTypeOf<true>();
  });

  it('keeps required scopes as literal tuple types, readable by clients', () => {
    const create = defineMutation({ summary: 's', input, output, auth: { scopes: ['orders:write'] } });
    expectTypeOf(create.auth.scopes).toEqualTypeOf<readonly ['orders:write']>();
    expectTypeOf(contracts.orders.create.auth.scopes).toEqualTypeOf<readonly ['orders:write']>();
    expectTypeOf(contracts.admin.users.setRole.auth.scopes).toEqualTypeOf<readonly ['admin']>();
    expectTypeOf<RequiredScopesOf<typeof contracts.orders.create.auth>>().toEqualTypeOf<'orders:write'>();
    expectTypeOf<RequiredScopesOf<typeof contracts.health.auth>>().toBeNever();
    expectTypeOf(create.kind).toEqualTypeOf<'mutation'>();
    expect(create.auth.scopes).toEqual(['orders:write']);
    // Rate limits and id lookups stay literal too, so clients know each procedure's policy names.
    expectTypeOf(contracts.auth.register.rateLimit.name).toEqualTypeOf<'auth.register'>();
    expectTypeOf(contracts.health.rateLimit).toEqualTypeOf<'none'>();
    expectTypeOf(contracts.orders.byId.idLookup).toEqualTypeOf<true>();
    expectTypeOf(contracts.orders.list.idLookup).toEqualTypeOf<undefined>();
  });

  it('produces frozen, recognisable contracts', () => {
    const health = defineQuery({ summary: 's', input, output, auth: 'public' });
    expect(isProcedureContract(health)).toBe(true);
    expect(isProcedureContract({ ...health })).toBe(true);
    expect(isProcedureContract({ kind: 'query', auth: 'public' })).toBe(false);
    expect(Object.isFrozen(health)).toBe(true);
  });
});

describe('listProcedures', () => {
  it('lists every contract of the tree with its dotted path, in declaration order', () => {
    const paths = listProcedures(contracts).map((entry) => entry.path);
    expect(paths).toEqual(expect.arrayContaining(['health', 'auth.login', 'users.me', 'orders.create', 'admin.users.setRole']));
    expect(new Set(paths).size).toBe(paths.length);
    for (const { contract } of listProcedures(contracts)) expect(contract.auth).toBeDefined();
  });
});
