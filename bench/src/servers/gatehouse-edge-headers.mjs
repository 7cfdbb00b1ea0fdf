// The constant headers Gatehouse's edge adds to a JSON answer over plain HTTP (apps/server/src/http/
// edge-response-headers.ts under the API security policy of security-headers.ts), for the bench servers that
// answer as Gatehouse does without being it: bare node:http and the Fastify reference sending Gatehouse's headers.
// The request id and the rate-limit fields change per answer and are each server's own.
export const GATEHOUSE_EDGE_HEADERS = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  vary: 'Origin',
  'cache-control': 'no-store',
});
