import type { IncomingHttpHeaders } from 'node:http';
import { rethrowAuthFailure } from './errors/auth-failure-error.js';
import type { Principal } from './auth/principal.js';
import { findQueryCredential } from './auth/find-query-credential.js';
import type { Dependencies } from './dependencies.js';
import type { VerifiedClientCertificate } from './auth/client-certificate.js';
import type { RequestRateLimit } from './ratelimit/request-rate-limit.js';
import { createResponseHeaders, type ResponseHeaders } from './response-headers.js';

/**
 * What one HTTP request tells a procedure. Built by the HTTP layer, shared by
 * every call of a batch. Authentication is lazy: public procedures never pay
 * for verifying a token, and a batch verifies it once.
 */
export interface RequestContext {
  readonly deps: Dependencies;
  readonly requestId: string;
  /** The client IP, after GATEHOUSE_TRUST_PROXY, IPv4 or IPv6. */
  readonly ip: string;
  readonly headers: IncomingHttpHeaders;
  /** The request's method and target (path and query), which DPoP proofs name; absent when the HTTP layer did not say. */
  readonly transport?: { readonly method: string; readonly url: string } | undefined;
  /** The name of a credential parameter found in the query string, which is always refused. */
  readonly credentialInQuery: string | undefined;
  /** Resolves the request's credential to a principal (undefined when none was sent); memoized. */
  authenticate(): Promise<Principal | undefined>;
  /** Headers the response will carry (cookies, rate limits), collected during the calls. */
  readonly responseHeaders: ResponseHeaders;
  /** Rate-limit state shared by the calls of this request: batch reservations and the tightest budget seen. */
  readonly rateLimit: RequestRateLimit;
}

/** What the HTTP layer read of a request, already judged by it (trust-proxy, TLS). */
export interface RequestFacts {
  readonly id: string;
  /** The HTTP method, which DPoP proofs name (`htm`); absent, a DPoP-bound token is refused. */
  readonly method?: string | undefined;
  /** The client's address after GATEHOUSE_TRUST_PROXY, normalised (client-ip.ts). */
  readonly ip: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The URL's query when the caller already parsed it (the fast lane), so it is not parsed twice. */
  readonly searchParams?: URLSearchParams | undefined;
  /** A client certificate the TLS layer verified, if any. */
  readonly certificate?: VerifiedClientCertificate | undefined;
}

/**
 * One request's context, for every call of its batch (`calls`: their
 * paths). The credential goes from here to auth/ (deps.authenticate, built
 * once with the other dependencies) and on to the procedures; it does not
 * go back to the HTTP layer.
 */
export function createRequestContext(deps: Dependencies, request: RequestFacts, calls: readonly string[] = []): RequestContext {
  return new LazyRequestContext(deps, request, calls);
}

/** A class, not an object of closures: one is built per request, and its methods are shared. */
class LazyRequestContext implements RequestContext {
  readonly requestId: string;
  readonly ip: string;
  readonly headers: IncomingHttpHeaders;
  readonly credentialInQuery: string | undefined;
  readonly responseHeaders: ResponseHeaders = createResponseHeaders();
  readonly rateLimit: RequestRateLimit;
  readonly #certificate: VerifiedClientCertificate | undefined;
  readonly transport: { readonly method: string; readonly url: string } | undefined;
  #principal: Promise<Principal | undefined> | undefined;

  constructor(
    readonly deps: Dependencies,
    request: RequestFacts,
    calls: readonly string[],
  ) {
    this.requestId = request.id;
    this.ip = request.ip;
    this.headers = request.headers;
    this.credentialInQuery = findQueryCredential(request.searchParams ?? request.url);
    this.rateLimit = deps.rateLimits.forRequest(calls);
    this.#certificate = request.certificate;
    this.transport = request.method === undefined ? undefined : { method: request.method, url: request.url };
  }

  authenticate(): Promise<Principal | undefined> {
    this.#principal ??= this.deps.authenticate(this.headers, this.#certificate, this, this.transport).catch(rethrowAuthFailure);
    return this.#principal;
  }
}

/** A context after the auth middleware: the principal is known. */
export interface AuthenticatedContext<TPrincipal extends Principal = Principal> extends RequestContext {
  readonly principal: TPrincipal;
}

/**
 * The context a protected procedure's handler gets: the request's own, with
 * the principal its contract's requirement admitted and, when the contract
 * names one, its policy gate (`policy`). The request's fields are read from
 * it once and `authenticate()` is its own: an object spread of the request
 * copied the fields but not that method, and V8 cloned it on a slow path
 * on every call.
 */
export function admittedContext(request: RequestContext, principal: Principal, policy?: unknown): AuthenticatedContext {
  return new AdmittedContext(request, principal, policy);
}

class AdmittedContext implements AuthenticatedContext {
  readonly deps: Dependencies;
  readonly requestId: string;
  readonly ip: string;
  readonly headers: IncomingHttpHeaders;
  readonly transport: RequestContext['transport'];
  readonly credentialInQuery: string | undefined;
  readonly responseHeaders: ResponseHeaders;
  readonly rateLimit: RequestRateLimit;
  readonly #request: RequestContext;

  constructor(
    request: RequestContext,
    readonly principal: Principal,
    /** The contract's policy gate (policies/policy-gate.ts), typed for handlers by ContextFor in build-router.ts. */
    readonly policy: unknown,
  ) {
    this.#request = request;
    this.deps = request.deps;
    this.requestId = request.requestId;
    this.ip = request.ip;
    this.headers = request.headers;
    this.transport = request.transport;
    this.credentialInQuery = request.credentialInQuery;
    this.responseHeaders = request.responseHeaders;
    this.rateLimit = request.rateLimit;
  }

  authenticate(): Promise<Principal | undefined> {
    return this.#request.authenticate();
  }
}
