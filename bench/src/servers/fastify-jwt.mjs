// What an expert picks: Fastify 5 + @fastify/jwt (HS256, as in the issue) + @fastify/rate-limit (memory).
// BENCH_FASTIFY_LOGGER=true: Fastify's own request logging (logger: true, pino at info, two lines a request),
// the reference for Gatehouse with GATEHOUSE_LOG_LEVEL=info.
import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { GATEHOUSE_EDGE_HEADERS } from './gatehouse-edge-headers.mjs';

// BENCH_FASTIFY_HEADERS=gatehouse: the same stack answering with the headers Gatehouse sends on users.me (a request
// id, the API's security headers, Vary, no-store and the IETF RateLimit fields beside @fastify/rate-limit's own),
// set the cheapest way Fastify allows, for a header-for-header comparison.
const sendGatehouseHeaders = process.env.BENCH_FASTIFY_HEADERS === 'gatehouse';

// Fastify's own request ids (a counter) for the goal references; a UUID, as Gatehouse's, only when answering as it does.
const app = Fastify({ logger: process.env.BENCH_FASTIFY_LOGGER === 'true', ...(sendGatehouseHeaders ? { genReqId: () => randomUUID() } : {}) });
await app.register(fastifyJwt, { secret: process.env.BENCH_HS256_SECRET });
// A budget the benchmark never exhausts: the limiter is consulted on every request but never refuses.
await app.register(fastifyRateLimit, {
  max: 1_000_000_000,
  timeWindow: 60_000,
  keyGenerator: (request) => request.user?.sub ?? request.ip,
});
app.addHook('onRequest', async (request, reply) => {
  try {
    await request.jwtVerify();
  } catch {
    return reply.code(401).send({ error: 'unauthorized' });
  }
  if (!String(request.user.scope ?? '').split(' ').includes('users:read')) return reply.code(403).send({ error: 'forbidden' });
});
if (sendGatehouseHeaders) {
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id).headers(GATEHOUSE_EDGE_HEADERS);
    const limit = reply.getHeader('x-ratelimit-limit');
    reply.header('ratelimit-policy', `"default";q=${limit};w=60`);
    reply.header('ratelimit', `"default";r=${reply.getHeader('x-ratelimit-remaining')};t=${reply.getHeader('x-ratelimit-reset')}`);
    done(null, payload);
  });
}
app.get('/users/me', async (request) => ({ id: request.user.sub, email: 'alice@gatehouse.dev', name: 'Alice', role: 'user' }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`ready ${new URL(address).port}\n`);
