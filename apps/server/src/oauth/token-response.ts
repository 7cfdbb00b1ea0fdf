/** RFC 6749 section 5.1 successful token response. */
export interface TokenResponse {
  readonly access_token: string;
  /** `DPoP` when the access token is bound to the proof's key (RFC 9449 section 5). */
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
}
