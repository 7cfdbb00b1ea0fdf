import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@gatehouse/server';
import { gatehouseErrorLink } from './error-link.js';
import { rateLimitRetryLink, type RateLimitRetryOptions } from './rate-limit-retry-link.js';

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
  /** A fetch implementation, for runtimes without one or for tests. */
  readonly fetch?: LinkFetch;
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
 */
export function createGatehouseClient(options: GatehouseClientOptions): GatehouseClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const headers = async (): Promise<Record<string, string>> => {
    const token = options.accessToken ?? (await options.getAccessToken?.());
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  };
  const transport =
    options.batch === false
      ? httpLink<AppRouter>({ url, headers, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) })
      : httpBatchLink<AppRouter>({
          url,
          headers,
          maxItems: MAX_BATCH_ITEMS,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        });
  const retry = options.retry === undefined ? [] : [rateLimitRetryLink<AppRouter>(options.retry)];
  return createTRPCClient<AppRouter>({ links: [...retry, gatehouseErrorLink<AppRouter>(), transport] });
}
