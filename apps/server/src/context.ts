import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './auth/principal.js';
import type { EventOrigin } from './audit/security-events.js';
import type { Dependencies } from './dependencies.js';
import type { RequestRateLimit } from './ratelimit/request-rate-limit.js';

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
  /** The name of a credential parameter found in the query string, which is always refused. */
  readonly credentialInQuery: string | undefined;
  /** Resolves the request's credential to a principal (undefined when none was sent); memoized. */
  authenticate(): Promise<Principal | undefined>;
  /** Headers the response will carry (cookies, rate limits), collected during the calls. */
  readonly responseHeaders: ResponseHeaders;
  /** Rate-limit state shared by the calls of this request: batch reservations and the tightest budget seen. */
  readonly rateLimit: RequestRateLimit;
}

/** A context after the auth middleware: the principal is known. */
export interface AuthenticatedContext<TPrincipal extends Principal = Principal> extends RequestContext {
  readonly principal: TPrincipal;
}

export interface ResponseHeaders {
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  entries(): Iterable<readonly [string, string | readonly string[]]>;
}

export function createResponseHeaders(): ResponseHeaders {
  return new MapResponseHeaders();
}

/** A class, not an object of closures: one is built per request, and its methods are shared. */
class MapResponseHeaders implements ResponseHeaders {
  readonly #headers = new Map<string, string | string[]>();

  set(name: string, value: string): void {
    this.#headers.set(name.toLowerCase(), value);
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.#headers.get(key);
    if (current === undefined) this.#headers.set(key, [value]);
    else this.#headers.set(key, Array.isArray(current) ? [...current, value] : [current, value]);
  }

  entries(): Iterable<readonly [string, string | readonly string[]]> {
    return this.#headers.entries();
  }
}

/** The request facts a security event records. */
export function eventOrigin(ctx: RequestContext, principal?: string): EventOrigin {
  return { ip: ctx.ip, requestId: ctx.requestId, principal };
}
