// `pnpm --filter @gatehouse/bench bounded-memory`: one Gatehouse (memory store, as configured by the environment)
// driven through its real request path (createTrpcContext, the procedure, auth, rate limits; no HTTP) by COUNT
// (default 1,000,000) distinct access tokens, then COUNT distinct API keys, then COUNT distinct client IPs logging in. Every
// REPORT_EVERY calls it prints RSS, heap and the size of every cache against its capacity. The limiters' own
// state (rate-limiter-flexible's memory store) is read through its internals: it is state, not a cache, and
// holds one entry per key until the key's window ends.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { generateApiKey } from '../../apps/server/src/apikeys/key-format.js';
import { createDependencies } from '../../apps/server/src/dependencies.js';
import { createTrpcContext } from '../../apps/server/src/http/trpc-route.js';
import { createLogger } from '../../apps/server/src/http/logger.js';
import { parseConfig } from '../../apps/server/src/config.js';
import { appRouter } from '../../apps/server/src/routers/app-router.js';
import { t } from '../../apps/server/src/trpc.js';
import { applySeedUsers } from '../../apps/server/src/seed/apply-seed-users.js';
import { parseSeed } from '../../apps/server/src/seed/load-seed.js';
import { DEMO_SEED } from '../../apps/server/src/seed/demo-seed.js';

const COUNT = Number(process.env.COUNT ?? 1_000_000);
const REPORT_EVERY = Number(process.env.REPORT_EVERY ?? Math.max(1, Math.floor(COUNT / 5)));
const IN_FLIGHT = 64;
/** Which phases run, in order (PHASES=tokens,apikeys,ips): a login per address is the slow one (a bcrypt compare each). */
const PHASES = new Set((process.env.PHASES ?? 'tokens,apikeys,ips').split(','));

const config = parseConfig({
  GATEHOUSE_ENV: 'test',
  GATEHOUSE_LOG_LEVEL: 'silent',
  GATEHOUSE_METRICS_PORT: 'off',
  GATEHOUSE_BCRYPT_COST: '4',
  // Budgets that never refuse, so every call reaches every cache (a refusal would stop it earlier).
  GATEHOUSE_LIMIT_AUTHENTICATED: '1000000000/60',
  GATEHOUSE_LIMIT_PUBLIC: '1000000000/3600',
  ...process.env,
});
const deps = await createDependencies(config, createLogger(config));
await applySeedUsers(parseSeed(DEMO_SEED), deps.users, deps.passwords);
const alice = await deps.users.findByEmail('alice@gatehouse.dev');
if (alice === undefined) throw new Error('the demo seed has no alice');
const createCaller = t.createCallerFactory(appRouter);

/** Entries a rate-limiter-flexible memory limiter holds (its storage is an object keyed by limiter key). */
function limiterKeys(limiter: RateLimiterAbstract): number | string {
  const storage = (limiter as unknown as { _memoryStorage?: { _storage?: Map<string, unknown> } })._memoryStorage?._storage;
  return storage === undefined ? 'in Redis' : storage.size;
}

function report(phase: string, done: number): void {
  const memory = process.memoryUsage();
  const authenticated = deps.rateLimits.policyForPath('users.me');
  const publicPolicy = deps.rateLimits.policyForPath('auth.login');
  const caches = {
    verifiedTokens: `${deps.accessTokens.cache?.size ?? 0}/${deps.accessTokens.cache?.maxEntries ?? 0}`,
    revocationVerdicts: `${deps.revocation.heldVerdicts}/${deps.revocation.maxHeldVerdicts}`,
    principalPresence: `${deps.principals.size}/${deps.principals.maxEntries}`,
    heldUsers: deps.heldUsers === undefined ? '-' : `${deps.heldUsers.size}/${deps.heldUsers.maxEntries}`,
    heldApiKeys: deps.heldApiKeys === undefined ? '-' : `${deps.heldApiKeys.size}/${deps.heldApiKeys.maxEntries}`,
    networkHashes: `${deps.networks.cache.size}/${deps.networks.cache.maxEntries}`,
    limiterKeysAuthenticated: authenticated === undefined ? '-' : limiterKeys(deps.rateLimits.limiterFor(authenticated)),
    limiterKeysLogin: publicPolicy === undefined ? '-' : limiterKeys(deps.rateLimits.limiterFor(publicPolicy)),
  };
  console.log(
    `${phase.padEnd(9)} ${String(done).padStart(8)}  rss ${(memory.rss / 2 ** 20).toFixed(0)} MB  heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MB  ` +
      Object.entries(caches).map(([name, value]) => `${name} ${value}`).join('  '),
  );
}

/** Runs `call(index)` COUNT times, IN_FLIGHT at once, reporting every REPORT_EVERY. */
async function drive(phase: string, call: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let done = 0;
  const failures = new Map<string, number>();
  const started = Date.now();
  async function worker(): Promise<void> {
    while (next < COUNT) {
      const index = next++;
      await call(index).catch((error: unknown) => {
        const code = (error as { code?: string }).code ?? String(error);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      });
      done += 1;
      if (done % REPORT_EVERY === 0) report(phase, done);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const refused = [...failures].map(([code, count]) => `${count} ${code}`).join(', ');
  console.log(`${phase}: ${COUNT} calls in ${((Date.now() - started) / 1000).toFixed(0)} s${refused === '' ? '' : `, refused: ${refused}`}`);
}

const ipOf = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
const call = (headers: Record<string, string>, ip: string, path: 'users.me') => {
  const ctx = createTrpcContext(deps, { id: randomUUID(), ip, url: `/trpc/${path}`, headers }, [path]);
  const caller = createCaller(ctx);
  return caller.users.me();
};

console.log(`machine load ${loadavg().map((value) => value.toFixed(2)).join(' ')}; ${COUNT} of each`);
report('start', 0);
// Distinct valid tokens of one user, from one client address: the verified-token cache and revocation verdicts.
if (PHASES.has('tokens')) await drive('tokens', async () => {
  const { token } = await deps.accessTokens.issue({ subject: alice.id, clientId: 'gatehouse', scopes: ['users:read'], grant: 'user' });
  return call({ authorization: `Bearer ${token}` }, '192.0.2.1', 'users.me');
});
// Distinct API keys that do not exist (well formed, checksum and all, so each is looked up), one per client address.
if (PHASES.has('apikeys')) await drive('apikeys', async (index) => {
  return call({ 'x-api-key': generateApiKey().key }, ipOf(index), 'users.me');
});
// Distinct client addresses logging in with a wrong password: the login limiters' and guards' keys per IP.
if (PHASES.has('ips')) await drive('ips', (index) => {
  const ctx = createTrpcContext(deps, { id: randomUUID(), ip: ipOf(index + COUNT), url: '/trpc/auth.login', headers: {} }, ['auth.login']);
  return createCaller(ctx).auth.login({ email: `nobody-${index}@example.com`, password: 'not-the-password-1' });
});
report('end', COUNT * 3);
await deps.close();
