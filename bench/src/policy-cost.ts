// `pnpm --filter @gatehouse/bench policy-cost`: what a contract's policy check adds to a protected call,
// measured in-process through the real procedure pipeline (createCaller: token verification from the cache,
// rate limit, scope check, handler), side by side with the same call declaring scopes only.
// Rounds are interleaved and the median per variant reported; compare the ratios, not the absolute times.
// POLICY_BENCH_STORE=redis puts users, orders and counters on REDIS_URL (default the local one) under a prefix
// of its own, removed at the end: the support rule's user lookup is then a Redis round trip.
import { Redis } from 'ioredis';
import { defineQuery, orderSchema, byIdInput, type ContractTree } from '../../packages/contracts/src/index.js';
import type { Principal } from '../../apps/server/src/auth/principal.js';
import { createAuthenticator } from '../../apps/server/src/auth/authenticate.js';
import { parseConfig } from '../../apps/server/src/config.js';
import { type RequestContext } from '../../apps/server/src/context.js';
import { createResponseHeaders } from '../../apps/server/src/response-headers.js';
import { createDependencies } from '../../apps/server/src/dependencies.js';
import { createLogger } from '../../apps/server/src/http/logger.js';
import { buildRouter } from '../../apps/server/src/routers/build-router.js';
import { toOrder } from '../../apps/server/src/routers/order-view.js';
import { t } from '../../apps/server/src/trpc.js';

const CALLS = Number(process.env.CALLS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const STORE = process.env.POLICY_BENCH_STORE ?? 'memory';
if (STORE !== 'memory' && STORE !== 'redis') throw new Error('POLICY_BENCH_STORE: memory or redis');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `gatehouse-bench-policy:${process.pid}:`;

const contracts = {
  scopeOnly: defineQuery({ summary: 'scopes only', input: byIdInput, output: orderSchema, auth: { scopes: ['orders:read'] } }),
  withPolicy: defineQuery({ summary: 'order.readable', input: byIdInput, output: orderSchema, auth: { scopes: ['orders:read'], policy: 'order.readable' } }),
} satisfies ContractTree;

const config = parseConfig({
  GATEHOUSE_ENV: 'test',
  GATEHOUSE_LOG_LEVEL: 'silent',
  GATEHOUSE_METRICS_PORT: 'off',
  GATEHOUSE_BCRYPT_COST: '4',
  GATEHOUSE_LIMIT_AUTHENTICATED: '1000000000/60',
  ...(STORE === 'redis' ? { GATEHOUSE_STORE: 'redis', REDIS_URL, GATEHOUSE_REDIS_PREFIX: prefix } : {}),
});
const deps = await createDependencies(config, createLogger(config));
const router = buildRouter(contracts, {
  async scopeOnly({ input, ctx }) {
    const order = await ctx.deps.orders.findById(input.id);
    if (order === undefined) throw new Error('seeded order missing');
    return toOrder(order);
  },
  async withPolicy({ input, ctx }) {
    return toOrder(await ctx.policy.require(await ctx.deps.orders.findById(input.id)));
  },
});
const createCaller = t.createCallerFactory(router);
const authenticate = createAuthenticator(deps);

const user = (name: string) => deps.users.create({ email: `${name}-${crypto.randomUUID()}@bench.test`, name, role: 'user', passwordHash: 'unused' });
const [owner, support] = await Promise.all([user('owner'), user('support')]);
await deps.users.setAttributes(support.id, { department: 'support', region: 'emea' });
const order = await deps.orders.create({
  ownerId: owner.id,
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'paypal',
});
const tokenOf = async (userId: string) =>
  (await deps.accessTokens.issue({ subject: userId, clientId: 'gatehouse', scopes: ['orders:read'], grant: 'user', issuedTo: { ip: '127.0.0.1', pinned: false } })).token;
const tokens = { owner: await tokenOf(owner.id), support: await tokenOf(support.id) };

/** A request context as the HTTP layer builds one for a call with this bearer token. */
function contextFor(token: string, path: string): RequestContext {
  const headers = { authorization: `Bearer ${token}` };
  let principal: Promise<Principal | undefined> | undefined;
  const ctx: RequestContext = {
    deps,
    requestId: 'bench',
    ip: '127.0.0.1',
    headers,
    credentialInQuery: undefined,
    authenticate: () => (principal ??= authenticate(headers, undefined, ctx)),
    responseHeaders: createResponseHeaders(),
    rateLimit: deps.rateLimits.forRequest([path]),
  };
  return ctx;
}

const variants = {
  'scopes only (owner)': (id: string) => createCaller(contextFor(tokens.owner, 'scopeOnly')).scopeOnly({ id }),
  'policy, owner (no lookup)': (id: string) => createCaller(contextFor(tokens.owner, 'withPolicy')).withPolicy({ id }),
  'policy, support of the region (1 user lookup)': (id: string) => createCaller(contextFor(tokens.support, 'withPolicy')).withPolicy({ id }),
};

const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) for (let call = 0; call < 2_000; call += 1) await run(order.id); // warm up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, run] of Object.entries(variants)) {
    const started = process.hrtime.bigint();
    for (let call = 0; call < CALLS; call += 1) await run(order.id);
    samples.get(name)!.push(Number(process.hrtime.bigint() - started) / CALLS / 1_000);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const baseline = median(samples.get('scopes only (owner)')!);
process.stdout.write(`store: ${STORE}, ${ROUNDS} rounds of ${CALLS} calls per variant\n`);
for (const [name, values] of samples) {
  const us = median(values);
  process.stdout.write(`${name.padEnd(48)} ${us.toFixed(2).padStart(7)} µs/call  ${(us / baseline).toFixed(3)}× scopes only  (+${(us - baseline).toFixed(2)} µs)\n`);
}
await deps.close();
if (STORE === 'redis') {
  // The shared Redis keeps nothing of this run: every key under the run's own prefix, removed in batches.
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await redis.quit();
}
