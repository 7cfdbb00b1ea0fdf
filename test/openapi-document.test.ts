import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_ARTEFACT_PATHS, type OpenApiDocument, type OpenApiOperation, type SecuritySchemeName } from '@gatehouse/contracts';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../packages/contracts/scripts/manifest-files.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/**
 * The committed OpenAPI document, used the way a caller in another language
 * would: every URL, parameter, header name and schema below is read from it,
 * none restated from Gatehouse's code.
 */
const openApiPath = join(REPOSITORY_ROOT, MANIFEST_ARTEFACT_PATHS.openApi);
const openApiText = readFileSync(openApiPath, 'utf8');
const document = JSON.parse(openApiText) as OpenApiDocument;

const DOCUMENT_ID = 'https://gatehouse.test/openapi.json';
// The document as one schema resource, so response schemas' `#/components/...` refs resolve as in the document.
// Formats are left to the patterns zod emits beside them (uuid, date-time).
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document, DOCUMENT_ID);

interface Located {
  readonly path: string;
  readonly method: 'get' | 'post';
  readonly operation: OpenApiOperation;
}

function locate(operationId: string): Located {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post'] as const) {
      const operation = item[method];
      if (operation?.operationId === operationId) return { path, method, operation };
    }
  }
  throw new Error(`the document has no operation ${operationId}`);
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

interface Credential {
  readonly scheme: SecuritySchemeName;
  readonly value: string;
}

interface DescribedResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly located: Located;
}

/** The server's base URL from the document's server template. */
function serverUrl(gatehouse: RunningGatehouse): string {
  const server = document.servers[0];
  if (server === undefined) throw new Error('the document names no server');
  return server.url.replace('{origin}', gatehouse.url);
}

/** The headers a credential travels in, as the document's security scheme says. */
function credentialHeaders(credential: Credential | undefined, operation: OpenApiOperation): Record<string, string> {
  if (credential === undefined) return {};
  expect(operation.security.some((requirement) => credential.scheme in requirement), `${operation.operationId} accepts ${credential.scheme}`).toBe(true);
  const scheme = document.components.securitySchemes[credential.scheme];
  switch (scheme.type) {
    case 'apiKey':
      return { [scheme.name]: credential.value };
    case 'http':
    case 'oauth2':
      return { authorization: `Bearer ${credential.value}` };
    case 'mutualTLS':
      throw new Error('a client certificate is not a header');
  }
}

/** Calls an operation exactly as the document describes it: method, path, where the input goes, how it is encoded. */
async function callDescribed(
  gatehouse: RunningGatehouse,
  operationId: string,
  options: { input?: unknown; credential?: Credential } = {},
): Promise<DescribedResponse> {
  const located = locate(operationId);
  const { operation, method, path } = located;
  const url = new URL(`${serverUrl(gatehouse)}${path}`);
  const headers = credentialHeaders(options.credential, operation);
  let body: string | undefined;
  if (method === 'get') {
    const parameter = operation.parameters?.find((candidate) => candidate.in === 'query');
    if (options.input !== undefined) {
      if (parameter === undefined || parameter.content['application/json'] === undefined) throw new Error(`${operationId} takes no JSON query parameter`);
      // A parameter with `content` is serialised by its media type: JSON, then URL-encoded.
      url.searchParams.set(parameter.name, JSON.stringify(options.input));
    } else {
      expect(parameter?.required ?? false, `${operationId} needs an input`).toBe(false);
    }
  } else if (options.input !== undefined) {
    expect(operation.requestBody?.content['application/json']).toBeDefined();
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.input);
  }
  const response = await fetch(url, { method: method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text), located };
}

