import { AUTH_FAILURE_STATUS, type AuthErrorData, type AuthFailureDetail, type AuthFailureReason, type Scope } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';

const MESSAGES: Readonly<Record<AuthFailureReason, string>> = {
  missing_credentials: 'Authentication required',
  invalid_credentials: 'Invalid email or password',
  invalid_token: 'The access token is invalid',
  expired_token: 'The access token has expired',
  revoked_token: 'The credential has been revoked',
  insufficient_scope: 'The credential lacks a required scope',
  forbidden_role: 'This principal may not call this procedure',
};

/**
 * Why authentication or authorization failed, as a typed cause of a TRPCError.
 * The error formatter turns it into `data.auth`; the HTTP layer into
 * WWW-Authenticate. It never holds the credential itself.
 */
export class AuthFailureError extends Error {
  readonly data: AuthErrorData;

  constructor(
    reason: AuthFailureReason,
    scopes?: { required: readonly Scope[]; missing: readonly Scope[] },
    /** What the client can do about it (`detail`), or which contract policy refused (`policy`). */
    context?: { readonly detail?: AuthFailureDetail; readonly policy?: string },
  ) {
    super(MESSAGES[reason]);
    this.name = 'AuthFailureError';
    this.data = {
      reason,
      ...(scopes === undefined ? {} : { requiredScopes: [...scopes.required], missingScopes: [...scopes.missing] }),
      ...(context?.detail === undefined ? {} : { detail: context.detail }),
      ...(context?.policy === undefined ? {} : { policy: context.policy }),
    };
  }

  get status(): 'UNAUTHORIZED' | 'FORBIDDEN' {
    return AUTH_FAILURE_STATUS[this.data.reason];
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: this.status, message: this.message, cause: this });
  }
}

/** Throws the TRPCError for an auth failure; typed `never` so callers narrow. */
export function failAuth(
  reason: AuthFailureReason,
  scopes?: { required: readonly Scope[]; missing: readonly Scope[] },
  context?: ConstructorParameters<typeof AuthFailureError>[2],
): never {
  throw new AuthFailureError(reason, scopes, context).toTRPCError();
}

/**
 * How an authentication failure leaves auth/: as the TRPCError a procedure
 * answers (401, with the failure as its cause for WWW-Authenticate and
 * `data.auth`); any other error unchanged. For `.catch()` on the authenticator.
 */
export function rethrowAuthFailure(error: unknown): never {
  throw error instanceof AuthFailureError ? error.toTRPCError() : error;
}
