import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGatehouseServer, createLogger, parseConfig, parseSeed, type GatehouseServer } from '@gatehouse/server';
import { openSocket, parseAnswer } from './support/raw-http.js';
import { startGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';

/** Short deadlines, so a test can outwait them; the defaults (10 s, 30 s, 72 s) are asserted separately. */
const TIMEOUTS = { headersMs: 500, requestMs: 1_000, keepAliveMs: 2_000, socketIdleMs: 10_000 };

let server: GatehouseServer;
let url: string;

beforeAll(async () => {
  const config = parseConfig({
    GATEHOUSE_ENV: 'test',
    GATEHOUSE_PORT: '0',
    GATEHOUSE_BCRYPT_COST: '4',
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_METRICS_PORT: 'off',
    // The e2e-stock-adapter project runs this file again through tRPC's own Fastify adapter.
    GATEHOUSE_TRPC_FAST_PATH: inject('trpcFastPath') === false ? 'false' : 'true',
  });
  server = await createGatehouseServer(config, { logger: createLogger(config), seed: parseSeed(TEST_SEED), timeouts: TIMEOUTS });
  url = await server.listen();
});
afterAll(() => server.close());

/** Writes `first`, then `drip` every `everyMs` until the server closes the connection; resolves to what it answered and when. */
async function trickle(first: string, drip: string, everyMs: number): Promise<{ elapsedMs: number; answer: string }> {
  const socket = await openSocket(url);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const started = performance.now();
  socket.write(first);
  const timer = setInterval(() => {
    if (socket.writable) socket.write(drip);
  }, everyMs);
  // A generous bound: the test fails (rather than hangs) if the server never closes.
  const closed = await Promise.race([once(socket, 'close').then(() => true), sleep(8_000).then(() => false)]);
  clearInterval(timer);
  socket.destroy();
  expect(closed, 'the server closed the connection').toBe(true);
  return { elapsedMs: performance.now() - started, answer: Buffer.concat(chunks).toString('utf8') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('slow clients do not hold connections', () => {
  it('closes a connection whose headers trickle in, with a 408 carrying a request id', async () => {
    const { elapsedMs, answer } = await trickle('GET /trpc/health HTTP/1.1\r\nhost: gatehouse\r\n', 'x-slow: 1\r\n', 100);
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 50);
    expect(elapsedMs).toBeLessThan(4_000);
    const parsed = parseAnswer(Buffer.from(answer));
    expect(parsed.status).toBe(408);
    // The request line never completed, so no route is known: the OAuth-style shape, with the id it was given.
    expect(JSON.parse(parsed.body)).toEqual({ error: 'timeout', error_description: expect.any(String), requestId: parsed.headers['x-request-id'] });
  });

  const slowBodies = [
    ['a tRPC call (the fast lane when it is on)', 'POST /trpc/auth.login HTTP/1.1\r\nhost: gatehouse\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{'],
    ['an OAuth form (a Fastify route)', 'POST /oauth/token HTTP/1.1\r\nhost: gatehouse\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 200\r\n\r\na'],
  ] as const;
  for (const [label, head] of slowBodies) {
    it(`closes the connection of a body that trickles in: ${label}`, async () => {
      const { elapsedMs, answer } = await trickle(head, ' ', 100);
      expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 50);
      expect(elapsedMs).toBeLessThan(5_000);
      // The call never ran: the body never arrived.
      expect(parseAnswer(Buffer.from(answer)).status).toBe(408);
    });
  }

  it('keeps a connection alive between requests past the header deadline, and closes it once idle past keep-alive', async () => {
    const socket = await openSocket(url);
    const answers: string[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk.toString('utf8')));
    const request = 'GET /trpc/health HTTP/1.1\r\nhost: gatehouse\r\n\r\n';
    socket.write(request);
    const answered = (count: number) => () => (answers.join('').match(/HTTP\/1\.1 200/g) ?? []).length === count;
    await waitFor(answered(1));
    await sleep(TIMEOUTS.headersMs * 2);
    expect(socket.destroyed).toBe(false);
    socket.write(request);
    await waitFor(answered(2));
    const idleStarted = performance.now();
    await Promise.race([once(socket, 'close'), sleep(8_000)]);
    const idleMs = performance.now() - idleStarted;
    expect(socket.destroyed || socket.readableEnded).toBe(true);
    expect(idleMs).toBeGreaterThanOrEqual(TIMEOUTS.keepAliveMs - 100);
    expect(idleMs).toBeLessThan(6_000);
    socket.destroy();
  });
});

describe('default timeouts', () => {
  it('bound headers, the request and idle connections on the server both HTTP paths share', async () => {
    const gatehouse = await startGatehouse();
    try {
      const node = gatehouse.server.app.server;
      expect(node.headersTimeout).toBe(10_000);
      expect(node.requestTimeout).toBe(30_000);
      expect(node.keepAliveTimeout).toBe(72_000);
      expect(node.timeout).toBe(120_000);
    } finally {
      await gatehouse.close();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the answer');
    await sleep(20);
  }
}
