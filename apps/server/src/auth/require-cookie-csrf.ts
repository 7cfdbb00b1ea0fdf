import { CSRF_HEADER } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import { isAllowedOrigin } from './allowed-origin.js';

/**
 * Guards a call authenticated by the refresh cookie against cross-site
 * request forgery, beyond SameSite=Strict: it must carry the CSRF header,
 * which a cross-site page cannot send without a CORS preflight this server
 * does not grant, and its Origin, when present, must be an allowed one.
 */
export function requireCookieCsrf(ctx: {
  readonly headers: IncomingHttpHeaders;
  readonly deps: { readonly config: Pick<Config, 'corsOrigins' | 'issuer'> };
}): void {
  const csrf = ctx.headers[CSRF_HEADER];
  const origin = isAllowedOrigin(ctx.headers, ctx.deps.config);
  if (csrf !== '1' || !origin) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'A refresh by cookie needs the X-Gatehouse-CSRF: 1 header and an allowed Origin',
    });
  }
}
