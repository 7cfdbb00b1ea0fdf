import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { rateLimitHeaders } from '../ratelimit/rate-limit-headers.js';
import { isLimitHit, rateLimitErrorData, snapshotOf } from '../ratelimit/rate-limit-snapshot.js';
import { clientKey } from '../ratelimit/client-key.js';
import type { ResolvedPolicy } from '../ratelimit/policies.js';
import { OAuthError } from './oauth-error.js';
import { sendOAuthError } from './oauth-reply.js';

/**
 * The OAuth endpoints answer anonymous callers, like public procedures, so
 * they spend the same per-IP budget (GATEHOUSE_LIMIT_PUBLIC, its own counter):
 * without it /oauth/token and /oauth/introspect would take unlimited
 * client-secret guesses, each one a bcrypt compare for `secretHash` clients.
 */
export function limitOAuthRequests(scope: FastifyInstance, deps: Dependencies): void {
  const policy: ResolvedPolicy = {
    name: 'oauth',
    points: deps.config.limits.public.points,
    durationSeconds: deps.config.limits.public.durationSeconds,
    blockDurationSeconds: 0,
    key: 'ip',
    cost: 1,
  };
  const limiter = deps.rateLimits.limiterFor(policy);
  scope.addHook('onRequest', async (request, reply) => {
    let refused = false;
    const res = await limiter.consume(`ip:${clientKey(request.ip)}`, 1).catch((rejection: unknown) => {
      // A store failure is never a limit hit: the insurance limiter answers for Redis, anything else is a 500.
      if (!isLimitHit(rejection)) throw rejection;
      refused = true;
      return rejection;
    });
    const snapshot = snapshotOf(policy, res, refused);
    reply.headers(rateLimitHeaders(snapshot));
    if (refused) {
      const retryAfterSeconds = Math.max(1, Math.ceil(rateLimitErrorData(snapshot).retryAfterMs / 1000));
      return sendOAuthError(reply, new OAuthError('too_many_requests', 'Too many requests from this address; retry later', { retryAfterSeconds }));
    }
    return undefined;
  });
}
