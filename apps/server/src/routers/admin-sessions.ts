import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { principalKey } from '../auth/principal.js';
import { eventOrigin, type AuthenticatedContext } from '../context.js';
import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import type { HandlersFor } from './build-router.js';

/**
 * Ends every session of a user: each refresh family and every access token
 * issued so far. Used by admin.sessions.revokeAll and by role changes, whose
 * tokens carry scopes the user no longer holds (or lacks new ones).
 */
export async function endUserSessions(ctx: AuthenticatedContext, userId: string, reason: string): Promise<number> {
  const revokedFamilies = await ctx.deps.revocation.revokeUser(userId).catch(rethrowUnavailable);
  ctx.deps.events.emit('token.revoked', eventOrigin(ctx, principalKey(ctx.principal)), {
    reason,
    userId,
    revokedFamilies,
  });
  return revokedFamilies;
}

export const adminSessionsHandlers: HandlersFor<typeof contracts.admin.sessions> = {
  /** Everything that lets the user in: sessions, access tokens and API keys (a stolen laptop holds all three). */
  async revokeAll({ input, ctx }) {
    const user = await ctx.deps.users.findById(input.userId);
    if (user === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
    const revokedFamilies = await endUserSessions(ctx, user.id, 'admin.sessions.revokeAll');
    const revokedApiKeys = await ctx.deps.apiKeys.revokeAllOfOwner(user.id);
    ctx.deps.events.emit('apikey.revoked', eventOrigin(ctx, principalKey(ctx.principal)), {
      ownerId: user.id,
      revokedApiKeys,
      reason: 'admin.sessions.revokeAll',
    });
    return { revokedFamilies, revokedApiKeys };
  },
};
