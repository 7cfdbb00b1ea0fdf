import { z } from 'zod';
import { isPublic } from '../auth-requirement.js';
import { listProcedures, type ContractTree, type ProcedureContract } from '../define-procedure.js';
import { errorDataSchema } from '../errors.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../scopes.js';
import { buildAuthorizationManifest, type ManifestProcedure } from './authorization-manifest.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as zod emits it. */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** The parts of an OpenAPI 3.1 document this builder writes; see https://spec.openapis.org/oas/v3.1.1. */
export interface OpenApiDocument {
  readonly openapi: '3.1.1';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: readonly OpenApiServer[];
  readonly tags: readonly { readonly name: string }[];
  readonly paths: Readonly<Record<string, Readonly<Partial<Record<'get' | 'post', OpenApiOperation>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly headers: Readonly<Record<string, OpenApiHeader>>;
    readonly responses: Readonly<Record<string, OpenApiResponse>>;
    readonly securitySchemes: Readonly<Record<SecuritySchemeName, OpenApiSecurityScheme>>;
  };
}

export interface OpenApiServer {
  readonly url: string;
  readonly description: string;
  readonly variables: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: JsonContent };
  /** `[]` for public procedures: no credential is needed. Otherwise alternatives, any one of which suffices. */
  readonly security: readonly Readonly<Partial<Record<SecuritySchemeName, readonly string[]>>>[];
  readonly responses: Readonly<Record<string, OpenApiResponse | Reference>>;
  readonly 'x-gatehouse-procedure': ManifestProcedure;
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'query';
  readonly required: boolean;
  readonly description: string;
  readonly content: JsonContent;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, Reference>>;
  readonly content: JsonContent;
}

export interface OpenApiHeader {
  readonly description: string;
  readonly schema: JsonSchema;
}

export type OpenApiSecurityScheme =
  | {
      readonly type: 'oauth2';
      readonly description: string;
      readonly flows: {
        readonly authorizationCode: {
          readonly authorizationUrl: string;
          readonly tokenUrl: string;
          readonly refreshUrl: string;
          readonly scopes: Readonly<Record<string, string>>;
        };
        readonly clientCredentials: { readonly tokenUrl: string; readonly scopes: Readonly<Record<string, string>> };
      };
    }
  | { readonly type: 'http'; readonly scheme: 'bearer'; readonly bearerFormat: string; readonly description: string }
  | { readonly type: 'apiKey'; readonly in: 'header'; readonly name: string; readonly description: string }
  | { readonly type: 'mutualTLS'; readonly description: string };

export interface Reference {
  readonly $ref: string;
}

type JsonContent = Readonly<Record<'application/json', { readonly schema: JsonSchema }>>;

/** Names of the document's security schemes. */
export type SecuritySchemeName = 'oauth2' | 'bearerToken' | 'apiKey' | 'mutualTLS';

export interface OpenApiOptions {
  /** `info.version`: the contracts' package version. */
  readonly version: string;
  /** The default of the `origin` server variable. */
  readonly defaultOrigin?: string;
}

/** Where Gatehouse mounts tRPC (SPEC "tRPC procedures"). */
export const TRPC_BASE_PATH = '/trpc';

const OAUTH_AUTHORIZE_PATH = '/oauth/authorize';
const OAUTH_TOKEN_PATH = '/oauth/token';

/** Error statuses, each tied to the tRPC code its `data.code` carries (tRPC's own code table). */
const ERROR_RESPONSES = {
  BadRequest: { status: '400', code: 'BAD_REQUEST', description: 'The input does not match the contract (`data.issues`), or a credential was sent in the query string.' },
  Unauthorized: { status: '401', code: 'UNAUTHORIZED', description: 'No usable credential (`data.auth.reason`); `WWW-Authenticate: Bearer realm="gatehouse"`, with `error="…"` when a credential was presented (RFC 6750 section 3.1).' },
  Forbidden: { status: '403', code: 'FORBIDDEN', description: 'The credential lacks a scope (`insufficient_scope`, with `requiredScopes` and `missingScopes`) or the procedure needs a user or a role (`forbidden_role`).' },
  NotFound: { status: '404', code: 'NOT_FOUND', description: 'No such record, or one that is not the caller’s (the two answer alike).' },
  TooManyRequests: { status: '429', code: 'TOO_MANY_REQUESTS', description: 'A rate limit or an abuse block refused the call (`data.rateLimit`); retry after `Retry-After` seconds.' },
} as const;

type ErrorResponseName = keyof typeof ERROR_RESPONSES;

