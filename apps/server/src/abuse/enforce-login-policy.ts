import { type RequestContext } from '../context.js';
import { eventOrigin } from '../audit/security-events.js';
import { refuseRateLimited } from '../ratelimit/refuse-rate-limited.js';

/**
 * The one call login makes to the credential-stuffing detector, before any
 * password is checked: under the strict policy each IP gets
 * GATEHOUSE_STUFFING_STRICT_LIMIT attempts, and the rest are refused with
 * 429 without running bcrypt. Outside the strict policy it costs one
 * counter read. The login guard (per email/IP limits) composes with it.
 */
export async function enforceLoginPolicy(ctx: RequestContext): Promise<void> {
  const refusal = await ctx.deps.abuse.stuffing.admitLogin(ctx.ip);
  if (refusal === undefined) return;
  ctx.deps.events.emit('login.blocked', eventOrigin(ctx), { reason: 'credential_stuffing', policy: refusal.policy });
  refuseRateLimited(ctx, refusal);
}
