/**
 * The backing store (Redis) did not answer. Callers that need the state to
 * decide, such as API key authentication, answer 503 instead of guessing:
 * never let a request through, never call a valid key invalid.
 */
export class StoreUnavailableError extends Error {
  constructor(what: string, options?: ErrorOptions) {
    super(`The ${what} store is unavailable`, options);
    this.name = 'StoreUnavailableError';
  }
}
