import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corsOptionsFor } from '../apps/server/src/http/cors.js';
import { bearer, callProcedure, login } from './support/http.js';
import { rawRequest } from './support/raw-http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const APP = 'https://app.example.com';
let gatehouse: RunningGatehouse;
let alice: { accessToken: string; user: { id: string } };

beforeAll(async () => {
  gatehouse = await startGatehouse({
    env: { GATEHOUSE_CORS_ORIGINS: `${APP},http://127.0.0.1:5173`, GATEHOUSE_BODY_LIMIT_BYTES: '4096', GATEHOUSE_TRUST_PROXY: '127.0.0.1' },
  });
  alice = await login(gatehouse.url, TEST_USERS.alice);
});
afterAll(() => gatehouse.close());

const preflight = (path: string, origin: string) =>
  fetch(`${gatehouse.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('CORS', () => {
  it('echoes a listed origin with credentials, never *', async () => {
    const response = await fetch(`${gatehouse.url}/trpc/health`, { headers: { origin: APP } });
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toMatch(/origin/i);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
  });

  it('gives an unlisted origin no CORS headers at all', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.io', 'null']) {
      const response = await fetch(`${gatehouse.url}/trpc/health`, { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('answers a preflight from a listed origin with the allowed methods and headers', async () => {
    const response = await preflight('/trpc/auth.login', APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('lets a listed origin send the X-Gatehouse-CSRF header a cookie refresh needs', async () => {
    const response = await fetch(`${gatehouse.url}/trpc/auth.refresh`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-gatehouse-csrf' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(',').map((name) => name.trim().toLowerCase());
    expect(allowed).toContain('x-gatehouse-csrf');
    expect(allowed).toContain('content-type');
  });

  it('answers no preflight for an unlisted origin', async () => {
    const response = await preflight('/trpc/auth.login', 'https://evil.example.com');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it('never answers CORS on the OAuth authorize endpoint, even for a listed origin', async () => {
    const response = await preflight('/oauth/authorize', APP);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    // `web` has one redirect URI, so this incomplete request is answered by a redirect to it (RFC 6749 3.1.2.3): not followed.
    const page = await fetch(`${gatehouse.url}/oauth/authorize?client_id=web`, { headers: { origin: APP }, redirect: 'manual' });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(corsOptionsFor('/oauth/token', APP, new Set([APP]))).toMatchObject({ origin: APP, credentials: true });
  });

  it('decides on the routed path: escaped and absolute-form request lines to authorize get no CORS either', async () => {
    const { host } = new URL(gatehouse.url);
    const targets = ['/oauth/%61uthorize', '/oauth/%61%75thorize?client_id=web', `http://${host}/oauth/authorize`, `http://${host}/oauth/%61uthorize`];
    for (const target of targets) {
      for (const method of ['GET', 'POST', 'HEAD']) {
        const answer = await rawRequest(gatehouse.url, `${method} ${target} HTTP/1.1\r\nhost: ${host}\r\norigin: ${APP}\r\ncontent-length: 0`);
        // The router did take these to the authorize endpoint (its page or its error), not to a 404.
        expect(answer.status, `${method} ${target}`).not.toBe(404);
        expect(answer.headers['access-control-allow-origin'], `${method} ${target}`).toBeUndefined();
        expect(answer.headers['access-control-allow-credentials'], `${method} ${target}`).toBeUndefined();
      }
      const preflight = await rawRequest(
        gatehouse.url,
        `OPTIONS ${target} HTTP/1.1\r\nhost: ${host}\r\norigin: ${APP}\r\naccess-control-request-method: POST`,
      );
      expect(preflight.headers['access-control-allow-origin'], `OPTIONS ${target}`).toBeUndefined();
      expect(preflight.status, `OPTIONS ${target}`).toBeGreaterThanOrEqual(400);
    }
  });

  it('still answers CORS on escaped and absolute-form request lines to routes that allow it', async () => {
    const { host } = new URL(gatehouse.url);
    for (const target of ['/trpc/%68ealth', `http://${host}/trpc/health`, '/oauth/%74oken']) {
      const preflight = await rawRequest(
        gatehouse.url,
        `OPTIONS ${target} HTTP/1.1\r\nhost: ${host}\r\norigin: ${APP}\r\naccess-control-request-method: POST`,
      );
      expect(preflight.headers['access-control-allow-origin'], target).toBe(APP);
    }
    const health = await rawRequest(gatehouse.url, `GET http://${host}/trpc/health HTTP/1.1\r\nhost: ${host}\r\norigin: ${APP}`);
    expect(health.status).toBe(200);
    expect(health.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('security headers', () => {
  it('are on every response: tRPC, errors, 404s and documents', async () => {
    const responses = [
      await fetch(`${gatehouse.url}/trpc/health`),
      await fetch(`${gatehouse.url}/trpc/users.me`),
      await fetch(`${gatehouse.url}/nowhere`),
      await fetch(`${gatehouse.url}/.well-known/jwks.json`),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toBeNull();
      // The API policy: no header that acts on an HTML document alone (http/security-headers.ts).
      expect(response.headers.get('x-xss-protection')).toBeNull();
      expect(response.headers.get('origin-agent-cluster')).toBeNull();
    }
  });

  it('keep tokens and personal data out of caches: no-store unless a route chose public caching', async () => {
    expect((await fetch(`${gatehouse.url}/trpc/users.me`, { headers: bearer(alice.accessToken) })).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${gatehouse.url}/nowhere`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${gatehouse.url}/.well-known/jwks.json`)).headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('send HSTS only when the request came over TLS (here: through the trusted proxy)', async () => {
    const response = await fetch(`${gatehouse.url}/trpc/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('hostile input at the edge', () => {
  it('answers a body over GATEHOUSE_BODY_LIMIT_BYTES with 413 in the tRPC error shape, with a request id', async () => {
    const response = await fetch(`${gatehouse.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.io', password: 'x'.repeat(5000) }),
    });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.error.data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, requestId: response.headers.get('x-request-id') });
    expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:\d+|node_modules/);
  });

  it('answers malformed JSON with 400', async () => {
    for (const body of ['{"email": ', '{email: 1}', '\u0000\u0001', '[1,2,']) {
      const response = await fetch(`${gatehouse.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).not.toMatch(/stack|\.ts:\d+/);
    }
  });

  it('lets no __proto__, constructor or prototype key pollute anything, and refuses the call', async () => {
    const keysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const hostile = [
      '{"__proto__":{"polluted":"yes","role":"admin"},"name":"Eve"}',
      '{"constructor":{"prototype":{"polluted":"yes"}},"name":"Eve"}',
      '{"name":"Eve","prototype":{"polluted":"yes"}}',
    ];
    for (const body of hostile) {
      const response = await fetch(`${gatehouse.url}/trpc/users.update`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(alice.accessToken) }, body });
      expect(response.status).toBe(400);
    }
    const query = await fetch(`${gatehouse.url}/trpc/users.byId?input=${encodeURIComponent('{"id":"00000000-0000-4000-8000-000000000000","__proto__":{"polluted":"yes"}}')}`, { headers: bearer(alice.accessToken) });
    expect(query.status).toBe(400);
    const batch = await fetch(`${gatehouse.url}/trpc/users.me,users.me?batch=1&input=${encodeURIComponent('{"0":{},"__proto__":{"polluted":"yes"}}')}`, { headers: bearer(alice.accessToken) });
    expect(batch.status).toBeLessThan(500);

    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(keysBefore);
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
    expect(me.body.result.data).toMatchObject({ name: 'Alice', role: 'user' });
  });
});

describe('clients that leave mid-request', () => {
  it('a body cut short by a closed connection costs nothing: the server keeps answering', async () => {
    const { port } = new URL(gatehouse.url);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST /trpc/users.update HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${alice.accessToken}\r\n` +
          'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":',
      );
      socket.destroy();
    }
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
    expect(me.status).toBe(200);
    expect(me.body.result.data.name).not.toBe('');
  });
});
