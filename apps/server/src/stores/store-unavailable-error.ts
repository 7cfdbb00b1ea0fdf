/**
 * The backing store (Redis) could not answer: down, unreachable or too slow.
 * Distinct from a bug in a store so that callers can answer 503 and retry
 * later, instead of a 500 or, worse, a silent success.
 */
export class StoreUnavailableError extends Error {
  constructor(options?: ErrorOptions) {
    super('The store is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}
