import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { enforceLoginPolicy } from '../abuse/enforce-login-policy.js';
import { failAuth } from '../errors/auth-failure-error.js';
import { checkPassword } from '../auth/check-password.js';
import { assertUncommonPassword } from '../auth/password-policy.js';
import { eventOrigin } from '../audit/security-events.js';
import { guardLogin } from '../ratelimit/login-guard.js';
import { EmailTakenError } from '../stores/user-store.js';
import type { HandlersFor } from './build-router.js';
import { toPublicUser } from './user-view.js';
import { logout, refresh } from './auth-session.js';
import { SECOND_FACTOR_METHODS } from '@gatehouse/contracts';
import { hasConfirmedSecondFactor } from '../stores/user-store.js';
import { passwordSignIn } from '../tokens/sign-in-authentication.js';
import { loginSecondFactor, startSession } from './login-second-factor.js';
import { secondFactorHandlers } from './second-factor.js';
import { provenSessionKey } from '../auth/session-dpop-key.js';

export const authHandlers: HandlersFor<typeof contracts.auth> = {
  async register({ input, ctx }) {
    // The contract normalised the password and checked length, bytes and email; the common list lives here.
    assertUncommonPassword(input.password);
    const passwordHash = await ctx.deps.passwords.hash(input.password);
    try {
      const user = await ctx.deps.users.create({ email: input.email, name: input.name, role: 'user', passwordHash });
      return toPublicUser(user);
    } catch (error) {
      if (error instanceof EmailTakenError) throw new TRPCError({ code: 'CONFLICT', message: error.message });
      throw error;
    }
  },

  async login({ input, ctx }) {
    await enforceLoginPolicy(ctx);
    // A DPoP proof binds the session's tokens to its key; checked before the password, so a bad one costs no bcrypt.
    const jkt = await provenSessionKey(ctx);
    // Before any lookup or bcrypt: a blocked attempt costs nothing and a right password is refused too.
    const attempt = await guardLogin(ctx, input.email);
    const user = (await checkPassword(ctx.deps, input, eventOrigin(ctx))) ?? failAuth('invalid_credentials');
    await attempt.succeeded();
    const delivery = input.refreshTokenDelivery ?? 'body';
    // No token on the password alone for a user with a second factor: a challenge that auth.loginSecondFactor completes.
    if (hasConfirmedSecondFactor(user)) {
      const { challenge, expiresIn } = await ctx.deps.secondFactorChallenges.issue({ userId: user.id, delivery });
      return { secondFactorRequired: true as const, challenge, expiresIn, methods: [...SECOND_FACTOR_METHODS] };
    }
    return startSession(ctx, user, delivery, passwordSignIn(ctx.deps.now()), jkt);
  },

  loginSecondFactor,
  refresh,
  logout,
  secondFactor: secondFactorHandlers,
};
