import type { TRPCError } from '@trpc/server';
import { principalKey, type Principal } from '../auth/principal.js';
import { eventOrigin } from '../audit/security-events.js';
import { clientKey } from '../ratelimit/client-key.js';
import { refuseRateLimited, type RateLimitedResponse } from '../ratelimit/refuse-rate-limited.js';
import type { AbuseDetection } from './create-abuse-detection.js';

/** What the enumeration check reads of an id lookup (a request context is one): who calls, and the detector. */
export interface IdLookupCall extends RateLimitedResponse {
  readonly ip: string;
  readonly requestId: string;
  authenticate(): Promise<Principal | undefined>;
  readonly deps: { readonly abuse: Pick<AbuseDetection, 'enumeration'> };
}

/** Who an id lookup is counted against: the IP always, the principal too when the credential holds. */
export interface EnumerationSubjects {
  readonly keys: readonly string[];
  readonly principal: string | undefined;
}

/**
 * For contracts marked `idLookup`, before auth (so scope refusals count as
 * well): refuses a caller under an enumeration block with 429, else tells
 * who the call's outcome will be counted against (recordEnumerationMiss).
 */
export async function refuseEnumerationBlock(ctx: IdLookupCall): Promise<EnumerationSubjects> {
  const subjects = await enumerationSubjects(ctx);
  const refusal = await ctx.deps.abuse.enumeration.blockFor(subjects.keys);
  if (refusal !== undefined) refuseRateLimited(ctx, refusal);
  return subjects;
}

/** Counts a NOT_FOUND or FORBIDDEN answer of an id lookup towards an enumeration block. */
export async function recordEnumerationMiss(ctx: IdLookupCall, subjects: EnumerationSubjects, path: string, error: TRPCError): Promise<void> {
  if (error.code !== 'NOT_FOUND' && error.code !== 'FORBIDDEN') return;
  await ctx.deps.abuse.enumeration.recordMiss(subjects.keys, eventOrigin(ctx, subjects.principal), path);
}

/** The IP always; the principal too when the credential holds (a bad one is authorize's 401 to give). */
async function enumerationSubjects(ctx: IdLookupCall): Promise<EnumerationSubjects> {
  const principal = await ctx.authenticate().then(
    (found) => (found === undefined ? undefined : principalKey(found)),
    () => undefined,
  );
  const ip = `ip:${clientKey(ctx.ip)}`; // IPv6 by its /64, like every IP budget
  return { keys: principal === undefined ? [ip] : [ip, principal], principal };
}
