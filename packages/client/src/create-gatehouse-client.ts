import type { Scope } from '@gatehouse/contracts';
import type { GatehouseRouter } from '@gatehouse/contracts/trpc';
import { createTRPCUntypedClient, httpBatchLink, httpLink, type TRPCLink } from '@trpc/client';
import { createClientCredentialsToken, type ClientCredentialsOptions, type ClientCredentialsToken } from './client-credentials.js';
import { clientCredentialsLink } from './client-credentials-link.js';
import { gatehouseErrorLink } from './error-link.js';
import type { LinkFetch } from './link-fetch.js';
import type { GatehouseProcedures } from './procedure-client.js';
import { createProcedureTree, type HeldScopes } from './procedure-tree.js';
import { rateLimitRetryLink, type RateLimitRetryOptions } from './rate-limit-retry-link.js';
import { createGatehouseSession, type GatehouseSession, type SessionOptions } from './session/gatehouse-session.js';
import { sessionRefreshLink } from './session/session-refresh-link.js';

export type { LinkFetch };

/** The server refuses batches over 10 calls; the client never builds bigger ones. */
export const MAX_BATCH_ITEMS = 10;

/** How the client reaches the server, whatever the credential. */
export interface GatehouseTransportOptions {
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
  /** Opt-in: wait out a 429's Retry-After and retry once, within `maxWaitMs` (queries only unless `mutations`). */
  readonly retry?: RateLimitRetryOptions;
  /**
   * Your own tRPC links, run first on every call (e.g. `loggerLink()`), before
   * Gatehouse's own: they see typed Gatehouse errors on the way back.
   */
  readonly links?: readonly TRPCLink<GatehouseRouter>[];
}

interface NoCredential {
  readonly accessToken?: never;
  readonly getAccessToken?: never;
  readonly apiKey?: never;
  readonly clientCredentials?: never;
  readonly session?: never;
}

/**
 * `scopes` binds the client to what its credential holds: only procedures
 * those scopes cover can be called (others are a compile error, and refused
 * before sending at run time). Leave it out for an unbound client.
 */
interface Binding<TScope extends Scope> {
  readonly scopes?: readonly TScope[];
}

/**
 * Exactly one credential, or none (anonymous, or a service authenticated by
 * its mTLS certificate through `fetch`). A request with two credentials is
 * refused by the server, so two do not compile.
 */
export type CredentialOptions<TScope extends Scope = Scope> =
  | (Omit<NoCredential, 'accessToken'> & Binding<TScope> & { readonly accessToken: string })
  | (Omit<NoCredential, 'getAccessToken'> &
      Binding<TScope> & { readonly getAccessToken: () => string | undefined | Promise<string | undefined> })
  | (Omit<NoCredential, 'apiKey'> & Binding<TScope> & { readonly apiKey: string })
  /** The response of apiKeys.create: the key binds the client to the scopes it was created with. */
  | (Omit<NoCredential, 'apiKey'> & { readonly apiKey: { readonly key: string; readonly scopes: readonly TScope[] }; readonly scopes?: never })
  /** A service's own OAuth client: the client fetches and renews its token; the scopes asked for bind it. */
  | (Omit<NoCredential, 'clientCredentials'> & { readonly clientCredentials: ClientCredentialsOptions<TScope>; readonly scopes?: never })
  | (NoCredential & Binding<TScope>);

/** @deprecated Use {@link CredentialOptions}; kept for code written against 0.1. */
export type AccessTokenSource = CredentialOptions;

/**
 * Options of {@link createGatehouseClient}: where and how to send calls, and
 * at most one credential.
 *
 * @example
 * ```ts
 * const reader = createGatehouseClient({ url: 'https://gatehouse.example', accessToken, scopes: ['orders:read'] });
 * ```
 */
export type GatehouseClientOptions<TScope extends Scope = Scope> = GatehouseTransportOptions & CredentialOptions<TScope>;

/** Options of a client that logs in and keeps its own tokens fresh. */
export type GatehouseSessionClientOptions<TScope extends Scope = Scope> = GatehouseTransportOptions &
  Omit<NoCredential, 'session'> &
  Binding<TScope> & { readonly session: SessionOptions };

/**
 * Gatehouse's procedures, typed from the contracts. Unbound (`TScope` =
 * every scope) every procedure is callable; bound, only those the scopes
 * cover.
 */
export type GatehouseClient<TScope extends Scope = Scope> = GatehouseProcedures<TScope>;

/** A typed client plus the session behind it: `client.session.login(…)`, `client.session.logout()`. */
export type GatehouseSessionClient<TScope extends Scope = Scope> = GatehouseProcedures<TScope> & {
  readonly session: GatehouseSession;
};

/**
 * A typed client for the Gatehouse API. Inputs, outputs and each call's
 * errors come from the contracts; failed calls throw GatehouseError
 * subclasses, or return them with `safeQuery` / `safeMutate`.
 *
 * @example
 * ```ts
 * const gatehouse = createGatehouseClient({ url: 'http://127.0.0.1:3000', accessToken, scopes: ['orders:read'] });
 * const result = await gatehouse.orders.byId.safeQuery({ id });
 * if (!result.ok && result.error.code === 'NOT_FOUND') showMissing();
 * // gatehouse.admin.users.list.query(): compile error, the client holds no admin scope
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
 *
 * With `clientCredentials`, a service gets its own token from `/oauth/token`:
 *
 * ```ts
 * const billing = createGatehouseClient({ url, clientCredentials: { clientId: 'billing', clientSecret, scopes: ['orders:read'] } });
 * await billing.orders.list.query(); // billing.orders.create: compile error
 * ```
 */
