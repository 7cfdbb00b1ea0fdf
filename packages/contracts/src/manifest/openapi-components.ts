import { errorDataSchema } from '../errors.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../scopes.js';
import { jsonSchemaOf } from './json-schema-of.js';
import type { JsonSchema, OpenApiHeader, OpenApiResponse, OpenApiSecurityScheme, Reference, SecuritySchemeName } from './openapi-types.js';

const OAUTH_AUTHORIZE_PATH = '/oauth/authorize';
const OAUTH_TOKEN_PATH = '/oauth/token';
const SCOPES_WITH_DESCRIPTIONS = Object.fromEntries(SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]]));

/** The credentials a Gatehouse call may carry (docs/wire-protocol.md, "Credentials"); an operation accepts any one of them. */
export const SECURITY_SCHEMES: Readonly<Record<SecuritySchemeName, OpenApiSecurityScheme>> = {
  oauth2: {
    type: 'oauth2',
    description:
      'An access token from Gatehouse’s OAuth 2.0 endpoints (RFC 9068 JWT), as `Authorization: Bearer`. The authorization code flow requires PKCE with S256.',
    flows: {
      authorizationCode: { authorizationUrl: OAUTH_AUTHORIZE_PATH, tokenUrl: OAUTH_TOKEN_PATH, refreshUrl: OAUTH_TOKEN_PATH, scopes: SCOPES_WITH_DESCRIPTIONS },
      clientCredentials: { tokenUrl: OAUTH_TOKEN_PATH, scopes: SCOPES_WITH_DESCRIPTIONS },
    },
  },
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT access token from auth.login, or an API key (gk_ prefix)',
    description: 'An access token from auth.login or auth.refresh, or an API key sent as a bearer token; the scopes are the token’s or the key’s.',
  },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from apiKeys.create; it acts for its owner within its own scopes.' },
  mutualTLS: { type: 'mutualTLS', description: 'A client certificate whose SHA-256 fingerprint is a registered service (GATEHOUSE_TLS_CLIENT_CA set).' },
};

/** Error statuses, each tied to the tRPC code its `data.code` carries (tRPC's own code table). */
export const ERROR_RESPONSES = {
  BadRequest: { status: '400', code: 'BAD_REQUEST', description: 'The input does not match the contract (`data.issues`), or a credential was sent in the query string.' },
  Unauthorized: { status: '401', code: 'UNAUTHORIZED', description: 'No usable credential (`data.auth.reason`); `WWW-Authenticate: Bearer realm="gatehouse"`, with `error="…"` when a credential was presented (RFC 6750 section 3.1).' },
  Forbidden: { status: '403', code: 'FORBIDDEN', description: 'The credential lacks a scope (`insufficient_scope`, with `requiredScopes` and `missingScopes`) or the procedure needs a user or a role (`forbidden_role`).' },
  NotFound: { status: '404', code: 'NOT_FOUND', description: 'No such record, or one that is not the caller’s (the two answer alike).' },
  TooManyRequests: { status: '429', code: 'TOO_MANY_REQUESTS', description: 'A rate limit or an abuse block refused the call (`data.rateLimit`); retry after `Retry-After` seconds.' },
} as const;

export type ErrorResponseName = keyof typeof ERROR_RESPONSES;

export function errorResponse(name: ErrorResponseName): OpenApiResponse {
  const { code, status, description } = ERROR_RESPONSES[name];
  const requiredData = name === 'Unauthorized' || name === 'Forbidden' ? ['auth'] : name === 'TooManyRequests' ? ['rateLimit'] : [];
  const headers: Record<string, Reference> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  if (name === 'Unauthorized' || name === 'Forbidden') headers['WWW-Authenticate'] = { $ref: '#/components/headers/WWW-Authenticate' };
  if (name === 'TooManyRequests') Object.assign(headers, RATE_LIMIT_HEADER_REFS, { 'Retry-After': { $ref: '#/components/headers/Retry-After' } });
  return {
    description,
    headers,
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: '#/components/schemas/TrpcError' },
            {
              properties: {
                error: {
                  properties: {
                    data: {
                      properties: { code: { const: code }, httpStatus: { const: Number(status) } },
                      required: ['code', 'httpStatus', ...requiredData],
                    },
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}

export function errorEnvelopeSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'A tRPC error. `data` is Gatehouse’s error data; `data.code` is the tRPC code and `data.httpStatus` the status.',
    properties: {
      error: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          code: { type: 'integer', description: 'The JSON-RPC 2.0 code tRPC assigns (e.g. -32001 for UNAUTHORIZED).' },
          data: jsonSchemaOf(errorDataSchema, 'output', 'error data'),
        },
        required: ['message', 'code', 'data'],
      },
    },
    required: ['error'],
  };
}

export const RESPONSE_HEADERS: Readonly<Record<string, OpenApiHeader>> = {
  'X-Request-Id': { description: 'The request’s id, also in `data.requestId` of an error and in the server’s log lines.', schema: { type: 'string' } },
  'X-RateLimit-Limit': { description: 'The budget of the policy that applied.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Calls left in the window.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'When the window refills, in epoch seconds.', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: 'draft-ietf-httpapi-ratelimit-headers: `"<policy>";q=<quota>;w=<window seconds>`.', schema: { type: 'string' } },
  RateLimit: { description: 'draft-ietf-httpapi-ratelimit-headers: `"<policy>";r=<remaining>;t=<seconds to reset>`.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying (RFC 9110 section 10.2.3).', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'RFC 6750 section 3: `Bearer realm="gatehouse"`, with `error` and, for a missing scope, `scope`.', schema: { type: 'string' } },
};

export const RATE_LIMIT_HEADER_REFS: Readonly<Record<string, Reference>> = Object.fromEntries(
  ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit-Policy', 'RateLimit'].map((name) => [
    name,
    { $ref: `#/components/headers/${name}` },
  ]),
);
