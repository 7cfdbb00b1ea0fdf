import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAudit, waitForAuditRecord, type ListedRecord } from './support/audit.js';
import { callBatch } from './support/batch.js';
import { defaultStoreVariant } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { authReason, loginForSession, refreshWithBody } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import type { StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

/** Tens of thousands of denied calls, sent as the largest batches tRPC accepts. */
const DENIED_BATCHES = 2_000;
const REGISTER_BATCHES = 300;
const BATCH = 10;
const WORKERS = 4;
const FLOODING_IP = '198.51.100.90';

// On memory in the e2e project, on Redis in e2e-redis (see projectStores in support/default-store.ts).
const variants: StoreVariant[] = [defaultStoreVariant('audit-flood')];

type Listed = ListedRecord & { count?: number; lastTime?: string };

/** Every record of one type and principal, paging through the whole log. */
async function allRecords(url: string, adminToken: string, filter: Record<string, unknown>): Promise<Listed[]> {
  const records: Listed[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await listAudit(url, adminToken, { ...filter, limit: 100, ...(cursor ? { cursor } : {}) });
    records.push(...(page.items as Listed[]));
    cursor = page.nextCursor;
  } while (cursor);
  return records;
}

/**
 * Sends `batches` batches of `BATCH` calls from a few concurrent workers and
 * tallies every call's own status, and the requests that got any 429.
 */
async function flood(
  batches: number,
  send: () => ReturnType<typeof callBatch>,
): Promise<{ statuses: Map<number, number>; refusedRequests: number; seconds: number }> {
  const statuses = new Map<number, number>();
  let refusedRequests = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < batches) {
        next += 1;
        const response = await send();
        const calls = (response.body as Array<{ error?: { data: { httpStatus: number } } }>).map((call) => call.error?.data.httpStatus ?? 200);
        for (const status of calls) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (calls.includes(429)) refusedRequests += 1;
      }
    }),
  );
  return { statuses, refusedRequests, seconds: (performance.now() - started) / 1000 };
}

/** A short aggregation window, so the counted records land during the test. */
const AGGREGATION_WINDOW_SECONDS = 1;

/**
 * The most records an aggregated flood may leave: for each refusal key (a policy with its principal or IP), in
 * each aggregation window the flood lasted, the window's first refusal and one record counting its repeats.
 * Bounded by the flood's own duration rather than a fixed number: on a loaded host the flood lasts longer and
 * opens more windows (a fixed 200 failed there), and a fast host is held to fewer records.
 */
function aggregatedRecordBound(seconds: number, keys: number): number {
  return keys * 2 * (Math.ceil(seconds / AGGREGATION_WINDOW_SECONDS) + 1);
}

/**
 * How many more budgets than one a Redis-backed limiter may grant: when a
 * Redis call times out on a loaded machine, the per-process insurance limiter
 * answers with a budget of its own (docs/rate-limits.md, "When Redis is down").
 */
const INSURANCE_SLACK = 1;

const countOf = (records: readonly Listed[]) => records.reduce((sum, record) => sum + (record.count ?? 1), 0);

