import { request } from 'node:https';
import type { RawResponse } from './http.js';

export interface TlsClientOptions {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * A raw tRPC query or mutation over HTTPS with node:https, which (unlike
 * fetch) takes a CA and a client certificate per request. A fresh agent per
 * call, so no TLS session is reused between identities.
 */
export function callOverTls(
  baseUrl: string,
  path: string,
  tls: TlsClientOptions,
  options: { kind?: 'query' | 'mutation'; input?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const kind = options.kind ?? 'query';
  const query = kind === 'query' && options.input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(options.input))}` : '';
  const body = kind === 'mutation' && options.input !== undefined ? JSON.stringify(options.input) : undefined;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}/trpc/${path}${query}`,
      {
        method: kind === 'query' ? 'GET' : 'POST',
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        ca: tls.ca,
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: response.statusCode ?? 0, headers, body: text === '' ? undefined : JSON.parse(text) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
