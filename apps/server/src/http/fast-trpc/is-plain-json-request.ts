import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether the fast path may serve a request: a GET or POST whose answer is
 * one JSON document. Everything else goes to tRPC's own adapter unchanged:
 * HEAD, method override, streaming (`trpc-accept` or an Accept naming
 * application/jsonl), subscriptions' connection params, form data, octet
 * streams and unknown content types (which tRPC answers with 415 or 405).
 */
export function isPlainJsonRequest(method: string, headers: IncomingHttpHeaders, search: URLSearchParams): method is 'GET' | 'POST' {
  if (method !== 'GET' && method !== 'POST') return false;
  if (headers['trpc-accept'] !== undefined) return false;
  const accept = headers.accept;
  if (accept !== undefined && accept.includes('application/jsonl')) return false;
  const contentType = headers['content-type'];
  if (contentType === undefined) {
    if (method === 'POST') return false;
  } else if (mediaType(contentType) !== 'application/json') {
    return false;
  }
  return !search.has('connectionParams');
}

/** RFC 9110 section 8.3.1: the media type, without parameters, is case-insensitive. */
function mediaType(contentType: string): string {
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}
