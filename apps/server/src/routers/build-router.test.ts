import { defineMutation, defineQuery } from '@gatehouse/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { SystemPrincipal, UserPrincipal } from '../auth/principal.js';
import type { RequestContext } from '../context.js';
import { buildRouter, type HandlerFor, type HandlersFor } from './build-router.js';

const tree = {
  ping: defineQuery({ summary: 'public', input: z.strictObject({}).optional(), output: z.object({ pong: z.literal(true) }), auth: 'public' }),
  notes: {
    add: defineMutation({
      summary: 'protected, any principal',
      input: z.strictObject({ text: z.string() }),
      output: z.object({ id: z.string() }),
      auth: { scopes: ['users:write'] },
    }),
    mine: defineQuery({
      summary: 'about the caller’s own account',
      input: z.strictObject({}).optional(),
      output: z.object({ count: z.number() }),
      auth: { scopes: ['users:read'], subject: 'user' },
    }),
  },
};

const ping: HandlerFor<typeof tree.ping> = async () => ({ pong: true });
const add: HandlerFor<typeof tree.notes.add> = async ({ input }) => ({ id: input.text });
const mine: HandlerFor<typeof tree.notes.mine> = async () => ({ count: 1 });

describe('HandlersFor', () => {
  it('demands exactly one handler per contract, at compile time', () => {
    const complete: HandlersFor<typeof tree> = { ping, notes: { add, mine } };
    // @ts-expect-error notes.mine has no handler
    const missing: HandlersFor<typeof tree> = { ping, notes: { add } };
    // @ts-expect-error notes.remove is not a contract
    const extra: HandlersFor<typeof tree> = { ping, notes: { add, mine, remove: add } };
    // @ts-expect-error a whole group is missing
    const missingGroup: HandlersFor<typeof tree> = { ping };
    expect([complete, missing, extra, missingGroup]).toHaveLength(4);
  });

  it('types each handler’s input, output and context from its contract', () => {
    expectTypeOf<Parameters<typeof add>[0]['input']>().toEqualTypeOf<{ text: string }>();
    // A principal exactly when the contract demands one; a user principal for `subject: 'user'`.
    expectTypeOf<Parameters<typeof ping>[0]['ctx']>().toEqualTypeOf<RequestContext>();
    expectTypeOf<Parameters<typeof add>[0]['ctx']['principal']>().toEqualTypeOf<UserPrincipal | SystemPrincipal>();
    expectTypeOf<Parameters<typeof mine>[0]['ctx']['principal']>().toEqualTypeOf<UserPrincipal>();
    // @ts-expect-error the output must match the contract's schema
    const wrongOutput: HandlerFor<typeof tree.ping> = async () => ({ pong: 'yes' });
    expect(typeof wrongOutput).toBe('function');
  });
});

describe('buildRouter', () => {
  it('builds one procedure per contract, at its dotted path', () => {
    const router = buildRouter(tree, { ping, notes: { add, mine } });
    expect(Object.keys(router._def.procedures).sort()).toEqual(['notes.add', 'notes.mine', 'ping']);
  });

  it('refuses at start-up a handler map that was forced past the type check', () => {
    expect(() => buildRouter(tree, { ping, notes: { add } } as unknown as HandlersFor<typeof tree>)).toThrow(/notes\.mine/);
    expect(() => buildRouter(tree, { ping } as unknown as HandlersFor<typeof tree>)).toThrow(/notes/);
  });
});
