import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import type { HandlersFor } from './build-router.js';
import { toPublicUser } from './user-view.js';

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });

export const usersHandlers: HandlersFor<typeof contracts.users> = {
  async me({ ctx }) {
    const user = await ctx.deps.users.findById(ctx.principal.userId);
    if (user === undefined) throw notFound();
    return toPublicUser(user);
  },

  async byId({ input, ctx }) {
    // The contract's policy (user.readable) decides; a refusal answers like a missing user.
    return toPublicUser(await ctx.policy.require(await ctx.deps.users.findById(input.id)));
  },

  async update({ input, ctx }) {
    const user = await ctx.deps.users.updateName(ctx.principal.userId, input.name);
    if (user === undefined) throw notFound();
    return toPublicUser(user);
  },
};