describe.each(variants)('the audit log under a flood, on the $name store', (variant) => {
  let gatehouse: RunningGatehouse;
  let adminToken: string;

  beforeAll(async () => {
    gatehouse = await startGatehouse({
      env: {
        ...(await variant.env()),
        GATEHOUSE_TRUST_PROXY: '127.0.0.1',
        // The default budget per principal (docs/rate-limits.md).
        GATEHOUSE_LIMIT_AUTHENTICATED: '600/60',
        GATEHOUSE_AUDIT_AGGREGATION_WINDOW: String(AGGREGATION_WINDOW_SECONDS),
      },
    });
    adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
  });
  afterAll(async () => {
    await gatehouse.close();
    await variant.cleanup();
  });

  it('keeps an earlier token.reuse_detected record through tens of thousands of denied calls, which end in 429s and a few counted records', async () => {
    const session = await loginForSession(gatehouse.url, TEST_USERS.alice);
    expect((await refreshWithBody(gatehouse.url, session.refreshToken)).status).toBe(200);
    expect(authReason(await refreshWithBody(gatehouse.url, session.refreshToken))).toBe('revoked_token');
    const reuse = await waitForAuditRecord(gatehouse.url, adminToken, 'token.reuse_detected');

    const alice = await login(gatehouse.url, TEST_USERS.alice);
    const principal = `user:${alice.user.id}`;
    const calls = Array.from({ length: BATCH }, () => ({ path: 'admin.users.list' }));
    const { statuses, seconds } = await flood(DENIED_BATCHES, () => callBatch(gatehouse.url, calls, { headers: bearer(alice.accessToken) }));

    // Every call was refused; after the IP's budget of denials (100) and alice's own budget (600) they are 429s.
    expect(statuses.get(200)).toBeUndefined();
    const forbidden = statuses.get(403) ?? 0;
    expect(forbidden).toBeGreaterThanOrEqual(100);
    expect(forbidden).toBeLessThanOrEqual(100 * (1 + INSURANCE_SLACK));
    expect(Object.fromEntries(statuses)).toEqual({ 403: forbidden, 429: DENIED_BATCHES * BATCH - forbidden });

    // The earlier record is still there, and the chain holds.
    const kept = await waitForAuditRecord(gatehouse.url, adminToken, 'token.reuse_detected', (record) => record.sequence === reuse.sequence);
    expect(kept).toEqual(reuse);
    // Each denial is accounted for, in a handful of records: the first of each window, then the repeats with their count.
    const denied = await vi.waitFor(
      async () => {
        const records = await allRecords(gatehouse.url, adminToken, { type: 'authz.denied', principal });
        expect(countOf(records)).toBe(forbidden);
        return records;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(denied.length).toBeLessThan(20);
    expect(denied.some((record) => (record.count ?? 1) > 1)).toBe(true);
    const refused = await allRecords(gatehouse.url, adminToken, { type: 'ratelimit.exceeded', principal });
    expect(refused.length).toBeGreaterThan(0);
    // Two refusal keys: authz.denied:ip for the IP, authenticated for alice.
    expect(refused.length).toBeLessThanOrEqual(aggregatedRecordBound(seconds, 2));
    expect(refused.some((record) => (record.count ?? 1) > 1)).toBe(true);
    expect(new Set(refused.map((record) => record.details['policy']))).toEqual(new Set(['authz.denied:ip', 'authenticated']));
    const verify = await callProcedure(gatehouse.url, 'admin.auditLog.verify', { headers: bearer(adminToken) });
    expect(verify.body.result.data).toMatchObject({ intact: true, checkedFrom: 0, firstBreak: null });
  }, 180_000);

  it('folds an anonymous auth.register flood into a few counted ratelimit.exceeded records', async () => {
    const before = await allRecords(gatehouse.url, adminToken, { type: 'login.succeeded' });
    const calls = Array.from({ length: BATCH }, () => ({ path: 'auth.register', input: {} }));
    const { statuses, refusedRequests, seconds } = await flood(REGISTER_BATCHES, () =>
      callBatch(gatehouse.url, calls, { kind: 'mutation', headers: { 'x-forwarded-for': FLOODING_IP } }),
    );
    // auth.register allows 10 calls per hour per IP: one batch, the rest refused as whole batches.
    expect(refusedRequests).toBeGreaterThanOrEqual(REGISTER_BATCHES - 1 - INSURANCE_SLACK);
    expect(statuses.get(429)).toBe(refusedRequests * BATCH);
    const refused = await vi.waitFor(
      async () => {
        const records = (await allRecords(gatehouse.url, adminToken, { type: 'ratelimit.exceeded' })).filter((record) => record.ip === FLOODING_IP);
        // One event per refused request (its ten calls share one budget), all of them counted.
        expect(countOf(records)).toBe(refusedRequests);
        return records;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(refused.length).toBeLessThanOrEqual(aggregatedRecordBound(seconds, 1));
    expect(await allRecords(gatehouse.url, adminToken, { type: 'login.succeeded' })).toEqual(expect.arrayContaining(before));
  }, 60_000);
});
