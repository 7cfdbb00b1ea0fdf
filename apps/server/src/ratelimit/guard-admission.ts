import type { RateLimitSnapshot } from './rate-limit-snapshot.js';

/**
 * A brute-force guard's answer to one attempt (the login guard, the second-factor guard). Admitted, the
 * attempt has already reserved its failure, so parallel guesses get no more compares than the budget;
 * `succeeded()` hands the reservation back once the password or code proved right. Refused, the snapshot
 * is the spent budget a 429 names.
 */
export type GuardAdmission =
  | {
      readonly admitted: true;
      readonly snapshot: RateLimitSnapshot;
      /** The secret was right: the reserved failures are handed back (the login guard also resets its consecutive count). */
      succeeded(): Promise<void>;
    }
  | { readonly admitted: false; readonly snapshot: RateLimitSnapshot };
