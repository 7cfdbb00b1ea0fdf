import type { RateLimitErrorData } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';

/** A budget ran out: the typed cause of a TOO_MANY_REQUESTS error, with what the client needs to wait. */
export class RateLimitExceededError extends Error {
  constructor(readonly data: RateLimitErrorData) {
    super('Too many requests');
    this.name = 'RateLimitExceededError';
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: this.message, cause: this });
  }
}
