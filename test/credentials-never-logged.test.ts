import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

let gatehouse: RunningGatehouse;
let host: string;

beforeAll(async () => {
  gatehouse = await startGatehouse();
  host = new URL(gatehouse.url).host;
});
afterAll(() => gatehouse.close());

/** A distinct secret per request, so a leak names the request that leaked it. */
const secret = (n: number) => `s3cret-${n}-${'x'.repeat(6)}`;
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/**
 * Requests that put a credential in the URL: every one is logged (the
 * request line is logged before anything refuses it), on the fast lane and
 * through Fastify, answered 2xx, 4xx or by the router's error paths.
 */
const REQUESTS: ReadonlyArray<(n: number) => { head: string; body?: string }> = [
  (n) => ({ head: `GET /trpc/auth.login?input=${input({ email: 'a@b.io', password: secret(n) })}` }),
  (n) => ({ head: `GET /trpc/auth.register?input=${input({ email: 'a@b.io', password: secret(n), name: 'A' })}` }),
  (n) => ({ head: `GET /trpc/health,auth.login?batch=1&input=${input({ 1: { email: 'a@b.io', password: secret(n) } })}` }),
  (n) => ({ head: `GET /trpc/auth.refresh?input=${input({ refreshToken: secret(n) })}` }),
  (n) => ({ head: `POST /trpc/auth.login?input=${input({ password: secret(n) })}`, body: '{}' }),
  (n) => ({ head: `GET /trpc/users.me?access_token=${secret(n)}` }),
  (n) => ({ head: `GET /trpc/health?api_key=${secret(n)}&apiKey=${secret(n)}&token=${secret(n)}` }),
  (n) => ({ head: `GET /trpc/health?password=${secret(n)}&Client_Secret=${secret(n)}&pass%77ord=${secret(n)}` }),
  (n) => ({ head: `POST /oauth/token?client_secret=${secret(n)}&code=${secret(n)}&code_verifier=${secret(n)}&refresh_token=${secret(n)}&assertion=${secret(n)}&client_assertion=${secret(n)}`, body: 'grant_type=client_credentials' }),
  (n) => ({ head: `GET /oauth/authorize?client_id=web&response_type=code&password=${secret(n)}` }),
  (n) => ({ head: `GET /nowhere?password=${secret(n)}&x-api-key=${secret(n)}` }),
  (n) => ({ head: `GET http://HOST/nowhere?client_secret=${secret(n)}` }),
  (n) => ({ head: `GET /trpc/%ZZ?password=${secret(n)}` }),
  (n) => ({ head: `GET /trpc/${'a'.repeat(3000)}?password=${secret(n)}` }),
  (n) => ({ head: `GET /.well-known/jwks.json?id_token_hint=${secret(n)}&newPassword=${secret(n)}` }),
  // Not an auth.* procedure, but its input names a password: redacted all the same.
  (n) => ({ head: `GET /trpc/users.me?input=${input({ currentPassword: secret(n) })}` }),
];

describe('credentials in URLs never reach the log', () => {
  it('redacts every credential-like query parameter in every logged URL, and no error echoes one', async () => {
    const answers = [];
    for (const [index, build] of REQUESTS.entries()) {
      const { head, body } = build(index);
      const contentType = head.startsWith('POST /oauth') ? 'application/x-www-form-urlencoded' : 'application/json';
      const extra = body === undefined ? '' : `\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}`;
      answers.push(await rawRequest(gatehouse.url, `${head.replace('HOST', host)} HTTP/1.1\r\nhost: ${host}${extra}`, body));
    }
    const log = gatehouse.logLines().join('\n');
    for (const index of REQUESTS.keys()) {
      expect(log, `request ${index} leaked into the log`).not.toContain(secret(index));
      expect(answers[index]?.body, `request ${index} echoed its secret`).not.toContain(secret(index));
    }
    // The requests were logged all the same, with the parameter names kept and their values replaced.
    const urls = gatehouse.logLines().flatMap((line) => {
      const url = (JSON.parse(line) as { req?: { url?: string } }).req?.url;
      return url === undefined ? [] : [url];
    });
    expect(urls.some((url) => url.startsWith('/trpc/auth.login?input=%5BREDACTED%5D'))).toBe(true);
    expect(urls.some((url) => url.startsWith('/oauth/token?client_secret=%5BREDACTED%5D&code=%5BREDACTED%5D'))).toBe(true);
    expect(urls.some((url) => url.startsWith('/oauth/authorize?client_id=web&response_type=code&password=%5BREDACTED%5D'))).toBe(true);
  });

  it('keeps the input of procedures that carry no credential, so the log still says what was asked', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    await rawRequest(gatehouse.url, `GET /trpc/users.byId?input=${input({ id })} HTTP/1.1\r\nhost: ${host}`);
    expect(gatehouse.logLines().join('\n')).toContain(`/trpc/users.byId?input=${input({ id })}`);
  });
});
