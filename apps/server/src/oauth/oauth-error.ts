/**
 * RFC 6749 section 5.2 error codes, RFC 7009's unsupported_token_type, RFC
 * 9449's invalid_dpop_proof and use_dpop_nonce, and
 * too_many_requests (an extension value, RFC 6749 section 8.5) for a spent
 * per-IP budget.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'too_many_requests'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

const STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  unsupported_token_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  too_many_requests: 429,
  // RFC 9449 sections 5 and 8: both are token-request errors, answered like invalid_request.
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
};

/**
 * An OAuth protocol error: the endpoints answer it as `{ error, error_description }`
 * with its status (RFC 6749 section 5.2), never as a tRPC error. Descriptions are
 * fixed sentences: they never echo a token, a secret or raw input.
 */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    options: { readonly status?: number; readonly retryAfterSeconds?: number } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = options.status ?? STATUS[error];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  readonly retryAfterSeconds: number | undefined;

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
