import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '../apps/server/src/audit/audit-chain.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { listAudit } from './support/audit.js';
import { bearer, callProcedure, login } from './support/http.js';
import { sampleValue, scrape } from './support/metrics.js';
import { redisEnv } from './support/redis-env.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

interface StoredRecord {
  sequence: number;
  hash: string;
  previousHash: string;
  details: Record<string, unknown>;
  [field: string]: unknown;
}

interface World {
  readonly gatehouse: RunningGatehouse;
  readonly namespace: RedisTestNamespace;
  readonly adminToken: string;
  readonly stream: string;
  readonly head: string;
  readonly lowWater: string;
  /** Every stored entry, oldest first. */
  entries(): Promise<Array<{ id: string; record: StoredRecord }>>;
  verify(): Promise<{ intact: boolean; trimmedBefore?: number; firstBreak: { sequence: number; reason: string } | null }>;
}

const opened: World[] = [];
afterEach(async () => {
  for (const world of opened.splice(0)) {
    await world.gatehouse.close();
    await world.namespace.cleanup();
  }
});

/** A Redis-backed server with a few records written and settled: what an intruder with Redis access finds. */
async function world(options: { env?: Record<string, string>; now?: () => number } = {}): Promise<World> {
  const namespace = await createRedisTestNamespace('audit-tamper');
  const gatehouse = await startGatehouse({ env: { ...redisEnv(namespace), ...options.env }, ...(options.now === undefined ? {} : { now: options.now }) });
  const adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
  for (const user of [TEST_USERS.alice, TEST_USERS.bob, TEST_USERS.alice]) await login(gatehouse.url, user);
  const stream = `${namespace.prefix}{audit}:log`;
  // Appends follow the request; wait until all four logins are stored before touching anything.
  await vi.waitFor(async () => expect(await namespace.redis.xlen(stream)).toBe(4), { timeout: 5_000, interval: 25 });
  const created: World = {
    gatehouse,
    namespace,
    adminToken,
    stream,
    head: `${namespace.prefix}{audit}:head`,
    lowWater: `${namespace.prefix}{audit}:low-water`,
    async entries() {
      const raw = await namespace.redis.xrange(stream, '-', '+');
      return raw.map(([id, fields]) => ({ id, record: JSON.parse(fields[1] ?? '{}') as StoredRecord }));
    },
    async verify() {
      const response = await callProcedure(gatehouse.url, 'admin.auditLog.verify', { headers: bearer(adminToken) });
      expect(response.status).toBe(200);
      return response.body.result.data;
    },
  };
  opened.push(created);
  return created;
}

/** What someone without the server's key can compute: the plain SHA-256 chain of the record format, or any key of their own. */
function forgedHash(record: Omit<StoredRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');
}

describe('admin.auditLog.verify reports every cut and forgery on Redis', () => {
  it('reports the newest record deleted', async () => {
    const { namespace, stream, entries, verify } = await world();
    const newest = (await entries()).at(-1);
    await namespace.redis.xdel(stream, newest?.id ?? '');
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { sequence: 3, reason: 'head_mismatch' } });
  });

  it('reports the newest record deleted and the head set back to the record before it', async () => {
    const { namespace, stream, head, entries, verify } = await world();
    const all = await entries();
    await namespace.redis.xdel(stream, all.at(-1)?.id ?? '');
    const previous = all.at(-2)?.record;
    await namespace.redis.set(head, `${previous?.sequence}:${previous?.hash}:${forgedHash({ sequence: previous?.sequence ?? 0, previousHash: '', details: {} })}`);
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { reason: 'head_mismatch' } });
  });

  it('reports the oldest records deleted, which retention did not remove', async () => {
    const { namespace, stream, entries, verify } = await world();
    const all = await entries();
    await namespace.redis.xdel(stream, all[0]?.id ?? '', all[1]?.id ?? '');
    expect(await verify()).toMatchObject({ intact: false, trimmedBefore: 0, firstBreak: { sequence: 0, reason: 'start_missing' } });
  });

  it('reports the whole stream deleted', async () => {
    const { namespace, stream, verify } = await world();
    await namespace.redis.del(stream);
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { reason: 'head_mismatch' } });
  });

  it('reports a record edited and the chain re-computed after it, head included', async () => {
    const { namespace, stream, head, entries, verify } = await world();
    const all = await entries();
    let previousHash = all[0]?.record.hash ?? '';
    await namespace.redis.del(stream);
    for (const [index, { id, record }] of all.entries()) {
      let stored = record;
      if (index >= 1) {
        const { hash: _hash, ...rest } = record;
        const edited = { ...rest, previousHash, ...(index === 1 ? { ip: '203.0.113.66' } : {}) };
        stored = { ...edited, hash: forgedHash(edited) };
        previousHash = stored.hash;
      }
      await namespace.redis.xadd(stream, id, 'r', JSON.stringify(stored));
    }
    await namespace.redis.set(head, `3:${previousHash}:${forgedHash({ sequence: 3, previousHash, details: {} })}`);
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { sequence: 1, reason: 'hash_mismatch' } });
  });

  it('reports a forged record appended to the chain, with the head moved to it', async () => {
    const { namespace, stream, head, entries, verify } = await world();
    const newest = (await entries()).at(-1)?.record as StoredRecord;
    const { hash: _hash, ...template } = newest;
    const forged = { ...template, sequence: newest.sequence + 1, previousHash: newest.hash, type: 'user.role_changed', details: { userId: 'mallory', to: 'admin' } };
    const sealed = { ...forged, hash: forgedHash(forged) };
    await namespace.redis.xadd(stream, '*', 'r', JSON.stringify(sealed));
    await namespace.redis.set(head, `${sealed.sequence}:${sealed.hash}:${forgedHash({ sequence: sealed.sequence, previousHash: '', details: {} })}`);
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { sequence: 4, reason: 'hash_mismatch' } });
  });
});

