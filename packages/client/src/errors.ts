import {
  errorDataSchema,
  type AuthFailureDetail,
  type AuthFailureReason,
  type ErrorData,
  type ErrorDataOf,
  type FieldIssue,
  type OtherErrorCode,
  type Scope,
} from '@gatehouse/contracts';
import { TRPCClientError } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';

/**
 * Base of every error the Gatehouse server answered with. Extends
 * TRPCClientError so tRPC tooling keeps working; the tRPC error it was
 * built from is kept as `cause`. Narrow with `instanceof` or on `code`.
 * Every field comes from the wire data (`@gatehouse/contracts`'
 * `errorDataSchema`): what the server did not send is `undefined`, never a
 * default the client made up.
 */
export abstract class GatehouseError extends TRPCClientError<AnyTRPCRouter> {
  abstract readonly code: ErrorData['code'];
  /** HTTP status of this call (its own, inside a 207 batch). */
  readonly httpStatus: number;
  /** The server's request id: quote it to support, it finds the log line. */
  readonly requestId: string | undefined;
  /** The procedure path, e.g. `orders.create`. */
  readonly path: string | undefined;

  protected constructor(message: string, data: ErrorData, original: TRPCClientError<AnyTRPCRouter> | undefined) {
    super(message, { ...(original === undefined ? {} : { cause: original }), ...(original?.meta === undefined ? {} : { meta: original.meta }) });
    // TRPCClientError's constructor resets the prototype to its own; restore the subclass's.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
    Object.assign(this, { shape: original?.shape, data: original?.data ?? data });
    this.httpStatus = data.httpStatus;
    this.requestId = data.requestId;
    this.path = data.path;
  }
}

/**
 * 401: no credential, or one that does not hold. Log the user in again for
 * `revoked_token`, and for `detail === 'network_changed'`: the access token
 * is pinned to the network it was issued to and this call came from another
 * (a session that still holds its refresh token may refresh instead; the
 * new token is issued to the current network).
 *
 * @example
 * ```ts
 * if (error instanceof UnauthorizedError && error.detail === 'network_changed') await signInAgain();
 * ```
 */
export class UnauthorizedError extends GatehouseError {
  readonly code = 'UNAUTHORIZED' as const;
  readonly reason: AuthFailureReason | undefined;
  /** What to do about it, when the reason alone does not say (`network_changed`: sign in again). */
  readonly detail: AuthFailureDetail | undefined;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<'UNAUTHORIZED'>) {
    super(original.message, data, original);
    this.reason = data.auth?.reason;
    this.detail = data.auth?.detail;
  }
}

/**
 * 403: authenticated, but the credential lacks scopes (`missingScopes`) or the
 * principal may not call this. `TScope` is the procedure's own required
 * scopes when the call's type says which procedure it was.
 *
 * A client bound to scopes refuses a call outside them itself, before any
 * request: such an error has `preflight: true` (the server's 403 stays the
 * authority for everything else).
 */
export class ForbiddenError<TScope extends Scope = Scope> extends GatehouseError {
  readonly code = 'FORBIDDEN' as const;
  readonly reason: AuthFailureReason | undefined;
  readonly requiredScopes: readonly TScope[] | undefined;
  readonly missingScopes: readonly TScope[] | undefined;
  /** True when the client refused the call itself, without a request. */
  readonly preflight: boolean;
  /** The contract policy that refused the call (a policy that answers 403 rather than 404), e.g. `order.readable`. */
  readonly policy: string | undefined;

  constructor(original: TRPCClientError<AnyTRPCRouter> | undefined, data: ErrorDataOf<'FORBIDDEN'>, message = original?.message ?? 'Forbidden') {
    super(message, data, original);
    this.reason = data.auth?.reason;
    // The wire names scopes of the catalogue; which ones is the procedure's contract (or the scopes asked for).
    this.requiredScopes = data.auth?.requiredScopes as readonly TScope[] | undefined;
    this.missingScopes = data.auth?.missingScopes as readonly TScope[] | undefined;
    this.preflight = original === undefined;
    this.policy = data.auth?.policy;
  }
}

/** 429: a budget ran out. Wait `retryAfterMs` before calling again; `policy` names the budget. */
export class RateLimitedError<TPolicy extends string = string> extends GatehouseError {
  readonly code = 'TOO_MANY_REQUESTS' as const;
  readonly retryAfterMs: number | undefined;
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  readonly resetAt: Date | undefined;
  readonly policy: TPolicy | undefined;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<'TOO_MANY_REQUESTS'>) {
    super(original.message, data, original);
    const rateLimit = data.rateLimit;
    this.retryAfterMs = rateLimit?.retryAfterMs;
    this.limit = rateLimit?.limit;
    this.remaining = rateLimit?.remaining;
    this.resetAt = rateLimit === undefined ? undefined : new Date(rateLimit.resetAt);
    // The server names the policy of this procedure's contract (RateLimitPolicyNameOf).
    this.policy = rateLimit?.policy as TPolicy | undefined;
  }
}

/** 400: the input was refused; `issues` say which field and why, ready to show beside it. */
export class ValidationError extends GatehouseError {
  readonly code = 'BAD_REQUEST' as const;
  /** Empty when the request itself could not be read (no field to blame). */
  readonly issues: readonly FieldIssue[];

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<'BAD_REQUEST'>) {
    super(original.message, data, original);
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

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<'NOT_FOUND'>) {
    super(original.message, data, original);
  }
}

/**
 * 503: the server cannot serve this call now. `retryAfterMs` when it is
 * overloaded (a flood of logins); undefined for a store outage, where the
 * caller's own backoff decides.
 */
export class ServiceUnavailableError extends GatehouseError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  readonly retryAfterMs: number | undefined;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<'SERVICE_UNAVAILABLE'>) {
    super(original.message, data, original);
    this.retryAfterMs = data.retryAfterMs;
  }
}

/** The tRPC codes that have no class of their own. */
export type ServerErrorCode = OtherErrorCode;

/** Any other answer from the server (409 conflict, 500, ...), with its tRPC code. */
export class ServerError extends GatehouseError {
  // Excludes the codes above, so that `error.code === 'FORBIDDEN'` narrows AnyGatehouseError to ForbiddenError.
  readonly code: ServerErrorCode;

  constructor(original: TRPCClientError<AnyTRPCRouter>, data: ErrorDataOf<OtherErrorCode>) {
    super(original.message, data, original);
    this.code = data.code;
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

/**
 * Whether an error is one of Gatehouse's typed errors (an answer of the
 * server), as opposed to a network failure or a bug; narrow it further on `code`.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (isGatehouseError(error) && error.code === 'UNAUTHORIZED') redirectToLogin(error.reason);
 *   else throw error;
 * }
 * ```
 */
export function isGatehouseError(error: unknown): error is AnyGatehouseError {
  return error instanceof GatehouseError;
}

/**
 * The typed error for a tRPC client error that came from the server, read
 * with the contracts' own schema. Anything else (network failure, a proxy's
 * HTML page, data outside the wire contract) is returned unchanged.
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

/** The error a bound client raises itself for a call outside its scopes: no request is made. */
export function preflightForbidden(path: string, requiredScopes: readonly Scope[], missingScopes: readonly Scope[]): ForbiddenError {
  return new ForbiddenError(
    undefined,
    { code: 'FORBIDDEN', httpStatus: 403, path, auth: { reason: 'insufficient_scope', requiredScopes: [...requiredScopes], missingScopes: [...missingScopes] } },
    `This client holds no ${missingScopes.join(', ')} scope, which ${path} requires: refused before sending`,
  );
}
