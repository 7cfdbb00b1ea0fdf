import { headerName } from './headers/header-name.js';

/** Headers the response will carry (cookies, rate limits), collected by the calls of one request. */
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
    this.#headers.set(headerName(name), value);
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const current = this.#headers.get(key);
    if (current === undefined) this.#headers.set(key, [value]);
    else this.#headers.set(key, Array.isArray(current) ? [...current, value] : [current, value]);
  }

  entries(): Iterable<readonly [string, string | readonly string[]]> {
    return this.#headers.entries();
  }
}
