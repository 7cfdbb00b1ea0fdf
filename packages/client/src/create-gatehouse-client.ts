import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient } from '@trpc/client';
import type { GatehouseRouter as AppRouter } from '@gatehouse/contracts/trpc';
import { gatehouseErrorLink } from './error-link.js';
import { rateLimitRetryLink, type RateLimitRetryOptions } from './rate-limit-retry-link.js';
import { createSessionClient, type GatehouseSessionClient, type GatehouseSessionClientOptions } from './session/create-session-client.js';

/** The fetch signature tRPC's HTTP links accept. */
export type LinkFetch = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;

/** The server refuses batches over 10 calls; the client never builds bigger ones. */
export const MAX_BATCH_ITEMS = 10;

export type AccessTokenSource =
  | { readonly accessToken: string; readonly getAccessToken?: never }
  | { readonly getAccessToken: () => string | undefined | Promise<string | undefined>; readonly accessToken?: never }
  | { readonly accessToken?: never; readonly getAccessToken?: never };

export type GatehouseClientOptions = AccessTokenSource & {
  /** The server's base URL, e.g. `https://api.example.com` (the client adds `/trpc`). */
  readonly url: string;
  /** Batch concurrent calls into one request (default true). */
  readonly batch?: boolean;
  /**
   * A fetch implementation: for runtimes without one, for tests, or on Node
   * `createTlsFetch({ ca, cert, key })` from `@gatehouse/client/node` for a
   * private CA and mutual TLS.
   */
  readonly fetch?: LinkFetch;
  /**
   * An API key (`gk_live_…`), sent as `X-API-Key`. For services; not together
   * with an access token (the server refuses a request with two credentials).
   */
  readonly apiKey?: string;
  /** Opt-in: wait out a 429's Retry-After and retry once, within `maxWaitMs` (queries only unless `mutations`). */
  readonly retry?: RateLimitRetryOptions;
};

export type GatehouseClient = TRPCClient<AppRouter>;

/**
 * A typed client for the Gatehouse API. Inputs and outputs are inferred from
 * the server's contracts; failed calls throw GatehouseError subclasses.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouseClient({ url: 'http://127.0.0.1:3000', accessToken });
 * try {
 *   const me = await gatehouse.users.me.query();
 * } catch (error) {
 *   if (error instanceof ForbiddenError) console.log('missing', error.missingScopes);
 * }
 * ```
 *
 * With `session`, the client logs in, keeps the tokens and refreshes them
 * itself (before expiry, and once after a 401 expired_token):
 *
 * ```ts
 * const gatehouse = createGatehouseClient({ url, session: {} });
 * await gatehouse.session.login({ email, password });
 * const me = await gatehouse.users.me.query(); // refreshed as needed
 * ```
 * A revoked session (logout elsewhere, admin revocation, refresh-token reuse)
 * surfaces as `UnauthorizedError` with `reason === 'revoked_token'`: log in again.
 */
export function createGatehouseClient(options: GatehouseSessionClientOptions): GatehouseSessionClient;
export function createGatehouseClient(options: GatehouseClientOptions): GatehouseClient;
export function createGatehouseClient(
  options: GatehouseClientOptions | GatehouseSessionClientOptions,
): GatehouseClient | GatehouseSessionClient {
  if ('session' in options) return createSessionClient(options);
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  if (options.apiKey !== undefined && (options.accessToken !== undefined || options.getAccessToken !== undefined)) {
    throw new TypeError('Give an apiKey or an access token, not both: the server refuses a request with two credentials');
  }
  const apiKeyHeader: Record<string, string> = options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey };
  const fetch = options.fetch;
  const headers = async (): Promise<Record<string, string>> => {
    const token = options.accessToken ?? (await options.getAccessToken?.());
    return token === undefined ? apiKeyHeader : { authorization: `Bearer ${token}` };
  };
  const transport =
    options.batch === false
      ? httpLink<AppRouter>({ url, headers, ...(fetch === undefined ? {} : { fetch }) })
      : httpBatchLink<AppRouter>({
          url,
          headers,
          maxItems: MAX_BATCH_ITEMS,
          ...(fetch === undefined ? {} : { fetch }),
        });
  const retry = options.retry === undefined ? [] : [rateLimitRetryLink<AppRouter>(options.retry)];
  return createTRPCClient<AppRouter>({ links: [...retry, gatehouseErrorLink<AppRouter>(), transport] });
}
