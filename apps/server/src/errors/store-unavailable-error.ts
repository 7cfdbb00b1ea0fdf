/**
 * The backing store (Redis) could not answer: down, unreachable or too slow.
 * Distinct from a bug in a store so that callers answer 503 and the client
 * retries later: never a 500, never a request let through, never a valid
 * credential called invalid.
 */
export class StoreUnavailableError extends Error {
  constructor(what: string, options?: ErrorOptions) {
    super(`The ${what} store is unavailable`, options);
    this.name = 'StoreUnavailableError';
  }
}
