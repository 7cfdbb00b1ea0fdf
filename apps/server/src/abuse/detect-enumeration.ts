import type { ProcedureContract } from '@gatehouse/contracts';
import { principalKey } from '../auth/principal.js';
import { eventOrigin, type RequestContext } from '../context.js';
import { clientKey } from '../ratelimit/client-key.js';
import { refuseRateLimited } from '../ratelimit/refuse-rate-limited.js';
import { t } from '../trpc.js';

const passThrough = t.middleware(function notAnIdLookup({ next }) {
  return next();
});

/**
 * For contracts marked `idLookup`: refuses a caller under an enumeration
 * block (429), and counts the call's NOT_FOUND/FORBIDDEN answer towards one.
 * Runs before requireAuth, so scope refusals count as well; it reads the
 * result of `next()` and never catches.
 */
export function detectEnumeration(contract: ProcedureContract) {
  if (contract.idLookup !== true) return passThrough;
  return t.middleware(async function detectEnumeration({ ctx, path, next }) {
    const subjects = await enumerationSubjects(ctx);
    const { enumeration } = ctx.deps.abuse;
    const refusal = await enumeration.blockFor(subjects.keys);
    if (refusal !== undefined) refuseRateLimited(ctx, refusal);

    const result = await next();
    if (!result.ok && (result.error.code === 'NOT_FOUND' || result.error.code === 'FORBIDDEN')) {
      await enumeration.recordMiss(subjects.keys, eventOrigin(ctx, subjects.principal), path);
    }
    return result;
  });
}

/** The IP always; the principal too when the credential holds (a bad one is requireAuth's 401 to give). */
async function enumerationSubjects(ctx: RequestContext): Promise<{ keys: string[]; principal: string | undefined }> {
  const principal = await ctx.authenticate().then(
    (found) => (found === undefined ? undefined : principalKey(found)),
    () => undefined,
  );
  const ip = `ip:${clientKey(ctx.ip)}`; // IPv6 by its /64, like every IP budget
  return { keys: principal === undefined ? [ip] : [ip, principal], principal };
}