/**
 * An OpenAPI 3.1 description of the tRPC HTTP wire (tRPC v11, no
 * transformer), for callers in other languages and for API gateways: a query
 * is `GET /trpc/<path>?input=<URL-encoded JSON>`, a mutation `POST
 * /trpc/<path>` with the JSON input as body; a success is
 * `{"result":{"data":…}}` and an error `{"error":{"message","code","data"}}`.
 * Input and output schemas are zod's JSON Schema of each contract (input
 * and output sides, so transforms and defaults read right); a schema with no
 * JSON Schema form stops the build instead of becoming "anything".
 */
export function buildOpenApiDocument(tree: ContractTree, options: OpenApiOptions): OpenApiDocument {
  const manifest = buildAuthorizationManifest(tree);
  const contractsByPath = new Map(listProcedures(tree).map(({ path, contract }) => [path, contract]));
  const paths: Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>> = {};
  for (const procedure of manifest.procedures) {
    const contract = contractsByPath.get(procedure.path);
    if (contract === undefined) throw new Error(`manifest lists ${procedure.path}, which the contracts do not hold`);
    paths[`${TRPC_BASE_PATH}/${procedure.path}`] = { [procedure.kind === 'query' ? 'get' : 'post']: describeOperation(procedure, contract) };
  }
  const scopes = Object.fromEntries(SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]]));
  return {
    openapi: '3.1.1',
    info: {
      title: 'Gatehouse API',
      version: options.version,
      description:
        'Every Gatehouse procedure over the tRPC v11 HTTP wire (no transformer), generated from @gatehouse/contracts by `pnpm manifest`. ' +
        'Queries are GET with the input as URL-encoded JSON in `input`; mutations are POST with a JSON body. ' +
        'Each operation carries its contract’s authorization in `x-gatehouse-procedure`.',
    },
    servers: [
      {
        url: '{origin}',
        description: 'A Gatehouse server: its issuer (GATEHOUSE_ISSUER)',
        variables: { origin: { default: options.defaultOrigin ?? 'http://127.0.0.1:3000', description: 'Scheme, host and port of the server' } },
      },
    ],
    tags: [...new Set(manifest.procedures.map(({ path }) => tagOf(path)))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { TrpcError: errorEnvelopeSchema() },
      headers: RESPONSE_HEADERS,
      responses: Object.fromEntries(
        (Object.keys(ERROR_RESPONSES) as ErrorResponseName[]).map((name) => [name, errorResponse(name)]),
      ),
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'An access token from Gatehouse’s OAuth 2.0 endpoints (RFC 9068 JWT), as `Authorization: Bearer`.',
          flows: {
            authorizationCode: { authorizationUrl: OAUTH_AUTHORIZE_PATH, tokenUrl: OAUTH_TOKEN_PATH, refreshUrl: OAUTH_TOKEN_PATH, scopes },
            clientCredentials: { tokenUrl: OAUTH_TOKEN_PATH, scopes },
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
      },
    },
  };
}

function tagOf(path: string): string {
  return path.split('.')[0] ?? path;
}

function describeOperation(procedure: ManifestProcedure, contract: ProcedureContract): OpenApiOperation {
  const input = jsonSchemaOf(contract.input, 'input', procedure.path);
  // An input that accepts `undefined` (noInput, optional paging) may be left out of the call entirely.
  const inputRequired = !contract.input.safeParse(undefined).success;
  const transport =
    procedure.kind === 'query'
      ? {
          parameters: [
            {
              name: 'input',
              in: 'query' as const,
              required: inputRequired,
              description: 'The input as JSON, URL-encoded (tRPC’s query encoding).',
              content: { 'application/json': { schema: input } },
            },
          ],
        }
      : { requestBody: { required: inputRequired, content: { 'application/json': { schema: input } } } };
  return {
    operationId: procedure.path,
    summary: procedure.summary,
    description: describeRequirements(procedure),
    tags: [tagOf(procedure.path)],
    ...transport,
    security: securityOf(procedure),
    responses: responsesOf(procedure, jsonSchemaOf(contract.output, 'output', procedure.path)),
    'x-gatehouse-procedure': procedure,
  };
}

