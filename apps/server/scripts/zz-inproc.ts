// temporary: in-process cost of one users.me call through resolveJsonRequest (no HTTP)
import { parseConfig } from '../src/config.js';
import { createDependencies } from '../src/dependencies.js';
import { createLogger } from '../src/http/logger.js';
import { applySeedUsers } from '../src/seed/apply-seed.js';
import { parseSeed } from '../src/seed/load-seed.js';
import { DEMO_SEED } from '../src/seed/demo-seed.js';
import { resolveJsonRequest } from '../src/http/fast-trpc/resolve-json-request.js';
import { createRequestContext, responseHeadersFor, MAX_BATCH_SIZE } from '../src/http/trpc-route.js';
import { appRouter } from '../src/routers/app-router.js';

const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_METRICS_PORT: 'off', GATEHOUSE_LIMIT_AUTHENTICATED: '1000000000/60' });
const deps = await createDependencies(config, createLogger(config));
const seed = parseSeed(DEMO_SEED);
await applySeedUsers(seed, deps.users, deps.passwords);
const alice = await deps.users.findByEmail('alice@gatehouse.dev');
const issued = await deps.accessTokens.issue({ subject: alice!.id, clientId: 'gatehouse', scopes: ['users:read', 'orders:read'], grant: 'user' });
const headers = { host: '127.0.0.1:3000', authorization: `Bearer ${issued.token}`, 'user-agent': 'x', accept: '*/*' };
const options = {
  router: appRouter,
  maxBatchSize: MAX_BATCH_SIZE,
  createContext: async (info: any, req: any) => createRequestContext(deps, req, info.calls.map((c: any) => c.path)),
  responseMeta: ({ ctx, errors }: any) => ({ headers: responseHeadersFor(ctx, errors) }),
  onError: undefined,
};
const req = { id: 'x', ip: '127.0.0.1', url: '/trpc/users.me', headers, socket: undefined };
const request = () => ({ method: 'GET' as const, path: 'users.me', searchParams: new URLSearchParams(''), body: undefined, signal: () => new AbortController().signal, url: () => new URL('http://x/'), req });
let status = 0;
for (let i = 0; i < 20000; i++) status = (await resolveJsonRequest(request(), options as any))!.status;
for (let round = 0; round < 3; round++) {
  const n = 50000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await resolveJsonRequest(request(), options as any);
  const t = process.cpuUsage(t0);
  console.log('status', status, 'µs/call', ((t.user + t.system) / n).toFixed(2));
}
await deps.close();
