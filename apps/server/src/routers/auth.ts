import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { enforceLoginPolicy } from '../abuse/enforce-login-policy.js';
import { failAuth } from '../errors/auth-failure-error.js';
import { checkPassword } from '../auth/check-password.js';
import { assertUncommonPassword } from '../auth/password-policy.js';
import { scopesOfRole } from '../auth/scopes.js';
import { eventOrigin } from '../context.js';
import { guardLogin } from '../ratelimit/login-guard.js';
import { EmailTakenError } from '../stores/user-store.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import type { HandlersFor } from './build-router.js';
import { toPublicUser } from './user-view.js';
import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import { logout, refresh } from './auth-session.js';
import { issueSessionGrant } from './session-grant.js';
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
    const scopes = scopesOfRole(user.role);
    const family = await ctx.deps.refreshTokens
      .startFamily({ userId: user.id, clientId: FIRST_PARTY_CLIENT_ID, scopes, jkt })
      .catch(rethrowUnavailable);
    return issueSessionGrant(ctx, user, family, scopes, input.refreshTokenDelivery ?? 'body', jkt);
  },

  refresh,
  logout,
};