/** Asserts a response is one the document lists for its operation: its status, its schema, its headers. */
function expectDocumented(response: DescribedResponse): void {
  const { operation, path, method } = response.located;
  const key = String(response.status) in operation.responses ? String(response.status) : 'default';
  const described = operation.responses[key];
  if (described === undefined) throw new Error(`${operation.operationId} documents no ${response.status} and no default`);
  const pointer =
    '$ref' in described
      ? described.$ref
      : `#/paths/${escapePointer(path)}/${method}/responses/${key}`;
  const validateBody = ajv.getSchema(`${DOCUMENT_ID}${pointer}/content/application~1json/schema`);
  if (validateBody === undefined) throw new Error(`no schema at ${pointer}`);
  expect(validateBody(response.body), `${operation.operationId} ${response.status}: ${ajv.errorsText(validateBody.errors)}`).toBe(true);
  const responseObject = ('$ref' in described ? ajv.getSchema(`${DOCUMENT_ID}${described.$ref}`)?.schema : described) as {
    headers?: Record<string, unknown>;
  };
  for (const header of Object.keys(responseObject.headers ?? {})) {
    expect(response.headers.get(header), `${operation.operationId} ${response.status} carries ${header}`).not.toBeNull();
  }
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document, without warnings (@readme/openapi-parser)', async () => {
    const result = await validate(openApiPath);
    expect(result.valid, compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('would be rejected by the same validator with a dangling reference or a duplicate operationId', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-'));
    try {
      const broken = (name: string, mutate: (operation: Record<string, unknown>) => void): string => {
        const copy = JSON.parse(openApiText) as { paths: Record<string, { get?: Record<string, unknown> }> };
        const me = copy.paths['/trpc/users.me']?.get;
        if (me === undefined) throw new Error('users.me is missing');
        mutate(me);
        const file = join(folder, `${name}.json`);
        writeFileSync(file, JSON.stringify(copy));
        return file;
      };
      const dangling = broken('dangling', (operation) => {
        operation['responses'] = { ...(operation['responses'] as object), '401': { $ref: '#/components/responses/Missing' } };
      });
      const duplicate = broken('duplicate', (operation) => {
        operation['operationId'] = 'health';
      });
      expect((await validate(dangling)).valid).toBe(false);
      expect((await validate(duplicate)).valid).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('calls made from the OpenAPI document alone', () => {
  let gatehouse: RunningGatehouse;
  let accessToken: string;

  beforeAll(async () => {
    gatehouse = await startGatehouse();
    const login = await callDescribed(gatehouse, 'auth.login', { input: { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password } });
    expect(login.status).toBe(200);
    expectDocumented(login);
    accessToken = (login.body as { result: { data: { accessToken: string } } }).result.data.accessToken;
  });
  afterAll(() => gatehouse.close());

  it('a public query needs no credential: health answers 200 in the documented shape', async () => {
    expect(locate('health').operation.security).toEqual([]);
    const response = await callDescribed(gatehouse, 'health');
    expect(response.status).toBe(200);
    expectDocumented(response);
  });

  it('a user places an order (POST, JSON body) and reads it back (GET, URL-encoded JSON input) with a bearer token', async () => {
    const bearer: Credential = { scheme: 'bearerToken', value: accessToken };
    const created = await callDescribed(gatehouse, 'orders.create', {
      credential: bearer,
      input: {
        items: [{ productId: 7, quantity: 2 }],
        shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
        paymentMethod: 'paypal',
      },
    });
    expect(created.status).toBe(200);
    expectDocumented(created);
    const order = (created.body as { result: { data: { id: string } } }).result.data;

    const read = await callDescribed(gatehouse, 'orders.byId', { credential: bearer, input: { id: order.id } });
    expect(read.status).toBe(200);
    expectDocumented(read);
    expect((read.body as { result: { data: { id: string; items: unknown } } }).result.data).toMatchObject({
      id: order.id,
      items: [{ productId: 7, quantity: 2 }],
    });
    // The documented RateLimit-Policy names the policy the operation's manifest entry states.
    const policy = locate('orders.byId').operation['x-gatehouse-procedure'].rateLimit;
    expect(policy.type).toBe('default');
    if (policy.type !== 'none') expect(read.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"?${policy.policy}"?;`));
  });

  it('a service takes a token from the client-credentials flow’s tokenUrl and lists orders with it', async () => {
    const scheme = document.components.securitySchemes.oauth2;
    if (scheme.type !== 'oauth2') throw new Error('oauth2 is not an OAuth 2.0 scheme');
    const tokenUrl = new URL(scheme.flows.clientCredentials.tokenUrl, serverUrl(gatehouse));
    const billing = TEST_SEED.clients[1];
    const granted = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${billing.clientId}:${billing.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
    });
    expect(granted.status).toBe(200);
    const { access_token: token } = (await granted.json()) as { access_token: string };

    const listed = await callDescribed(gatehouse, 'orders.list', { credential: { scheme: 'oauth2', value: token }, input: { limit: 5 } });
    expect(listed.status).toBe(200);
    expectDocumented(listed);
  });

  it('an API key in the documented header works within its scopes, and beyond them is the documented 403', async () => {
    const created = await callDescribed(gatehouse, 'apiKeys.create', {
      credential: { scheme: 'bearerToken', value: accessToken },
      input: { name: 'openapi', scopes: ['orders:read'] },
    });
    expect(created.status).toBe(200);
    expectDocumented(created);
    const key: Credential = { scheme: 'apiKey', value: (created.body as { result: { data: { key: string } } }).result.data.key };

    const listed = await callDescribed(gatehouse, 'orders.list', { credential: key });
    expect(listed.status).toBe(200);
    expectDocumented(listed);

    const refused = await callDescribed(gatehouse, 'users.byId', { credential: key, input: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(refused.status).toBe(403);
    expectDocumented(refused);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('no credential is the documented 401, a missing record the documented 404, bad input the documented 400', async () => {
    const anonymous = await callDescribed(gatehouse, 'users.me');
    expect(anonymous.status).toBe(401);
    expectDocumented(anonymous);

    const missing = await callDescribed(gatehouse, 'orders.byId', {
      credential: { scheme: 'bearerToken', value: accessToken },
      input: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing.status).toBe(404);
    expectDocumented(missing);

    const invalid = await callDescribed(gatehouse, 'orders.byId', { credential: { scheme: 'bearerToken', value: accessToken }, input: { id: 'nope' } });
    expect(invalid.status).toBe(400);
    expectDocumented(invalid);
  });
});
