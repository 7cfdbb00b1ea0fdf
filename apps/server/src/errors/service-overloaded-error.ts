import { TRPCError } from '@trpc/server';

/**
 * The server refuses work it cannot start soon (a full password-worker
 * queue): the typed cause of a SERVICE_UNAVAILABLE error. The error
 * formatter puts `retryAfterMs` in the data, the HTTP layer a Retry-After.
 */
export class ServiceOverloadedError extends Error {
  constructor(
    readonly resource: string,
    readonly retryAfterMs: number,
  ) {
    super('The server is busy; try again shortly');
    this.name = 'ServiceOverloadedError';
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: this.message, cause: this });
  }
}
