import type { FieldIssue } from '@gatehouse/contracts';
import type { GatehouseErrorShape } from '@gatehouse/contracts/trpc';
import type { TRPCDefaultErrorShape, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { AuthFailure } from '../auth/auth-failure.js';
import type { RequestContext } from '../context.js';
import { RateLimitExceeded } from './rate-limit-exceeded.js';
import { ServiceOverloaded } from './service-overloaded.js';

/** At most this many field issues go back: enough to show, not enough to amplify. */
const MAX_ISSUES = 20;

/**
 * tRPC's error formatter: turns a TRPCError's typed cause into the wire data
 * of SPEC "Errors on the wire". Never a stack; outside development, 500s
 * never say what went wrong inside (the log does, under the same request id).
 */
export function formatError(opts: {
  shape: TRPCDefaultErrorShape;
  error: TRPCError;
  ctx: RequestContext | undefined;
}): GatehouseErrorShape {
  const { shape, error, ctx } = opts;
  const development = ctx?.deps.config.env === 'development';
  const { stack: _neverSent, ...trpcData } = shape.data;
  const data: GatehouseErrorShape['data'] = { ...trpcData };
  if (ctx !== undefined) data.requestId = ctx.requestId;

  let message = shape.message;
  const cause = error.cause;
  if (cause instanceof AuthFailure) {
    data.auth = cause.data;
  } else if (cause instanceof RateLimitExceeded) {
    data.rateLimit = cause.data;
  } else if (cause instanceof ServiceOverloaded) {
    data.retryAfterMs = cause.retryAfterMs;
  } else if (cause instanceof ZodError) {
    data.issues = toFieldIssues(cause);
    message = 'Invalid input';
  }
  if (error.code === 'INTERNAL_SERVER_ERROR' && !development) message = 'Internal server error';
  return { ...shape, message, data };
}

function toFieldIssues(error: ZodError): FieldIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message: issue.message,
    code: issue.code,
  }));
}
