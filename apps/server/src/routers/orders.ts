import type { contracts } from '@gatehouse/contracts';
import type { HandlersFor } from './build-router.js';
import { toOrder } from './order-view.js';
import { fetchPage } from './fetch-page.js';

export const ordersHandlers: HandlersFor<typeof contracts.orders> = {
  async create({ input, ctx }) {
    return toOrder(await ctx.deps.orders.create({ ...input, ownerId: ctx.principal.userId }));
  },

  async list({ input, ctx }) {
    const { principal } = ctx;
    // A system principal acts for the system: it lists every order (docs/service-to-service.md).
    const ownerId = principal.kind === 'user' ? principal.userId : undefined;
    const page = await fetchPage(input, (request) => ctx.deps.orders.list({ ownerId }, request));
    return { items: page.items.map(toOrder), nextCursor: page.nextCursor };
  },

  async byId({ input, ctx }) {
    // The contract's policy (order.readable) decides; a refusal answers like a missing order.
    return toOrder(await ctx.policy.require(await ctx.deps.orders.findById(input.id)));
  },
};
