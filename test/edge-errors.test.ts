import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login } from './support/http.js';
import { openSocket, parseAnswer, rawRequest, type RawHttpAnswer } from './support/raw-http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
let host: string;
let token: string;

beforeAll(async () => {
  gatehouse = await startGatehouse({ env: { GATEHOUSE_BODY_LIMIT_BYTES: '4096' } });
  host = new URL(gatehouse.url).host;
  token = (await login(gatehouse.url, TEST_USERS.alice)).accessToken;
});
afterAll(() => gatehouse.close());

/** The one thing every error answer must let a client do: quote its request id, read a sentence, parse the JSON. */
function expectEdgeShape(answer: RawHttpAnswer, label: string): { message: string; requestId: unknown } {
  const requestId = answer.headers['x-request-id'];
  expect(requestId, `${label}: x-request-id`).toMatch(/^[0-9a-f-]{36}$/);
  const body = JSON.parse(answer.body) as { error: unknown; error_description?: string; requestId?: string };
  const trpc = typeof body.error === 'object' && body.error !== null ? (body.error as { message: string; data: Record<string, unknown> }) : undefined;
  const message = trpc?.message ?? body.error_description ?? '';
  const bodyRequestId = trpc?.data['requestId'] ?? body.requestId;
  expect(bodyRequestId, `${label}: request id in the body`).toBe(requestId);
  if (trpc !== undefined) expect(trpc.data['httpStatus'], `${label}: httpStatus`).toBe(answer.status);
  // A sentence: printable, its quotes balanced (tRPC's 415 left one open), no stack, no echo of what was sent.
  expect(message, label).toMatch(/^[\x20-\x7e]{3,200}$/);
  expect((message.match(/"/g) ?? []).length % 2, `${label}: balanced quotes in ${message}`).toBe(0);
  expect(answer.body, label).not.toMatch(/stack|node_modules|\.ts:\d+|FST_ERR|hunter2|text\/plain|xml/);
  return { message, requestId: bodyRequestId };
}

const json = 'content-type: application/json';

describe('every error the server writes carries the request id and a well-formed message', () => {
  const cases: ReadonlyArray<readonly [label: string, status: number, head: () => string, body?: string]> = [
    ['a text/plain POST to a procedure', 415, () => `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: text/plain\r\ncontent-length: 7`, 'hunter2'],
    ['a POST with no content type', 415, () => `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 0`],
    ['a POST of XML', 415, () => `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/xml\r\ncontent-length: 7`, 'hunter2'],
    ['a PUT with no content type', 415, () => `PUT /trpc/health HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 0`],
    ['a path no route serves', 404, () => `GET /nowhere?password=hunter2 HTTP/1.1\r\nhost: ${host}`],
    ['/trpc without a procedure', 404, () => `GET /trpc?password=hunter2 HTTP/1.1\r\nhost: ${host}`],
    ['an unknown procedure', 404, () => `GET /trpc/nothing.here HTTP/1.1\r\nhost: ${host}`],
    ['a GET to a mutation', 405, () => `GET /trpc/auth.login?input=%7B%22password%22%3A%22hunter2%22%7D HTTP/1.1\r\nhost: ${host}`],
    ['a POST to a query', 405, () => `POST /trpc/users.me HTTP/1.1\r\nhost: ${host}\r\n${json}\r\nauthorization: Bearer ${token}\r\ncontent-length: 2`, '{}'],
    ['a body over the limit', 413, () => `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\n${json}\r\ncontent-length: 5000`, 'x'.repeat(5000)],
    ['malformed JSON', 400, () => `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\n${json}\r\ncontent-length: 9`, '{"email":'],
    ['a batch of eleven', 400, () => `GET /trpc/${Array(11).fill('health').join(',')}?batch=1 HTTP/1.1\r\nhost: ${host}`],
    ['a batch mixing queries and mutations', 400, () => `GET /trpc/health,auth.login?batch=1 HTTP/1.1\r\nhost: ${host}`],
    ['an invalid percent-escape', 400, () => `GET /trpc/%ZZ?password=hunter2 HTTP/1.1\r\nhost: ${host}`],
    ['a procedure path over the router limit', 414, () => `GET /trpc/${'a'.repeat(3000)}?password=hunter2 HTTP/1.1\r\nhost: ${host}`],
    ['a malformed header line', 400, () => `GET /trpc/health HTTP/1.1\r\nhost ${host}`],
    ['headers over Node’s limit', 431, () => `GET /trpc/health HTTP/1.1\r\nhost: ${host}\r\nx-padding: ${'p'.repeat(20_000)}`],
    ['an OAuth request without grant_type', 400, () => `POST /oauth/token HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 3`, 'a=b'],
  ];

  for (const [label, status, head, body] of cases) {
    it(`${label}: ${status}`, async () => {
      const answer = await rawRequest(gatehouse.url, head(), body);
      expect(answer.status, label).toBe(status);
      expectEdgeShape(answer, label);
    });
  }

  it('speaks tRPC’s error shape under /trpc and the OAuth shape elsewhere, with one message per status', async () => {
    const trpc = await rawRequest(gatehouse.url, `GET /trpc HTTP/1.1\r\nhost: ${host}`);
    expect(JSON.parse(trpc.body).error).toMatchObject({ code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404 } });
    const elsewhere = await rawRequest(gatehouse.url, `GET /nowhere HTTP/1.1\r\nhost: ${host}`);
    expect(JSON.parse(elsewhere.body)).toMatchObject({ error: 'not_found', error_description: expect.any(String) });
    const textPlain = await rawRequest(gatehouse.url, `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: text/plain\r\ncontent-length: 2`, '{}');
    const xml = await rawRequest(gatehouse.url, `POST /trpc/auth.login HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/xml\r\ncontent-length: 2`, '{}');
    expect(JSON.parse(textPlain.body).error.message).toBe(JSON.parse(xml.body).error.message);
  });

  it('never echoes the query or the path it refused in an error message', async () => {
    for (const target of ['/nowhere?password=hunter2', `http://${host}/nowhere?client_secret=hunter2`, '/trpc/%ZZ?password=hunter2']) {
      const answer = await rawRequest(gatehouse.url, `GET ${target} HTTP/1.1\r\nhost: ${host}`);
      expect(answer.body).not.toContain('hunter2');
      expect(answer.body).not.toContain('nowhere');
    }
  });

  it('answers an authenticated call’s errors with the request id too (context built)', async () => {
    const answer = await rawRequest(gatehouse.url, `GET /trpc/users.byId?input=%7B%22id%22%3A%22x%22%7D HTTP/1.1\r\nhost: ${host}\r\nauthorization: ${bearer(token).authorization}`);
    expect(answer.status).toBe(400);
    expectEdgeShape(answer, 'invalid input');
  });
});

describe('a server that is closing', () => {
  it('answers a request that arrives on a kept-alive connection with 503 in the edge shape, and closes it', async () => {
    const closing = await startGatehouse();
    const { host: closingHost } = new URL(closing.url);
    const socket = await openSocket(closing.url);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    // A first request still arriving holds the connection busy (Fastify closes idle ones at once)...
    socket.write(`POST /oauth/token HTTP/1.1\r\nhost: ${closingHost}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 10\r\n\r\ngrant`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = closing.close();
    // ...and the second, pipelined behind it, is routed only once the server is closing.
    socket.write(`_typeGET /trpc/health HTTP/1.1\r\nhost: ${closingHost}\r\n\r\n`);
    await Promise.race([once(socket, 'close'), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    socket.destroy();
    await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    const second = text.slice(text.indexOf('HTTP/1.1', 1));
    const answer = parseAnswer(Buffer.from(second));
    expect(answer.status).toBe(503);
    expect(answer.headers['connection']).toBe('close');
    expectEdgeShape(answer, 'closing');
  });
});
