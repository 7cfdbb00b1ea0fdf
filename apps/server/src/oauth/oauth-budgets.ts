import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Dependencies } from '../dependencies.js';
import { clientKey } from '../ratelimit/client-key.js';
import { rateLimitHeaders } from '../ratelimit/rate-limit-headers.js';
import { isLimitHit, rateLimitErrorData, snapshotOf } from '../ratelimit/rate-limit-snapshot.js';
import type { ResolvedPolicy } from '../ratelimit/resolve-policy.js';
import { authenticateClient, type AuthenticatedClient } from './authenticate-client.js';
import type { ClientRegistry } from './client-registry.js';
import { OAuthError } from './oauth-error.js';

/**
 * The budgets of the OAuth endpoints (docs/rate-limits.md):
 * - authorize, per client IP: the form is anonymous until it signs someone in;
 * - token, introspect and revoke, per authenticated client, so a resource
 *   server introspecting on every request spends its own budget and not that
 *   of everyone behind its IP (a public client, which anyone can name, is
 *   counted per client and IP, so no one can spend another's budget);
 * - failed client authentication, per client IP: checked before the secret
 *   is (a bcrypt compare for `secretHash` clients), charged after a failure,
 *   so a spent budget answers 429 without running bcrypt. It is not reserved
 *   up front: a reservation would refuse a resource server's concurrent,
 *   correct requests past the budget. Parallel guesses can overshoot it by
 *   the requests in flight at the moment it is spent, no more.
 */
export interface OAuthBudgets {
  /** Charges one /oauth/authorize request to its IP; throws OAuthError too_many_requests when the budget is spent. */
  chargeAuthorize(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** authenticateClient, inside the client budgets; throws OAuthError too_many_requests when one is spent. */
  authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    registry: ClientRegistry,
    parameters: Readonly<Record<string, string>>,
    options: { readonly requireConfidential: boolean },
  ): Promise<AuthenticatedClient>;
}

interface Budget {
  readonly policy: ResolvedPolicy;
  readonly limiter: RateLimiterAbstract;
}

export function createOAuthBudgets(deps: Pick<Dependencies, 'config' | 'rateLimits'>): OAuthBudgets {
  const { oauthLimits } = deps.config;
  const budget = (name: string, limit: { readonly points: number; readonly durationSeconds: number }, key: 'ip' | 'principal'): Budget => {
    const policy: ResolvedPolicy = { name, points: limit.points, durationSeconds: limit.durationSeconds, blockDurationSeconds: 0, key, cost: 1 };
    return { policy, limiter: deps.rateLimits.limiterFor(policy) };
  };
  const authorize = budget('oauth.authorize', oauthLimits.authorize, 'ip');
  const perClient = budget('oauth.client', oauthLimits.client, 'principal');
  const failures = budget('oauth.client_auth_failures', oauthLimits.clientAuthFailures, 'ip');

  /** Spends one point, sets the budget's headers, and throws too_many_requests when it was spent already. */
  async function spend(reply: FastifyReply, { policy, limiter }: Budget, key: string, message: string): Promise<void> {
    let refused = false;
    const res: RateLimiterRes = await limiter.consume(key, 1).catch((rejection: unknown) => {
      // A store failure is never a limit hit: the insurance limiter answers for Redis, anything else is a 500.
      if (!isLimitHit(rejection)) throw rejection;
      refused = true;
      return rejection;
    });
    const snapshot = snapshotOf(policy, res, refused);
    reply.headers(rateLimitHeaders(snapshot));
    if (refused) {
      const retryAfterSeconds = Math.max(1, Math.ceil(rateLimitErrorData(snapshot).retryAfterMs / 1000));
      throw new OAuthError('too_many_requests', message, { retryAfterSeconds });
    }
  }

  /** Answers 429 when the budget is already spent, without spending from it. */
  async function refuseWhenSpent(reply: FastifyReply, { policy, limiter }: Budget, key: string, message: string): Promise<void> {
    const res = await limiter.get(key);
    if (res === null || res.consumedPoints < policy.points) return;
    const snapshot = snapshotOf(policy, res, true);
    reply.headers(rateLimitHeaders(snapshot));
    const retryAfterSeconds = Math.max(1, Math.ceil(rateLimitErrorData(snapshot).retryAfterMs / 1000));
    throw new OAuthError('too_many_requests', message, { retryAfterSeconds });
  }

  return {
    chargeAuthorize(request, reply) {
      return spend(reply, authorize, `ip:${clientKey(request.ip)}`, 'Too many sign-in requests from this address; retry later');
    },

    async authenticate(request, reply, registry, parameters, options) {
      const ipKey = `ip:${clientKey(request.ip)}`;
      await refuseWhenSpent(reply, failures, ipKey, 'Too many failed client authentications from this address; retry later');
      let authenticated: AuthenticatedClient;
      try {
        authenticated = await authenticateClient(registry, request.headers, parameters, options);
      } catch (error) {
        if (error instanceof OAuthError && error.error === 'invalid_client') await failures.limiter.penalty(ipKey, 1);
        throw error;
      }
      const { client } = authenticated;
      const key = client.type === 'confidential' ? `client:${client.clientId}` : `client:${client.clientId}:${ipKey}`;
      await spend(reply, perClient, key, 'This client has made too many requests; retry later');
      return authenticated;
    },
  };
}
