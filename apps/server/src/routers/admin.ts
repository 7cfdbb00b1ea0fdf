import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { eventOrigin } from '../context.js';
import type { HandlersFor } from './build-router.js';
import { auditLogHandlers } from './audit-log.js';
import { fetchPage } from './fetch-page.js';
import { toPublicUser, toUserWithAttributes } from './user-view.js';
import { adminApiKeysHandlers } from './admin-api-keys.js';
import { adminSessionsHandlers, endUserSessions } from './admin-sessions.js';

export const adminHandlers: HandlersFor<typeof contracts.admin> = {
  users: {
    async list({ input, ctx }) {
      const page = await fetchPage(input, (request) => ctx.deps.users.list(request));
      return { items: page.items.map(toPublicUser), nextCursor: page.nextCursor };
    },

    async setRole({ input, ctx }) {
      const before = await ctx.deps.users.findById(input.userId);
      const after = before === undefined ? undefined : await ctx.deps.users.setRole(input.userId, input.role);
      if (before === undefined || after === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
      if (before.role !== after.role) {
        ctx.deps.events.emit('user.role_changed', eventOrigin(ctx, `user:${ctx.principal.userId}`), {
          userId: after.id,
          from: before.role,
          to: after.role,
        });
        // Live tokens carry the old role's scopes: end them, the user logs in again with the new ones.
        await endUserSessions(ctx, after.id, 'user.role_changed');
      }
      return toPublicUser(after);
    },

    async setAttributes({ input, ctx }) {
      const before = await ctx.deps.users.findById(input.userId);
      const after = before === undefined ? undefined : await ctx.deps.users.setAttributes(input.userId, input.attributes);
      if (before === undefined || after === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
      // Policies read attributes from the store on every check, so the change holds at once: no session to end.
      ctx.deps.events.emit('user.attributes_changed', eventOrigin(ctx, `user:${ctx.principal.userId}`), {
        userId: after.id,
        from: JSON.stringify(before.attributes ?? {}),
        to: JSON.stringify(after.attributes ?? {}),
      });
      return toUserWithAttributes(after);
    },
  },
  auditLog: auditLogHandlers,
  sessions: adminSessionsHandlers,
  apiKeys: adminApiKeysHandlers,
};
