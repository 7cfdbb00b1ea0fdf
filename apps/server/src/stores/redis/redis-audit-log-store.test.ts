import type { AuditRecord } from '@gatehouse/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, describeAuditLogStore } from '../audit-log-store.suite.js';
import { createRedisAuditLogStore } from './redis-audit-log-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from './redis-test-namespace.js';

let namespace: RedisTestNamespace;
let fixtures = 0;
beforeAll(async () => {
  namespace = await createRedisTestNamespace('audit-log');
});
afterAll(() => namespace.cleanup());

async function entryIdOf(stream: string, sequence: number): Promise<string> {
  const entries = await namespace.redis.xrange(stream, '-', '+');
  const entry = entries.find(([, fields]) => (JSON.parse(fields[1] ?? '{}') as AuditRecord).sequence === sequence);
  if (entry === undefined) throw new Error(`no record ${sequence}`);
  return entry[0];
}

describeAuditLogStore(
  'redis',
  async ({ maxRecords }) => {
    fixtures += 1;
    const keyPrefix = `${namespace.prefix}f${fixtures}:`;
    const stream = `${keyPrefix}audit:log`;
    const redis = new Redis(namespace.url, { maxRetriesPerRequest: 1 });
    const store = createRedisAuditLogStore({ redis, keyPrefix, ...(maxRecords === undefined ? {} : { maxRecords }) });
    return {
      store,
      async tamper(sequence, edit) {
        // Stream entries cannot be edited in place: rewrite the stream with the same ids, one entry changed.
        const entries = await namespace.redis.xrange(stream, '-', '+');
        const copy = `${stream}:rewrite`;
        for (const [id, fields] of entries) {
          const record = JSON.parse(fields[1] ?? '{}') as AuditRecord;
          const stored = record.sequence === sequence ? edit(record) : record;
          await namespace.redis.xadd(copy, id, 'r', JSON.stringify(stored));
        }
        await namespace.redis.rename(copy, stream);
      },
      async remove(sequence) {
        await namespace.redis.xdel(stream, await entryIdOf(stream, sequence));
      },
      storedCount: () => namespace.redis.xlen(stream),
      async close() {
        await redis.quit();
      },
    };
  },
  // MAXLEN ~ trims whole stream nodes (stream-node-max-entries, 100 by default).
  { boundSlack: 100 },
);

describe('AuditLogStore: redis across processes', () => {
  it('two writers with their own connections never link two records to the same predecessor', async () => {
    const keyPrefix = `${namespace.prefix}shared:`;
    const connections = [new Redis(namespace.url), new Redis(namespace.url)];
    const [first, second] = connections.map((redis) => createRedisAuditLogStore({ redis, keyPrefix }));
    if (first === undefined || second === undefined) throw new Error('two stores expected');
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? first : second).append(auditEvent('login.failed', `user:w${index}`))),
    );
    expect(await first.verify()).toMatchObject({ intact: true, checked: 30 });
    const all = await second.list({}, { cursor: undefined, limit: 100 });
    expect(all.items.map((record) => record.sequence)).toEqual(Array.from({ length: 30 }, (_, index) => 29 - index));
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('rejects appends while Redis is unreachable, so the emitter can log and count the failure', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {}); // expected: nothing listens there
    const store = createRedisAuditLogStore({ redis, keyPrefix: `${namespace.prefix}down:` });
    await expect(store.append(auditEvent('login.failed'))).rejects.toBeInstanceOf(Error);
    redis.disconnect();
  });
});
