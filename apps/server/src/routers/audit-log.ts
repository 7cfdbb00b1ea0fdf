import type { contracts } from '@gatehouse/contracts';
import type { HandlersFor } from './build-router.js';
import { fetchPage } from './fetch-page.js';

export const auditLogHandlers: HandlersFor<typeof contracts.admin.auditLog> = {
  async list({ input, ctx }) {
    const filter = { type: input?.type, principal: input?.principal };
    const page = await fetchPage(input, (request) => ctx.deps.auditLog.list(filter, request));
    return { items: [...page.items], nextCursor: page.nextCursor };
  },

  async verify({ ctx }) {
    return ctx.deps.auditLog.verify();
  },
};
