import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { eventOrigin } from '../audit/security-events.js';
import type { RequestContext } from '../context.js';
import { refuseRateLimited } from '../ratelimit/refuse-rate-limited.js';
import type { UserRecord } from '../stores/user-store.js';
import type { HandlersFor } from './build-router.js';

/** The caller's own record: the principal is a user (the contracts say `subject: 'user'`). */
async function callerRecord(ctx: RequestContext, userId: string): Promise<UserRecord> {
  const user = await ctx.deps.users.findById(userId);
  // The principal check already found the user present; one deleted in between is simply gone.
  if (user === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such user' });
  return user;
}

/** auth.secondFactor.*: the caller enrols, confirms and removes their own TOTP factor. */
export const secondFactorHandlers: HandlersFor<typeof contracts.auth.secondFactor> = {
  async enrol({ ctx }) {
    const user = await callerRecord(ctx, ctx.principal.userId);
    const enrolment = await ctx.deps.secondFactors.enrol(user, eventOrigin(ctx, `user:${user.id}`));
    // Replacing a confirmed factor would let a stolen password-only session swap the user's authenticator.
    if (enrolment === undefined) throw new TRPCError({ code: 'CONFLICT', message: 'A second factor is enrolled already: remove it first' });
    return { secret: enrolment.secret, otpauthUri: enrolment.otpauthUri, recoveryCodes: [...enrolment.recoveryCodes] };
  },

  async confirm({ input, ctx }) {
    const user = await callerRecord(ctx, ctx.principal.userId);
    const outcome = await ctx.deps.secondFactors.confirm(user, input.code, eventOrigin(ctx, `user:${user.id}`));
    if (!outcome.ok) {
      if (outcome.reason === 'blocked') refuseRateLimited(ctx, outcome.snapshot);
      const message = outcome.reason === 'not_enrolled' ? 'No enrolment awaits confirmation: call auth.secondFactor.enrol first' : 'The code does not match';
      throw new TRPCError({ code: 'BAD_REQUEST', message });
    }
    return { ok: true as const };
  },

  // The contract demands a sign-in made with the factor (stepUp acr mfa): a stolen password cannot remove it.
  async remove({ ctx }) {
    const user = await callerRecord(ctx, ctx.principal.userId);
    await ctx.deps.secondFactors.remove(user, eventOrigin(ctx, `user:${user.id}`));
    return { ok: true as const };
  },
};
