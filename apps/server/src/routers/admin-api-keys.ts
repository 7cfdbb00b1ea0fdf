import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { principalKey } from '../auth/principal.js';
import { eventOrigin } from '../context.js';
import { toApiKey } from './api-key-view.js';
import type { HandlersFor } from './build-router.js';
import { fetchPage } from './fetch-page.js';

/** admin.apiKeys: any user's keys, listed and revoked by an admin (README "Procedures"). */
export const adminApiKeysHandlers: HandlersFor<typeof contracts.admin.apiKeys> = {
  async list({ input, ctx }) {
    const page = await fetchPage(input, (request) => ctx.deps.apiKeys.list(input.userId, request));
    return { items: page.items.map(toApiKey), nextCursor: page.nextCursor };
  },

  async revoke({ input, ctx }) {
    const record = await ctx.deps.apiKeys.revoke(input.userId, input.id);
    if (record?.revokedAt === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
    ctx.deps.events.emit('apikey.revoked', eventOrigin(ctx, principalKey(ctx.principal)), {
      keyId: record.id,
      ownerId: record.ownerId,
      by: 'admin',
    });
    return { id: record.id, revokedAt: record.revokedAt.toISOString() };
  },
};
