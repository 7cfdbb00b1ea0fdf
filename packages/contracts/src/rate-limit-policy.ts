/**
 * What a rate limit counts against: the client IP (its /64 for IPv6) or the
 * authenticated principal (user, API key, OAuth client or service).
 */
export type RateLimitKey = 'ip' | 'principal';

/**
 * A fixed-window budget: `points` per `durationSeconds`, each call costing
 * `cost` (1 by default). With `blockDurationSeconds`, a key that exceeds the
 * budget stays refused that long.
 */
export interface RateLimitPolicy {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly key: RateLimitKey;
  readonly blockDurationSeconds?: number;
  readonly cost?: number;
}

/**
 * A contract's rate-limit declaration: its own policy, `'none'` for procedures
 * that must never be limited (health checks), or absent for the server's
 * default for public or authenticated procedures.
 */
export type RateLimitDeclaration = RateLimitPolicy | 'none';

/** Names of the server's default policies, for contracts that declare none (docs/rate-limits.md). */
export const DEFAULT_RATE_LIMIT_POLICY_NAMES = { public: 'public', authenticated: 'authenticated' } as const;

/** The policy that refuses an id-lookup procedure to a caller caught enumerating ids. */
export const ENUMERATION_POLICY_NAME = 'abuse.enumeration';

/** auth.login's own layers (per email and IP, per email, per IP) and its credential-stuffing mode. */
export const LOGIN_POLICY_NAMES = [
  'auth.login:email+ip',
  'auth.login:email',
  'auth.login:ip',
  'auth.login:credential-stuffing',
] as const;

/**
 * Every policy a 429 of one procedure can name in `data.rateLimit.policy`:
 * its declared policy or the default for its access, the enumeration block
 * for id lookups, and auth.login's own layers for `auth.login`.
 */
export type RateLimitPolicyNameOf<
  TContract extends { readonly auth: unknown; readonly rateLimit: RateLimitDeclaration | undefined; readonly idLookup: true | undefined },
  TPath extends string = string,
> =
  | (TContract['rateLimit'] extends { readonly name: infer TName extends string }
      ? TName
      : TContract['rateLimit'] extends 'none'
        ? never
        : TContract['auth'] extends 'public'
          ? typeof DEFAULT_RATE_LIMIT_POLICY_NAMES.public
          : typeof DEFAULT_RATE_LIMIT_POLICY_NAMES.authenticated)
  | (TContract['idLookup'] extends true ? typeof ENUMERATION_POLICY_NAME : never)
  | (TPath extends 'auth.login' ? (typeof LOGIN_POLICY_NAMES)[number] : never);
