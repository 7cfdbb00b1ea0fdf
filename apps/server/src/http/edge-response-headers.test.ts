import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { appendEdgeResponseHeaders, EDGE_REPLACED_HEADERS, edgeResponseHeaders, registerResponseHeaders, type ResponseFacts } from './edge-response-headers.js';
import { API_SECURITY_HEADER_OPTIONS, API_SECURITY_HEADERS, PAGE_SECURITY_HEADER_OPTIONS, PAGE_SECURITY_HEADERS } from './security-headers.js';

// The security headers are recorded once from helmet instead of running it per request; these hold them to
// exactly what @fastify/helmet's own global mode sends, keep per-route helmet options working, and pin what
// the one header decision adds (request id, HSTS from the trusted scheme, CORS, Vary, no-store).
const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

const APP = 'https://app.example.com';

async function gatehouseHeaders(options: { trustProxy?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: options.trustProxy ?? false });
  apps.push(app);
  await registerResponseHeaders(app, { corsOrigins: [APP] });
  app.get('/json', async () => ({ ok: true }));
  app.get('/page', async (_request, reply) => reply.header('content-type', 'Text/HTML; charset=utf-8').send('<p>page</p>'));
  app.get('/cached', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').header('vary', 'Accept').send({ ok: true }));
  app.get('/form', { helmet: { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"] } } } }, async () => 'form');
  app.get('/bare', { helmet: false }, async () => 'bare');
  app.get('/fetch', async () => new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json', vary: 'trpc-accept, accept' } }));
  return app;
}

const headerNames = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((name) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)).sort();

describe('registerResponseHeaders', () => {
  /** What @fastify/helmet's own global mode sends under `options`, on a JSON answer and on an HTML one. */
  async function helmetReference(options: typeof PAGE_SECURITY_HEADER_OPTIONS, url: '/json' | '/page') {
    const reference = Fastify();
    apps.push(reference);
    await reference.register(fastifyHelmet, { ...options, global: true });
    reference.get('/json', async () => ({ ok: true }));
    reference.get('/page', async (_request, reply) => reply.header('content-type', 'Text/HTML; charset=utf-8').send('<p>page</p>'));
    return reference.inject({ url });
  }

  it('sends exactly the headers @fastify/helmet’s global mode sends under the API policy, with a request id, Vary and no-store', async () => {
    const expected = await helmetReference(API_SECURITY_HEADER_OPTIONS, '/json');

    const actual = await (await gatehouseHeaders()).inject({ url: '/json' });
    expect(actual.statusCode).toBe(200);
    expect(headerNames(actual.headers)).toEqual([...headerNames(expected.headers), 'cache-control', 'vary', 'x-request-id'].sort());
    for (const name of headerNames(expected.headers)) expect(actual.headers[name]).toBe(expected.headers[name]);
    expect(actual.headers['content-security-policy']).toContain("default-src 'none'");
    expect(actual.headers['cache-control']).toBe('no-store');
    expect(actual.headers['vary']).toBe('Origin');
    expect(actual.headers['x-request-id']).toMatch(/^req-/);
    expect(actual.headers['strict-transport-security']).toBeUndefined();
  });

  it('sends an HTML answer the page policy, exactly as @fastify/helmet’s global mode does', async () => {
    const expected = await helmetReference(PAGE_SECURITY_HEADER_OPTIONS, '/page');
    const actual = await (await gatehouseHeaders()).inject({ url: '/page' });
    expect(headerNames(actual.headers)).toEqual([...headerNames(expected.headers), 'cache-control', 'vary', 'x-request-id'].sort());
    for (const name of headerNames(expected.headers)) expect(actual.headers[name], name).toBe(expected.headers[name]);
    expect(actual.headers['x-xss-protection']).toBe('0');
    expect(actual.headers['origin-agent-cluster']).toBe('?1');
  });

  it('keeps from the API policy only the four headers that act on an HTML document alone, and OWASP’s API set', async () => {
    const api = new Map(API_SECURITY_HEADERS);
    const page = new Map(PAGE_SECURITY_HEADERS);
    expect([...page.keys()].filter((name) => !api.has(name)).sort()).toEqual(['origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-xss-protection']);
    for (const [name, value] of api) expect(page.get(name), name).toBe(value);
    expect(api.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(api.get('x-frame-options')).toBe('DENY');
    expect(api.get('x-content-type-options')).toBe('nosniff');
    expect(api.get('cross-origin-resource-policy')).toBe('same-origin');
    const json = await (await gatehouseHeaders()).inject({ url: '/json' });
    expect(json.headers['x-xss-protection']).toBeUndefined();
    expect(json.headers['origin-agent-cluster']).toBeUndefined();
  });

  it('keeps a route’s own cache policy and adds Origin to its Vary', async () => {
    const response = await (await gatehouseHeaders()).inject({ url: '/cached' });
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers['vary']).toBe('Accept, Origin');
  });

  it('takes the status and headers of a Fetch Response (tRPC’s stock adapter) before deciding its own', async () => {
    const response = await (await gatehouseHeaders()).inject({ url: '/fetch', headers: { origin: APP } });
    expect(response.statusCode).toBe(201);
    expect(response.body).toBe('{"ok":true}');
    expect(response.headers['vary']).toBe('trpc-accept, accept, Origin');
    expect(response.headers['access-control-allow-origin']).toBe(APP);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('lets a route loosen the policy with its own helmet options, keeping the rest', async () => {
    const response = await (await gatehouseHeaders()).inject({ url: '/form' });
    expect(response.headers['content-security-policy']).toBe("default-src 'self'");
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('lets a route opt out with helmet: false, still without caching', async () => {
    const response = await (await gatehouseHeaders()).inject({ url: '/bare' });
    expect(response.headers['content-security-policy']).toBeUndefined();
    expect(response.headers['x-frame-options']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('pins HSTS only on requests that arrived over HTTPS through a trusted proxy', async () => {
    const trusting = await gatehouseHeaders({ trustProxy: true });
    const viaProxy = await trusting.inject({ url: '/json', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const untrusted = await (await gatehouseHeaders()).inject({ url: '/json', headers: { 'x-forwarded-proto': 'https' } });
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('edgeResponseHeaders', () => {
  const facts: ResponseFacts = { requestId: 'r-1', protocol: 'http', method: 'GET', origin: APP, route: '/trpc/:path', routeSecurityPolicy: false };
  const decide = (overrides: Partial<ResponseFacts>, own: Record<string, string> = {}) =>
    Object.fromEntries(edgeResponseHeaders({ ...facts, ...overrides }, (name) => own[name], new Set([APP])));

  it('answers a listed origin with CORS, an unlisted one and a preflight with none', () => {
    expect(decide({})).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' });
    expect(decide({ origin: 'https://evil.example.com' })['access-control-allow-origin']).toBeUndefined();
    expect(decide({ method: 'OPTIONS' })['access-control-allow-origin']).toBeUndefined();
    expect(decide({ route: '/oauth/authorize' })['access-control-allow-origin']).toBeUndefined();
    expect(decide({ route: undefined })['access-control-allow-origin']).toBeUndefined();
  });

  it('fails closed to the page policy for any answer that is not JSON or plain text, a missing Content-Type included', () => {
    const policyOf = (contentType: string | undefined) => (decide({}, contentType === undefined ? {} : { 'content-type': contentType })['x-xss-protection'] === '0' ? 'page' : 'api');
    for (const json of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json', 'application/jwk-set+json', 'text/plain; charset=utf-8']) {
      expect(policyOf(json), json).toBe('api');
    }
    for (const other of [undefined, 'text/html', ' text/html; charset=utf-8', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/octet-stream', '']) {
      expect(policyOf(other), String(other)).toBe('page');
    }
  });

  it('decides the same headers when asked twice (Vary keeps one Origin)', () => {
    const once = decide({}, { vary: 'accept' });
    expect(once['vary']).toBe('accept, Origin');
    // The second pass sees the first one's headers on the answer: applied over them, nothing changes.
    expect({ ...once, ...decide({}, once) }).toEqual(once);
    expect(decide({}, { vary: 'accept, Origin' })['vary']).toBe('accept, Origin');
  });

  it('keeps a security header the page set itself (the authorize page’s CSP), and adds the rest of the policy', () => {
    const pagePolicy = "default-src 'none'; style-src 'sha256-abc='; form-action 'self'; frame-ancestors 'none'";
    const decided = decide({}, { 'content-security-policy': pagePolicy });
    expect(decided['content-security-policy']).toBeUndefined();
    expect(decided['x-content-type-options']).toBe('nosniff');
  });

  it('names in EDGE_REPLACED_HEADERS every header it writes over an answer’s own (what the fast lane’s merge relies on)', () => {
    // An answer that already carries every header the edge knows: whatever the edge still writes replaces one.
    const everything = (name: string) => `own ${name}`;
    for (const protocol of ['http', 'https']) {
      for (const origin of [undefined, APP, 'https://evil.example.com']) {
        for (const method of ['GET', 'POST', 'OPTIONS']) {
          for (const route of ['/trpc/:path', '/oauth/token', undefined]) {
            for (const routeSecurityPolicy of [false, true]) {
              const written = edgeResponseHeaders({ requestId: 'r-1', protocol, method, origin, route, routeSecurityPolicy }, everything, new Set([APP]));
              for (const [name] of written) expect(EDGE_REPLACED_HEADERS.has(name), `${name} (${protocol} ${origin} ${method} ${route})`).toBe(true);
            }
          }
        }
      }
    }
  });

  it('lists the same headers flat as in pairs', () => {
    const flat: Array<string | string[]> = [];
    appendEdgeResponseHeaders({ ...facts, protocol: 'https' }, () => undefined, new Set([APP]), flat);
    expect(flat.length % 2).toBe(0);
    expect(edgeResponseHeaders({ ...facts, protocol: 'https' }, () => undefined, new Set([APP])).flat()).toEqual(flat);
  });
});
