import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import type { GatehouseRouter as AppRouter } from '@gatehouse/contracts/trpc';
import { MAX_BATCH_ITEMS, type GatehouseClient, type LinkFetch } from '../create-gatehouse-client.js';
import { gatehouseErrorLink } from '../error-link.js';
import { createGatehouseSession, type GatehouseSession, type SessionOptions } from './gatehouse-session.js';
import { sessionRefreshLink } from './session-refresh-link.js';

/** Options of a client that logs in and keeps its own tokens fresh. */
export interface GatehouseSessionClientOptions {
  /** The server's base URL, e.g. `https://api.example.com` (the client adds `/trpc`). */
  readonly url: string;
  /** Batch concurrent calls into one request (default true). */
  readonly batch?: boolean;
  /** A fetch implementation, for runtimes without one or for tests. */
  readonly fetch?: LinkFetch;
  readonly session: SessionOptions;
}

/** A typed client plus the session behind it: `client.session.login(…)`, `client.session.logout()`. */
export type GatehouseSessionClient = GatehouseClient & { readonly session: GatehouseSession };

export function createSessionClient(options: GatehouseSessionClientOptions): GatehouseSessionClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const session = createGatehouseSession({ url: options.url, fetch: options.fetch }, options.session);
  const headers = (): Record<string, string> => {
    const token = session.currentAccessToken();
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  };
  const transport =
    options.batch === false
      ? httpLink<AppRouter>({ url, headers, ...fetchOption })
      : httpBatchLink<AppRouter>({ url, headers, maxItems: MAX_BATCH_ITEMS, ...fetchOption });
  const client = createTRPCClient<AppRouter>({
    links: [sessionRefreshLink<AppRouter>(session), gatehouseErrorLink<AppRouter>(), transport],
  });
  // The tRPC client is a proxy that turns every property into a procedure path; `session` is answered first.
  return new Proxy(client, {
    get: (target, property, receiver) => (property === 'session' ? session : Reflect.get(target, property, receiver)),
  }) as GatehouseSessionClient;
}
