import { eventOrigin, type SecurityEvents } from '../audit/security-events.js';
import { refuseRateLimited, type RateLimitedResponse } from '../ratelimit/refuse-rate-limited.js';
import type { AbuseDetection } from './create-abuse-detection.js';

/** What the credential-stuffing check reads of a login request (a request context is one). */
export interface LoginAttemptOrigin extends RateLimitedResponse {
  readonly ip: string;
  readonly requestId: string;
  readonly deps: { readonly abuse: Pick<AbuseDetection, 'stuffing'>; readonly events: Pick<SecurityEvents, 'emit'> };
}

/**
 * The one call login makes to the credential-stuffing detector, before any
 * password is checked: under the strict policy each IP gets
 * GATEHOUSE_STUFFING_STRICT_LIMIT attempts, and the rest are refused with
 * 429 without running bcrypt. Outside the strict policy it costs one
 * counter read. The login guard (per email/IP limits) composes with it.
 */
export async function enforceLoginPolicy(ctx: LoginAttemptOrigin): Promise<void> {
  const refusal = await ctx.deps.abuse.stuffing.admitLogin(ctx.ip);
  if (refusal === undefined) return;
  ctx.deps.events.emit('login.blocked', eventOrigin(ctx), { reason: 'credential_stuffing', policy: refusal.policy });
  refuseRateLimited(ctx, refusal);
}
