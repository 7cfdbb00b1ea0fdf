import type { ErrorData, FieldIssue } from '@gatehouse/contracts';
import type { GatehouseErrorShape } from '@gatehouse/contracts/trpc';
import type { TRPCDefaultErrorData, TRPCDefaultErrorShape, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { AuthFailureError } from './auth-failure-error.js';
import type { Config } from '../config.js';
import { RateLimitExceededError } from './rate-limit-exceeded-error.js';
import { ServiceOverloadedError } from './service-overloaded-error.js';

/** At most this many field issues go back: enough to show, not enough to amplify. */
const MAX_ISSUES = 20;

/**
 * tRPC's error formatter: turns a TRPCError's typed cause into the wire data
 * of docs/wire-protocol.md ("Errors"). Never a stack; outside development, 500s
 * never say what went wrong inside (the log does, under the same request id).
 */
export function formatError(opts: {
  shape: TRPCDefaultErrorShape;
  error: TRPCError;
  /** The request's context (a RequestContext), when tRPC got as far as building one. */
  ctx: { readonly requestId: string; readonly deps: { readonly config: Pick<Config, 'env'> } } | undefined;
}): GatehouseErrorShape {
  const { shape, error, ctx } = opts;
  const development = ctx?.deps.config.env === 'development';
  const { stack: _neverSent, ...trpcData } = shape.data;
  const common = ctx === undefined ? trpcData : { ...trpcData, requestId: ctx.requestId };
  const cause = error.cause;
  const message =
    error.code === 'INTERNAL_SERVER_ERROR' && !development
      ? 'Internal server error'
      : cause instanceof ZodError
        ? 'Invalid input'
        : shape.message;
  return { ...shape, message, data: wireData(common, cause) };
}

/**
 * The contracts' wire union for one error: the member of its code, with the
 * typed cause's data where that code has some. The switch is exhaustive over
 * tRPC's codes, so a new code cannot reach the wire unparsed by clients.
 */
function wireData(common: Omit<TRPCDefaultErrorData, 'stack'> & { requestId?: string }, cause: unknown): ErrorData {
  const { code, ...rest } = common;
  switch (code) {
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return cause instanceof AuthFailureError ? { ...rest, code, auth: cause.data } : { ...rest, code };
    case 'TOO_MANY_REQUESTS':
      return cause instanceof RateLimitExceededError ? { ...rest, code, rateLimit: cause.data } : { ...rest, code };
    case 'SERVICE_UNAVAILABLE':
      return cause instanceof ServiceOverloadedError ? { ...rest, code, retryAfterMs: cause.retryAfterMs } : { ...rest, code };
    case 'BAD_REQUEST':
      return cause instanceof ZodError ? { ...rest, code, issues: toFieldIssues(cause) } : { ...rest, code };
    default:
      return { ...rest, code };
  }
}

function toFieldIssues(error: ZodError): FieldIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message: issue.message,
    code: issue.code,
  }));
}
