// Bare node:http answering users.me's body with a given header set: BENCH_HEADER_SET=gatehouse (the 17 headers
// Gatehouse sends on users.me) or reference (the five of the Fastify + @fastify/jwt + @fastify/rate-limit stack).
import http from 'node:http';
import { GATEHOUSE_EDGE_HEADERS } from './gatehouse-edge-headers.mjs';

const body = JSON.stringify({
  result: { data: { id: '6c3a3c1e-4bd5-4c36-a8a8-3a0a4e3f7d10', email: 'alice@gatehouse.dev', name: 'Alice', role: 'user', createdAt: '2026-12-01T18:49:01.765Z' } },
});
const HEADER_SETS = {
  reference: { 'x-ratelimit-limit': '1000000000', 'x-ratelimit-remaining': '999999999', 'x-ratelimit-reset': '60', 'content-type': 'application/json; charset=utf-8' },
  gatehouse: {
    'x-request-id': '7120d7af-c656-4064-a285-e79b27cdebdf',
    ...GATEHOUSE_EDGE_HEADERS,
    'content-type': 'application/json',
    'x-ratelimit-limit': '1000000000',
    'x-ratelimit-remaining': '999999999',
    'x-ratelimit-reset': '1764614400',
    'ratelimit-policy': '"authenticated";q=1000000000;w=60',
    ratelimit: '"authenticated";r=999999999;t=60',
  },
};
const headers = HEADER_SETS[process.env.BENCH_HEADER_SET ?? 'gatehouse'];
if (headers === undefined) throw new Error('BENCH_HEADER_SET is gatehouse or reference');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
});
server.keepAliveTimeout = 72_000; // as Fastify's servers
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
