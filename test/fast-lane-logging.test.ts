import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

// The fast lane answers before Fastify's hooks run, so it writes Fastify's two request log lines itself;
// operators must find the same lines, with the same fields, whichever path served a call. Each server names its
// path explicitly: the e2e-stock-adapter project turns the fast lane off by default, and this file must still
// compare the fast lane against the stock adapter there.
let fast: RunningGatehouse;
let stock: RunningGatehouse;
beforeAll(async () => {
  [fast, stock] = await Promise.all([
    startGatehouse({ env: { GATEHOUSE_TRPC_FAST_PATH: 'true' } }),
    startGatehouse({ env: { GATEHOUSE_TRPC_FAST_PATH: 'false' } }),
  ]);
});
afterAll(() => Promise.all([fast.close(), stock.close()]));

type LogLine = Record<string, unknown> & { msg?: string; reqId?: string };

async function requestLines(gatehouse: RunningGatehouse, query: string): Promise<{ requestId: string; lines: LogLine[] }> {
  const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
  const response = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken), query });
  const requestId = response.headers.get('x-request-id') ?? '';
  const lines = gatehouse
    .logLines()
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.reqId === requestId);
  return { requestId, lines };
}

/** What two request log lines share across servers: everything but the clock, the id and the timing. */
function shape(line: LogLine): unknown {
  const { time: _time, reqId: _reqId, responseTime, ...rest } = line;
  return { ...rest, responseTime: typeof responseTime };
}

describe('request logging on the fast lane', () => {
  it('compares a server with the fast lane against one without', () => {
    expect(fast.server.deps.config.trpcFastPath).toBe(true);
    expect(stock.server.deps.config.trpcFastPath).toBe(false);
  });

  it('logs "incoming request" and "request completed" under the response’s request id, as Fastify does', async () => {
    const [served, reference] = await Promise.all([requestLines(fast, 'trace=1'), requestLines(stock, 'trace=1')]);
    expect(served.lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(served.lines.map(shape)).toEqual(reference.lines.map(shape));
    expect(served.lines[0]).toMatchObject({ req: { method: 'GET', url: '/trpc/users.me?trace=1', ip: '127.0.0.1' } });
    expect(served.lines[1]).toMatchObject({ res: { statusCode: 200 }, responseTime: expect.any(Number) });
  });

  it.each([
    ['fast lane', () => fast],
    ['stock adapter', () => stock],
  ] as const)('never logs a credential from the URL, on the %s', async (_path, server) => {
    const { lines } = await requestLines(server(), 'access_token=leaked-in-url');
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(JSON.stringify(lines)).not.toContain('leaked-in-url');
    expect(server().logLines().join('\n')).not.toContain('leaked-in-url');
    expect(lines[0]).toMatchObject({ req: { url: '/trpc/users.me?access_token=%5BREDACTED%5D' } });
  });
});
