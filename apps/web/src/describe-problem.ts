import { ForbiddenError, GatehouseError, NotFoundError, RateLimitedError, ServiceUnavailableError, UnauthorizedError, ValidationError } from '@gatehouse/client';
import { isScope, SCOPE_DESCRIPTIONS } from '@gatehouse/contracts';
import { SignInError } from './oauth-session.js';

/** A failure as a person reads it: what happened, what to do, and for a 429 how long to wait. */
export interface Problem {
  readonly title: string;
  readonly detail: string;
  /** A 429's wait, counted down on screen. */
  readonly retryAfterMs?: number;
  /** Gatehouse's request id, to quote to support. */
  readonly requestId?: string;
}

/**
 * Turns the typed client's errors (and the sign-in's) into a Problem. `action`
 * completes "this app could not …", e.g. "place an order".
 */
export function describeProblem(error: unknown, action: string): Problem {
  const requestId = error instanceof GatehouseError && error.requestId !== undefined ? { requestId: error.requestId } : {};
  if (error instanceof ForbiddenError) {
    const missing = (error.missingScopes ?? []).map((scope) => (isScope(scope) ? `${scope} (${SCOPE_DESCRIPTIONS[scope]})` : scope));
    return {
      title: `Not allowed to ${action}`,
      detail:
        missing.length > 0
          ? `This app was not given the permission it needs: missing scope ${missing.join(', ')}. Sign in again and allow it, or ask an administrator.`
          : 'Your account may not do this.',
      ...requestId,
    };
  }
  if (error instanceof RateLimitedError) {
    return {
      title: 'Too many requests',
      detail: 'Gatehouse is limiting how often this app may call it. Wait for the countdown, then try again.',
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...requestId,
    };
  }
  if (error instanceof UnauthorizedError) return { title: 'Your session has ended', detail: 'Sign in again to continue.', ...requestId };
  if (error instanceof ServiceUnavailableError) {
    return { title: 'Gatehouse is busy', detail: 'Try again in a moment.', ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }), ...requestId };
  }
  if (error instanceof ValidationError) {
    return { title: `Could not ${action}`, detail: error.issues.map((issue) => issue.message).join(' ') || 'The request was refused.', ...requestId };
  }
  if (error instanceof NotFoundError) return { title: 'Not found', detail: 'It may have been removed.', ...requestId };
  if (error instanceof GatehouseError) return { title: `Could not ${action}`, detail: 'Gatehouse refused the request.', ...requestId };
  if (error instanceof SignInError) return describeSignInError(error);
  return { title: 'Cannot reach Gatehouse', detail: 'Check your connection and try again.' };
}

function describeSignInError(error: SignInError): Problem {
  switch (error.error) {
    case 'access_denied':
      return { title: 'Sign-in cancelled', detail: 'You chose Deny on Gatehouse’s page, so this app has no access to your account.' };
    case 'invalid_state':
      return { title: 'Sign-in not finished', detail: 'This sign-in was not started in this tab or was already used. Sign in again.' };
    case 'invalid_grant':
      return { title: 'Sign-in expired', detail: 'The sign-in took too long or was already used. Sign in again.' };
    default:
      return { title: 'Sign-in failed', detail: error.description ?? error.error };
  }
}
