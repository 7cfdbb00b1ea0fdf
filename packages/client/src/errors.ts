import {
  errorDataSchema,
  type AuthFailureReason,
  type ErrorData,
  type FieldIssue,
  type Scope,
} from '@gatehouse/contracts';
import { TRPCClientError } from '@trpc/client';
import type { AnyTRPCRouter, TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * Base of every error the Gatehouse server answered with. Extends
 * TRPCClientError so tRPC tooling keeps working; the tRPC error it was
 * built from is kept as `cause`. Narrow with `instanceof` or on `code`.
 */
export abstract class GatehouseError extends TRPCClientError<AnyTRPCRouter> {
  abstract readonly code: string;
  /** HTTP status of this call (its own, inside a 207 batch). */
  readonly httpStatus: number;
  /** The server's request id: quote it to support, it finds the log line. */
  readonly requestId: string | undefined;
  /** The procedure path, e.g. `orders.create`. */
  readonly path: string | undefined;

  protected constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original.message, { cause: original, ...(original.meta === undefined ? {} : { meta: original.meta }) });
    // TRPCClientError's constructor resets the prototype to its own; restore the subclass's.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
    Object.assign(this, { shape: original.shape, data: original.data });
    this.httpStatus = data.httpStatus;
    this.requestId = data.requestId;
    this.path = data.path;
  }
}

/** 401: no credential, or one that does not hold. Log the user in again for `revoked_token`. */
export class UnauthorizedError extends GatehouseError {
  readonly code = 'UNAUTHORIZED' as const;
  readonly reason: AuthFailureReason;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    this.reason = data.auth?.reason ?? 'invalid_token';
  }
}

/** 403: authenticated, but the credential lacks scopes (`missingScopes`) or the principal may not call this. */
export class ForbiddenError extends GatehouseError {
  readonly code = 'FORBIDDEN' as const;
  readonly reason: AuthFailureReason;
  readonly requiredScopes: readonly Scope[];
  readonly missingScopes: readonly Scope[];

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    this.reason = data.auth?.reason ?? 'insufficient_scope';
    this.requiredScopes = data.auth?.requiredScopes ?? [];
    this.missingScopes = data.auth?.missingScopes ?? [];
  }
}

/** 429: a budget ran out. Wait `retryAfterMs` before calling again. */
export class RateLimitedError extends GatehouseError {
  readonly code = 'TOO_MANY_REQUESTS' as const;
  readonly retryAfterMs: number;
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  readonly resetAt: Date | undefined;
  readonly policy: string | undefined;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    const rateLimit = data.rateLimit;
    this.retryAfterMs = rateLimit?.retryAfterMs ?? 1000;
    this.limit = rateLimit?.limit;
    this.remaining = rateLimit?.remaining;
    this.resetAt = rateLimit === undefined ? undefined : new Date(rateLimit.resetAt);
    this.policy = rateLimit?.policy;
  }
}

/** 400: the input was refused; `issues` say which field and why, ready to show beside it. */
export class ValidationError extends GatehouseError {
  readonly code = 'BAD_REQUEST' as const;
  readonly issues: readonly FieldIssue[];

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    this.issues = data.issues ?? [];
  }

  /** Messages keyed by dotted field path (`shippingAddress.line1`), for forms. */
  fieldErrors(): Record<string, string[]> {
    const byField: Record<string, string[]> = {};
    for (const issue of this.issues) (byField[issue.path.join('.')] ??= []).push(issue.message);
    return byField;
  }
}

/** 404: no such record, or one the caller may not see (the server does not say which). */
export class NotFoundError extends GatehouseError {
  readonly code = 'NOT_FOUND' as const;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
  }
}

/** 503: the server is too busy to start this call now (e.g. a flood of logins). Retry after `retryAfterMs`. */
export class ServiceUnavailableError extends GatehouseError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  readonly retryAfterMs: number;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    this.retryAfterMs = data.retryAfterMs ?? 1000;
  }
}

/** The tRPC codes that have no class of their own. */
export type ServerErrorCode = Exclude<TRPC_ERROR_CODE_KEY, 'UNAUTHORIZED' | 'FORBIDDEN' | 'TOO_MANY_REQUESTS' | 'BAD_REQUEST' | 'NOT_FOUND' | 'SERVICE_UNAVAILABLE'>;

/** Any other answer from the server (409 conflict, 503, 500, ...), with its tRPC code. */
export class ServerError extends GatehouseError {
  // Excludes the codes above, so that `error.code === 'FORBIDDEN'` narrows AnyGatehouseError to ForbiddenError.
  readonly code: ServerErrorCode;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorData) {
    super(original, data);
    this.code = data.code as ServerErrorCode;
  }
}

/** Every Gatehouse error; narrows on `code`. */
export type AnyGatehouseError =
  | UnauthorizedError
  | ForbiddenError
  | RateLimitedError
  | ValidationError
  | NotFoundError
  | ServiceUnavailableError
  | ServerError;

export function isGatehouseError(error: unknown): error is AnyGatehouseError {
  return error instanceof GatehouseError;
}

/**
 * The typed error for a tRPC client error that came from the server, read
 * with the contracts' own schema. Anything else (network failure, a proxy's
 * HTML page) is returned unchanged.
 */
export function toGatehouseError(error: unknown): unknown {
  if (!(error instanceof TRPCClientError) || error instanceof GatehouseError) return error;
  const parsed = errorDataSchema.safeParse(error.data);
  if (!parsed.success) return error;
  const original = error as TRPCClientError<AnyTRPCRouter>;
  const data = parsed.data;
  switch (data.code) {
    case 'UNAUTHORIZED':
      return new UnauthorizedError(original, data);
    case 'FORBIDDEN':
      return new ForbiddenError(original, data);
    case 'TOO_MANY_REQUESTS':
      return new RateLimitedError(original, data);
    case 'BAD_REQUEST':
      return new ValidationError(original, data);
    case 'NOT_FOUND':
      return new NotFoundError(original, data);
    case 'SERVICE_UNAVAILABLE':
      return new ServiceUnavailableError(original, data);
    default:
      return new ServerError(original, data);
  }
}
