/**
 * The backing store could not answer (Redis down or too slow). State that
 * only the store holds cannot be guessed, so callers fail closed: the HTTP
 * layer answers 503, never "not revoked" or "token valid".
 */
export class StoreUnavailableError extends Error {
  constructor(store: string, options?: ErrorOptions) {
    super(`The ${store} store is unavailable`, options);
    this.name = 'StoreUnavailableError';
  }
}