function describeRequirements({ auth, rateLimit, idLookup }: ManifestProcedure): string {
  const lines = [
    auth.public
      ? 'Auth: public, no credential needed.'
      : `Auth: ${auth.scopes.length === 0 ? 'any authenticated principal' : `scopes ${auth.scopes.join(', ')}`}` +
        `${auth.role === null ? '' : `; role ${auth.role}`}` +
        `${auth.subject === 'user' ? '; a user’s own account (client credentials and services get 403 forbidden_role)' : ''}.`,
    rateLimit.type === 'none'
      ? 'Rate limit: none.'
      : rateLimit.type === 'default'
        ? `Rate limit: the server’s \`${rateLimit.policy}\` default, per ${rateLimit.key === 'ip' ? 'client IP' : 'principal'}.`
        : `Rate limit: \`${rateLimit.policy}\`, ${rateLimit.points} per ${rateLimit.durationSeconds} s per ${rateLimit.key === 'ip' ? 'client IP' : 'principal'}` +
          `${rateLimit.blockDurationSeconds > 0 ? `, then blocked ${rateLimit.blockDurationSeconds} s` : ''}.`,
  ];
  if (idLookup) lines.push('Id lookup: misses count towards enumeration detection, which blocks the caller (429 `abuse.enumeration`).');
  return lines.join('\n\n');
}

function securityOf({ auth }: ManifestProcedure): OpenApiOperation['security'] {
  if (auth.public) return [];
  const scopes = [...auth.scopes];
  // OpenAPI 3.1 lets non-OAuth schemes list required scopes too (section 4.8.30): any one credential suffices.
  return [{ oauth2: scopes }, { bearerToken: scopes }, { apiKey: scopes }, { mutualTLS: scopes }];
}

function responsesOf(procedure: ManifestProcedure, output: JsonSchema): OpenApiOperation['responses'] {
  const limited = procedure.rateLimit.type !== 'none';
  const responses: Record<string, OpenApiResponse | Reference> = {
    '200': {
      description: 'The procedure’s output, as tRPC wraps it.',
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
        ...(limited ? RATE_LIMIT_HEADER_REFS : {}),
      },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { result: { type: 'object', properties: { data: output }, required: ['data'] } },
            required: ['result'],
          },
        },
      },
    },
  };
  const refer = (name: ErrorResponseName) => {
    responses[ERROR_RESPONSES[name].status] = { $ref: `#/components/responses/${name}` };
  };
  refer('BadRequest');
  if (!procedure.auth.public) {
    refer('Unauthorized');
    refer('Forbidden');
  }
  if (procedure.idLookup) refer('NotFound');
  if (limited || procedure.idLookup) refer('TooManyRequests');
  responses['default'] = {
    description: 'Any other tRPC error, e.g. 401 `invalid_credentials` from auth.login or 503 when the server is busy.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/TrpcError' } } },
  };
  return responses;
}

function errorResponse(name: ErrorResponseName): OpenApiResponse {
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

function errorEnvelopeSchema(): JsonSchema {
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

const RESPONSE_HEADERS: Readonly<Record<string, OpenApiHeader>> = {
  'X-Request-Id': { description: 'The request’s id, also in `data.requestId` of an error and in the server’s log lines.', schema: { type: 'string' } },
  'X-RateLimit-Limit': { description: 'The budget of the policy that applied.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Calls left in the window.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'When the window refills, in epoch seconds.', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: 'draft-ietf-httpapi-ratelimit-headers: `"<policy>";q=<quota>;w=<window seconds>`.', schema: { type: 'string' } },
  RateLimit: { description: 'draft-ietf-httpapi-ratelimit-headers: `"<policy>";r=<remaining>;t=<seconds to reset>`.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying (RFC 9110 section 10.2.3).', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'RFC 6750 section 3: `Bearer realm="gatehouse"`, with `error` and, for a missing scope, `scope`.', schema: { type: 'string' } },
};

const RATE_LIMIT_HEADER_REFS: Readonly<Record<string, Reference>> = Object.fromEntries(
  ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit-Policy', 'RateLimit'].map((name) => [
    name,
    { $ref: `#/components/headers/${name}` },
  ]),
);

/**
 * zod's JSON Schema of one side of a schema, without `$schema` (OpenAPI 3.1's
 * dialect is 2020-12 already). Unrepresentable types and recursive schemas
 * throw: `$defs` inside an embedded schema would resolve against the
 * document's root, so a wrong description would be worse than none.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', where: string): JsonSchema {
  let converted: JsonSchema;
  try {
    converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw', cycles: 'throw', reused: 'inline' });
  } catch (error) {
    throw new TypeError(`${where}: the ${io} schema has no JSON Schema form (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const { $schema: _dialect, ...rest } = converted;
  if (rest.$defs !== undefined) throw new TypeError(`${where}: the ${io} schema needs $defs, which an embedded OpenAPI schema cannot carry`);
  return rest;
}
