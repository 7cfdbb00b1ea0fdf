import { listProcedures, type ContractTree, type ProcedureContract } from '../define-procedure.js';
import { POLICIES } from '../policies.js';
import { buildAuthorizationManifest, type ManifestProcedure } from './authorization-manifest.js';
import { jsonSchemaOf } from './json-schema-of.js';
import {
  ERROR_RESPONSES,
  RATE_LIMIT_HEADER_REFS,
  RESPONSE_HEADERS,
  SECURITY_SCHEMES,
  errorEnvelopeSchema,
  errorResponse,
  type ErrorResponseName,
} from './openapi-components.js';
import type { JsonSchema, OpenApiDocument, OpenApiOperation, OpenApiResponse, Reference } from './openapi-types.js';

/** What the contracts cannot say about the document. */
export interface OpenApiOptions {
  /** `info.version`: the contracts' package version. */
  readonly version: string;
  /** The default of the `origin` server variable. */
  readonly defaultOrigin?: string;
}

/** Where Gatehouse mounts tRPC (docs/wire-protocol.md, "Calls"). */
export const TRPC_BASE_PATH = '/trpc';

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
      securitySchemes: SECURITY_SCHEMES,
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
  if (!auth.public && auth.policy !== null) {
    const policy = POLICIES[auth.policy];
    const refusal = policy.whenDenied === 'not_found' ? '404, exactly like a missing record' : '403 `forbidden_role` naming the policy';
    lines.push(`Policy: \`${auth.policy}\`, ${policy.summary}; otherwise ${refusal}.`);
  }
  if (!auth.public && auth.pinNetwork) {
    lines.push('Network-pinned: an access token used from another network than it was issued to gets 401 `invalid_token` (`detail: network_changed`).');
  }
  return lines.join('\n\n');
}

function securityOf({ auth }: ManifestProcedure): OpenApiOperation['security'] {
  if (auth.public) return [];
  const scopes = [...auth.scopes];
  // OpenAPI 3.1 lets non-OAuth schemes list required scopes too (section 4.8.30): any one credential suffices.
  const userCredentials = [{ oauth2: scopes }, { bearerToken: scopes }, { apiKey: scopes }];
  // A client certificate identifies a service, never a user: it cannot call a user's or a role's procedure.
  return auth.subject === 'user' || auth.role !== null ? userCredentials : [...userCredentials, { mutualTLS: scopes }];
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
