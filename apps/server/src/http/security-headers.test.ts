import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { registerSecurityHeaders, SECURITY_HEADER_OPTIONS } from './security-headers.js';

// registerSecurityHeaders builds the global helmet middleware once instead of per request; these hold it to
// exactly what @fastify/helmet's own global mode sends, and keep per-route helmet options working.
const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function gatehouseHeaders(): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await registerSecurityHeaders(app);
  app.get('/json', async () => ({ ok: true }));
  app.get('/form', { helmet: { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"] } } } }, async () => 'form');
  app.get('/bare', { helmet: false }, async () => 'bare');
  return app;
}

const headerNames = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((name) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)).sort();

describe('registerSecurityHeaders', () => {
  it('sends exactly the headers @fastify/helmet’s global mode sends, with no-store', async () => {
    const reference = Fastify();
    apps.push(reference);
    await reference.register(fastifyHelmet, { ...SECURITY_HEADER_OPTIONS, global: true });
    reference.get('/json', async () => ({ ok: true }));
    const expected = await reference.inject({ url: '/json' });

    const actual = await (await gatehouseHeaders()).inject({ url: '/json' });
    expect(actual.statusCode).toBe(200);
    expect(headerNames(actual.headers)).toEqual([...headerNames(expected.headers), 'cache-control'].sort());
    for (const name of headerNames(expected.headers)) expect(actual.headers[name]).toBe(expected.headers[name]);
    expect(actual.headers['content-security-policy']).toContain("default-src 'none'");
    expect(actual.headers['cache-control']).toBe('no-store');
    expect(actual.headers['strict-transport-security']).toBeUndefined();
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

  it('pins HSTS only on requests that arrived over HTTPS', async () => {
    const app = Fastify({ trustProxy: true });
    apps.push(app);
    await registerSecurityHeaders(app);
    app.get('/json', async () => ({ ok: true }));
    const response = await app.inject({ url: '/json', headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});
