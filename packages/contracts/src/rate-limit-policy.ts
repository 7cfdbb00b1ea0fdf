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