export function createGatehouseClient<const TScope extends Scope = Scope>(
  options: GatehouseSessionClientOptions<TScope>,
): GatehouseSessionClient<TScope>;
export function createGatehouseClient<const TScope extends Scope = Scope>(options: GatehouseClientOptions<TScope>): GatehouseClient<TScope>;
export function createGatehouseClient(
  options: GatehouseClientOptions | GatehouseSessionClientOptions,
): GatehouseClient | GatehouseSessionClient {
  if (options.session !== undefined) {
    const { accessToken, getAccessToken, apiKey, clientCredentials } = options as Partial<Record<'accessToken' | 'getAccessToken' | 'apiKey' | 'clientCredentials', unknown>>;
    // The types already refuse this; a session manages its own token, so a second credential is a mistake.
    if ([accessToken, getAccessToken, apiKey, clientCredentials].some((credential) => credential !== undefined)) {
      throw new TypeError('A session client manages its own token: give no accessToken, getAccessToken, apiKey or clientCredentials beside it');
    }
    return createSessionClient(options as GatehouseSessionClientOptions);
  }
  const { links, held } = linksAndScopes(options as GatehouseClientOptions);
  return createProcedureTree(createTRPCUntypedClient<GatehouseRouter>({ links }), held) as GatehouseClient;
}

/**
 * Gatehouse's links for a credential, for composing your own tRPC client:
 * `createTRPCClient<GatehouseRouter>({ links: gatehouseLinks({ url, accessToken }) })`, or
 * tRPC's TanStack Query integration (see README). Calls through such a client throw
 * Gatehouse's typed errors, and `options.links` run first.
 */
export function gatehouseLinks(options: GatehouseClientOptions): TRPCLink<GatehouseRouter>[] {
  return linksAndScopes(options).links;
}

function linksAndScopes(options: GatehouseClientOptions): { links: TRPCLink<GatehouseRouter>[]; held: HeldScopes } {
  const credentials = [options.accessToken, options.getAccessToken, options.apiKey, options.clientCredentials].filter(
    (credential) => credential !== undefined,
  );
  // The types already refuse two credentials; this is for JavaScript callers.
  if (credentials.length > 1) {
    throw new TypeError('Give one credential (accessToken, getAccessToken, apiKey or clientCredentials): the server refuses a request with two');
  }
  const token: ClientCredentialsToken | undefined =
    options.clientCredentials === undefined ? undefined : createClientCredentialsToken(options.url, options.fetch, options.clientCredentials);
  const apiKey = typeof options.apiKey === 'object' ? options.apiKey.key : options.apiKey;
  const headers = async (): Promise<Record<string, string>> => {
    if (apiKey !== undefined) return { 'x-api-key': apiKey };
    const bearer = token !== undefined ? await token.current() : (options.accessToken ?? (await options.getAccessToken?.()));
    return bearer === undefined ? {} : { authorization: `Bearer ${bearer}` };
  };
  const bound = options.scopes ?? (typeof options.apiKey === 'object' ? options.apiKey.scopes : undefined) ?? options.clientCredentials?.scopes;
  // A token response may grant fewer scopes than were asked for (RFC 6749 section 3.3): refuse by what it holds.
  const held: HeldScopes = () => token?.grantedScopes() ?? bound;
  const credentialLinks = token === undefined ? [] : [clientCredentialsLink<GatehouseRouter>(token)];
  return { links: assemble(options, credentialLinks, headers), held };
}

function assemble(
  options: GatehouseTransportOptions,
  credentialLinks: readonly TRPCLink<GatehouseRouter>[],
  headers: () => Record<string, string> | Promise<Record<string, string>>,
): TRPCLink<GatehouseRouter>[] {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const fetch = options.fetch === undefined ? {} : { fetch: options.fetch };
  const transport =
    options.batch === false
      ? httpLink<GatehouseRouter>({ url, headers, ...fetch })
      : httpBatchLink<GatehouseRouter>({ url, headers, maxItems: MAX_BATCH_ITEMS, ...fetch });
  const retry = options.retry === undefined ? [] : [rateLimitRetryLink<GatehouseRouter>(options.retry)];
  return [...(options.links ?? []), ...retry, ...credentialLinks, gatehouseErrorLink<GatehouseRouter>(), transport];
}

function createSessionClient(options: GatehouseSessionClientOptions): GatehouseSessionClient {
  const session = createGatehouseSession({ url: options.url, fetch: options.fetch }, options.session);
  const headers = (): Record<string, string> => {
    const token = session.currentAccessToken();
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  };
  const links = assemble(options, [sessionRefreshLink<GatehouseRouter>(session)], headers);
  const bound = options.scopes;
  const tree = createProcedureTree(createTRPCUntypedClient<GatehouseRouter>({ links }), () => bound);
  return Object.freeze({ ...tree, session }) as GatehouseSessionClient;
}
