import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { requireOwned } from '../auth/ownership.js';
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
    const user = await requireOwned(ctx, await ctx.deps.users.findById(input.id), (record) => record.id);
    return toPublicUser(user);
  },

  async update({ input, ctx }) {
    const user = await ctx.deps.users.updateName(ctx.principal.userId, input.name);
    if (user === undefined) throw notFound();
    return toPublicUser(user);
  },
};