describe('retention on Redis, told apart from a cut', () => {
  it('removes records by age, reports it (audit.trimmed and a metric), verifies intact, and still reports a later cut', async () => {
    let clock = Date.now();
    const { gatehouse, namespace, stream, entries, verify } = await world({ env: { GATEHOUSE_AUDIT_LOG_RETENTION: '600' }, now: () => clock });
    clock += 700_000;
    const adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
    await gatehouse.server.deps.trimAuditLog();
    const trimmed = await vi.waitFor(
      async () => {
        const page = await listAudit(gatehouse.url, adminToken, { type: 'audit.trimmed' });
        expect(page.items).toHaveLength(1);
        return page.items[0];
      },
      { timeout: 5_000, interval: 25 },
    );
    expect(trimmed?.details).toEqual({ reason: 'retention', removed: 4, trimmedBefore: 4 });
    expect(sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_audit_records_trimmed_total', { reason: 'retention' })).toBe(4);
    expect(await verify()).toMatchObject({ intact: true, trimmedBefore: 4, checkedFrom: 4, firstBreak: null });

    const oldest = (await entries())[0];
    await namespace.redis.xdel(stream, oldest?.id ?? '');
    expect(await verify()).toMatchObject({ intact: false, trimmedBefore: 4, firstBreak: { sequence: 4, reason: 'start_missing' } });
  });

  it('reports a low-water mark moved by hand to pass a cut off as retention', async () => {
    const { namespace, stream, lowWater, entries, verify } = await world();
    const all = await entries();
    await namespace.redis.xdel(stream, all[0]?.id ?? '', all[1]?.id ?? '');
    const first = all[1]?.record;
    await namespace.redis.set(lowWater, `2:${first?.hash}:${forgedHash({ sequence: 2, previousHash: '', details: {} })}`);
    expect(await verify()).toMatchObject({ intact: false, firstBreak: { reason: 'low_water_mismatch' } });
  });
});

describe('one chain written by two servers on Redis', () => {
  it('verifies intact from either server when they share GATEHOUSE_AUDIT_HMAC_KEY', async () => {
    const namespace = await createRedisTestNamespace('audit-shared');
    const servers = await Promise.all([startGatehouse({ env: redisEnv(namespace) }), startGatehouse({ env: redisEnv(namespace) })]);
    try {
      const [first, second] = servers as [RunningGatehouse, RunningGatehouse];
      for (let index = 0; index < 6; index += 1) await login((index % 2 === 0 ? first : second).url, TEST_USERS.alice);
      // Each server signs with its own ephemeral key: each admin token is good on its own server only.
      const adminTokens = [];
      for (const server of servers) adminTokens.push((await login(server.url, TEST_USERS.admin)).accessToken);
      await vi.waitFor(async () => expect(await namespace.redis.xlen(`${namespace.prefix}{audit}:log`)).toBe(8), { timeout: 5_000, interval: 25 });
      for (const [index, server] of servers.entries()) {
        const response = await callProcedure(server.url, 'admin.auditLog.verify', { headers: bearer(adminTokens[index] ?? '') });
        expect(response.body.result.data).toEqual({ intact: true, checked: 8, checkedFrom: 0, trimmedBefore: 0, firstBreak: null });
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await namespace.cleanup();
    }
  });
});
