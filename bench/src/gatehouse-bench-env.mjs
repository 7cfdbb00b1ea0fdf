// The environment every bench script gives a Gatehouse process it starts, so their figures compare.

/**
 * Test mode at a cheap bcrypt cost; request logging at `warn` (a variant sets `info` itself); hour-long
 * access tokens, so no run meets an expiry; metrics still recorded, on an ephemeral listener so several
 * servers can run side by side; and budgets the benchmark never exhausts: limits are checked on every call
 * but never refuse.
 */
export const GATEHOUSE_BENCH_ENV = Object.freeze({
  GATEHOUSE_ENV: 'test',
  GATEHOUSE_LOG_LEVEL: 'warn',
  GATEHOUSE_ACCESS_TOKEN_TTL: '3600',
  GATEHOUSE_BCRYPT_COST: '4',
  GATEHOUSE_METRICS_PORT: '0',
  GATEHOUSE_LIMIT_AUTHENTICATED: '1000000000/60',
  GATEHOUSE_LIMIT_PUBLIC: '1000000000/3600',
});
