import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contracts } from '../contracts.js';
import { defineQuery, listProcedures } from '../define-procedure.js';
import { SCOPES } from '../scopes.js';
import { buildAuthorizationManifest } from './authorization-manifest.js';
import { buildOpenApiDocument } from './openapi-document.js';
import type { OpenApiOperation } from './openapi-types.js';

const document = buildOpenApiDocument(contracts, { version: '1.2.3' });
const manifest = buildAuthorizationManifest(contracts);

function operationOf(path: string): { method: 'get' | 'post'; operation: OpenApiOperation } {
  const item = document.paths[`/trpc/${path}`];
  const method = item?.get !== undefined ? 'get' : 'post';
  const operation = item?.[method];
  if (operation === undefined) throw new Error(`no operation for ${path}`);
  return { method, operation };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io });
  return rest;
}

/** Every `$ref` string anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === '$ref' && typeof child === 'string' ? [child] : refsIn(child)));
}

function resolvePointer(root: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined), root);
}

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.1 document whose server is a Gatehouse origin', () => {
    expect(document.openapi).toBe('3.1.1');
    expect(document.info.version).toBe('1.2.3');
    expect(document.servers[0]?.url).toBe('{origin}');
    expect(document.servers[0]?.variables['origin']?.default).toBe('http://127.0.0.1:3000');
  });

  it('has one operation per procedure: GET for a query, POST for a mutation, at /trpc/<path>', () => {
    const procedures = listProcedures(contracts);
    expect(Object.keys(document.paths).sort()).toEqual(procedures.map(({ path }) => `/trpc/${path}`).sort());
    for (const { path, contract } of procedures) {
      const { method, operation } = operationOf(path);
      expect(method, path).toBe(contract.kind === 'query' ? 'get' : 'post');
      expect(operation.operationId).toBe(path);
      expect(operation.summary).toBe(contract.summary);
    }
  });

  it('sends a query’s input as URL-encoded JSON in `input`, and a mutation’s as the JSON body, with zod’s input schema', () => {
    const byId = operationOf('orders.byId').operation;
    expect(byId.parameters).toEqual([
      expect.objectContaining({
        name: 'input',
        in: 'query',
        required: true,
        content: { 'application/json': { schema: jsonSchema(contracts.orders.byId.input, 'input') } },
      }),
    ]);
    expect(byId.requestBody).toBeUndefined();
    const create = operationOf('orders.create').operation;
    expect(create.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: jsonSchema(contracts.orders.create.input, 'input') } },
    });
    expect(create.parameters).toBeUndefined();
  });

  it('marks the input optional exactly where the contract accepts none', () => {
    expect(operationOf('users.me').operation.parameters?.[0]?.required).toBe(false);
    expect(operationOf('orders.list').operation.parameters?.[0]?.required).toBe(false);
    expect(operationOf('auth.logout').operation.requestBody?.required).toBe(false);
    expect(operationOf('auth.login').operation.requestBody?.required).toBe(true);
  });

  it('wraps zod’s output schema in tRPC’s success envelope', () => {
    const success = operationOf('orders.byId').operation.responses['200'];
    expect(success).toMatchObject({
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { result: { type: 'object', properties: { data: jsonSchema(contracts.orders.byId.output, 'output') }, required: ['data'] } },
            required: ['result'],
          },
        },
      },
    });
  });

  it('uses the input side of a transforming schema for requests (apiKeys.create dedupes scopes after parsing)', () => {
    const body = operationOf('apiKeys.create').operation.requestBody?.content['application/json'].schema;
    expect(body).toEqual(jsonSchema(contracts.apiKeys.create.input, 'input'));
  });

  it('asks nothing of public procedures and, of protected ones, one credential carrying the contract’s scopes', () => {
    for (const procedure of manifest.procedures) {
      const { operation } = operationOf(procedure.path);
      if (procedure.auth.public) {
        expect(operation.security, procedure.path).toEqual([]);
      } else {
        const scopes = procedure.auth.scopes;
        const userBound = procedure.auth.subject === 'user' || procedure.auth.role !== null;
        expect(operation.security, procedure.path).toEqual([
          { oauth2: scopes },
          { bearerToken: scopes },
          { apiKey: scopes },
          ...(userBound ? [] : [{ mutualTLS: scopes }]),
        ]);
      }
    }
    expect(operationOf('admin.users.list').operation.security[0]).toEqual({ oauth2: ['admin'] });
    // A service's client certificate never stands for a user: user-only and role-bound procedures do not offer it.
    expect(operationOf('users.me').operation.security).not.toContainEqual({ mutualTLS: ['users:read'] });
    expect(operationOf('orders.list').operation.security).toContainEqual({ mutualTLS: ['orders:read'] });
  });

  it('describes OAuth 2.0 with Gatehouse’s own endpoints and every scope, and the API key as the X-API-Key header', () => {
    const { oauth2, apiKey, bearerToken, mutualTLS } = document.components.securitySchemes;
    expect(oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        authorizationCode: { authorizationUrl: '/oauth/authorize', tokenUrl: '/oauth/token', refreshUrl: '/oauth/token' },
        clientCredentials: { tokenUrl: '/oauth/token' },
      },
    });
    if (oauth2.type !== 'oauth2') throw new Error('oauth2 is not an OAuth 2.0 scheme');
    expect(Object.keys(oauth2.flows.clientCredentials.scopes).sort()).toEqual([...SCOPES].sort());
    expect(apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(mutualTLS).toMatchObject({ type: 'mutualTLS' });
  });

  it('lists the errors each procedure can answer: 401/403 when protected, 404 for id lookups, 429 when limited', () => {
    const statuses = (path: string) => Object.keys(operationOf(path).operation.responses).sort();
    expect(statuses('health')).toEqual(['200', '400', 'default']);
    expect(statuses('auth.register')).toEqual(['200', '400', '429', 'default']);
    expect(statuses('users.me')).toEqual(['200', '400', '401', '403', '429', 'default']);
    expect(statuses('orders.byId')).toEqual(['200', '400', '401', '403', '404', '429', 'default']);
    expect(document.components.responses['Forbidden']?.headers).toHaveProperty('WWW-Authenticate');
    expect(document.components.responses['TooManyRequests']?.headers).toHaveProperty('Retry-After');
    expect(document.components.responses['TooManyRequests']?.headers).toHaveProperty('RateLimit-Policy');
  });

  it('carries each procedure’s manifest entry, so a gateway can enforce or display it', () => {
    for (const procedure of manifest.procedures) {
      expect(operationOf(procedure.path).operation['x-gatehouse-procedure']).toEqual(procedure);
    }
  });

  it('has no dangling $ref', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolvePointer(document, ref), ref).toBeDefined();
  });

  it('refuses a contract whose output has no JSON Schema form, naming the procedure', () => {
    const tree = { clock: defineQuery({ summary: 'now', input: z.strictObject({}), output: z.date(), auth: 'public' }) };
    expect(() => buildOpenApiDocument(tree, { version: '0.0.0' })).toThrow(/^clock: the output schema has no JSON Schema form/);
  });

  it('is the same document every time', () => {
    expect(JSON.stringify(buildOpenApiDocument(contracts, { version: '1.2.3' }))).toBe(JSON.stringify(document));
  });
});
