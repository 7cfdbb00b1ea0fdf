import type { LinkFetch } from './link-fetch.js';

/**
 * TLS material for calling Gatehouse over HTTPS from Node, as PEM text or
 * buffers (read the files yourself: the client never touches the disk).
 */
export interface GatehouseTlsOptions {
  /** CA certificate(s) to trust for the server, beyond Node's defaults (a private CA). */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** The client certificate for mutual TLS; needs `key`. */
  readonly cert?: string | Buffer;
  /** The client certificate's private key. */
  readonly key?: string | Buffer;
}

/**
 * A fetch that speaks TLS with the given CA and client certificate, for Node.
 * Node's global fetch takes no TLS options, so this uses undici's own fetch
 * with an undici Agent as the dispatcher (the same library, one version:
 * mixing undici's Agent with Node's bundled fetch is not supported). undici
 * is imported on first use, so browser bundles of the client never load it.
 */
export function createTlsFetch(tls: GatehouseTlsOptions): LinkFetch {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new TypeError('tls.cert and tls.key go together: give both for mutual TLS, or neither');
  }
  const connect = {
    ...(tls.ca === undefined ? {} : { ca: Array.isArray(tls.ca) ? [...tls.ca] : (tls.ca as string | Buffer) }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    minVersion: 'TLSv1.2' as const,
  };
  let undici: Promise<{ fetch: typeof import('undici').fetch; dispatcher: import('undici').Agent }> | undefined;
  const load = () =>
    (undici ??= import('undici').then((module) => ({ fetch: module.fetch, dispatcher: new module.Agent({ connect }) })));

  const tlsFetch = async (input: unknown, init?: Record<string, unknown>) => {
    const { fetch, dispatcher } = await load();
    return fetch(input as Parameters<typeof fetch>[0], { ...(init as Parameters<typeof fetch>[1]), dispatcher });
  };
  // undici's Response and tRPC's FetchEsque describe the same web fetch with separately declared types.
  return tlsFetch as unknown as LinkFetch;
}
