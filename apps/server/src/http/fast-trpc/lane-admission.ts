import type { IncomingMessage } from 'node:http';
import { isPlainJsonRequest } from './is-plain-json-request.js';

/** A request the fast lane may answer: its procedure path(s) and its query, parsed once. */
export interface AdmittedCall {
  readonly method: 'GET' | 'POST';
  /** `users.me`, or `a,b,c` for a batch, exactly as the URL has it. */
  readonly path: string;
  readonly searchParams: URLSearchParams;
}

/**
 * `/trpc/<procedure>` or a batch `/trpc/a,b,c`, in the characters procedure
 * names use. Anything else (percent-encoding, a slash, a batch over
 * Fastify's 2,048-character parameter) is Fastify's to route and answer.
 */
const LANE_PATH = /^\/trpc\/([\w.,~-]{1,2048})(?:\?|$)/;

/**
 * Whether the fast lane can answer a request exactly as tRPC's stock Fastify
 * adapter would, judged from its request line and headers alone (nothing is read
 * yet, so a refusal hands Fastify an untouched request):
 *
 * - GET or POST to a lane path, as a plain JSON call (isPlainJsonRequest:
 *   no streaming, no subscriptions' connection params, no method override);
 * - a GET without a body (Fastify does not read one either);
 * - a POST whose content type Fastify's JSON parser certainly takes, with a
 *   declared length within the body limit and no chunked encoding, so
 *   Fastify's 413, 415 and length checks stay Fastify's.
 */
export function admitToFastLane(raw: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, bodyLimit: number): AdmittedCall | undefined {
  const method = raw.method;
  if (method !== 'GET' && method !== 'POST') return undefined;
  const url = raw.url ?? '';
  const match = LANE_PATH.exec(url);
  if (match === null) return undefined;
  const headers = raw.headers;
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const length = headers['content-length'];
  if (method === 'GET') {
    if (length !== undefined && length !== '0') return undefined;
  } else {
    const contentType = headers['content-type'];
    if (contentType !== 'application/json' && contentType?.startsWith('application/json;') !== true) return undefined;
    if (length === undefined || !/^\d{1,10}$/.test(length) || Number(length) > bodyLimit) return undefined;
  }
  const queryStart = url.indexOf('?');
  const searchParams = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  if (!isPlainJsonRequest(method, headers, searchParams)) return undefined;
  return { method, path: match[1] as string, searchParams };
}
