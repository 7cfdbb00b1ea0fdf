import { randomBytes } from 'node:crypto';
import type { AuditRecord } from '@gatehouse/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditChain } from '../../audit/audit-chain.js';
import { auditEvent, describeAuditLogStore } from '../../../test-support/audit-log-store-behaviour.js';
import { AuditChainHeadError } from '../audit-log-store.js';
import { createRedisAuditLogStore } from './redis-audit-log-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../../test-support/redis-test-namespace.js';

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

function nextPrefix(): string {
  fixtures += 1;
  return `${namespace.prefix}f${fixtures}:`;
}

describeAuditLogStore('redis', async ({ chain }) => {
  const keyPrefix = nextPrefix();
  const stream = `${keyPrefix}{audit}:log`;
  const redis = namespace.connect();
  const store = createRedisAuditLogStore({ redis, keyPrefix, chain });
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
    async removeAll() {
      await namespace.redis.del(stream);
    },
    async appendRaw(record) {
      await namespace.redis.xadd(stream, '*', 'r', JSON.stringify(record));
    },
    storedCount: () => namespace.redis.xlen(stream),
    async close() {
      await redis.quit();
    },
  };
});

describe('AuditLogStore: redis, its head and low-water mark', () => {
  const chain = createAuditChain(randomBytes(32));

  async function storeWithRecords(count: number, time?: Date) {
    const keyPrefix = nextPrefix();
    const redis = namespace.connect();
    const store = createRedisAuditLogStore({ redis, keyPrefix, chain });
    for (let index = 0; index < count; index += 1) await store.append(auditEvent('login.failed', undefined, { n: index }, time));
    return { store, keyPrefix, close: () => redis.quit() };
  }

  it('detects the newest record deleted and the head set back to the one before, without the key', async () => {
    const { store, keyPrefix, close } = await storeWithRecords(4);
    const stream = `${keyPrefix}{audit}:log`;
    const newest = await entryIdOf(stream, 3);
    const previous = JSON.parse((await namespace.redis.xrange(stream, '-', '+'))[2]?.[1][1] ?? '{}') as AuditRecord;
    await namespace.redis.xdel(stream, newest);
    // The forger knows the format, not the key: any MAC they write is wrong.
    await namespace.redis.set(`${keyPrefix}{audit}:head`, `2:${previous.hash}:${'0'.repeat(64)}`);
    expect(await store.verify()).toMatchObject({ intact: false, firstBreak: { reason: 'head_mismatch' } });
    await close();
  });

  it('detects a head rewound to an older genuine value while the server runs', async () => {
    const { store, keyPrefix, close } = await storeWithRecords(3);
    const headKey = `${keyPrefix}{audit}:head`;
    const oldHead = await namespace.redis.get(headKey);
    await store.append(auditEvent('login.failed'));
    await namespace.redis.xdel(`${keyPrefix}{audit}:log`, await entryIdOf(`${keyPrefix}{audit}:log`, 3));
    await namespace.redis.set(headKey, oldHead ?? '');
    expect(await store.verify()).toMatchObject({ intact: false, firstBreak: { sequence: 3, reason: 'head_mismatch' } });
    await expect(store.append(auditEvent('login.failed'))).rejects.toBeInstanceOf(AuditChainHeadError);
    await close();
  });

  it('detects the whole log deleted, head and marks included, while the server runs', async () => {
    const { store, keyPrefix, close } = await storeWithRecords(3);
    await namespace.redis.del(`${keyPrefix}{audit}:log`, `${keyPrefix}{audit}:head`, `${keyPrefix}{audit}:low-water`);
    expect(await store.verify()).toMatchObject({ intact: false, firstBreak: { reason: 'head_mismatch' } });
    await close();
  });

  it('detects a low-water mark moved forward without the key to hide a cut', async () => {
    const { store, keyPrefix, close } = await storeWithRecords(4);
    const stream = `${keyPrefix}{audit}:log`;
    const second = JSON.parse((await namespace.redis.xrange(stream, '-', '+'))[1]?.[1][1] ?? '{}') as AuditRecord;
    await namespace.redis.xdel(stream, await entryIdOf(stream, 0), await entryIdOf(stream, 1));
    await namespace.redis.set(`${keyPrefix}{audit}:low-water`, `2:${second.hash}:${'f'.repeat(64)}`);
    expect(await store.verify()).toMatchObject({ intact: false, firstBreak: { reason: 'low_water_mismatch' } });
    await close();
  });

  it('refuses to append after its head was deleted, instead of starting a new chain that hides the cut', async () => {
    const { store, keyPrefix, close } = await storeWithRecords(2);
    await namespace.redis.del(`${keyPrefix}{audit}:head`);
    await expect(store.append(auditEvent('login.failed'))).rejects.toBeInstanceOf(AuditChainHeadError);
    await close();
  });
});

describe('AuditLogStore: redis across processes', () => {
  const chain = createAuditChain(randomBytes(32));

  it('two writers with their own connections never link two records to the same predecessor', async () => {
    const keyPrefix = `${namespace.prefix}shared:`;
    const connections = [namespace.connect(), namespace.connect()];
    const [first, second] = connections.map((redis) => createRedisAuditLogStore({ redis, keyPrefix, chain }));
    if (first === undefined || second === undefined) throw new Error('two stores expected');
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? first : second).append(auditEvent('login.failed', `user:w${index}`))),
    );
    expect(await first.verify()).toMatchObject({ intact: true, checked: 30 });
    const all = await second.list({}, { cursor: undefined, limit: 100 });
    expect(all.items.map((record) => record.sequence)).toEqual(Array.from({ length: 30 }, (_, index) => 29 - index));
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('lets one of two processes trim a range: the low-water mark moves once', async () => {
    const keyPrefix = `${namespace.prefix}trim-race:`;
    const connections = [namespace.connect(), namespace.connect()];
    const [first, second] = connections.map((redis) => createRedisAuditLogStore({ redis, keyPrefix, chain }));
    if (first === undefined || second === undefined) throw new Error('two stores expected');
    const old = new Date(Date.now() - 3_600_000);
    for (let index = 0; index < 5; index += 1) await first.append(auditEvent('login.failed', undefined, { n: index }, old));
    await first.append(auditEvent('login.failed'));
    const trims = await Promise.all([first.trimBefore(new Date(Date.now() - 60_000)), second.trimBefore(new Date(Date.now() - 60_000))]);
    expect(trims.map((trim) => trim.removed).sort()).toEqual([0, 5]);
    expect(await second.verify()).toEqual({ intact: true, checked: 1, checkedFrom: 5, trimmedBefore: 5, firstBreak: null });
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('rejects appends while Redis is unreachable, so the emitter can log and count the failure', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {}); // expected: nothing listens there
    const store = createRedisAuditLogStore({ redis, keyPrefix: `${namespace.prefix}down:`, chain });
    await expect(store.append(auditEvent('login.failed'))).rejects.toBeInstanceOf(Error);
    redis.disconnect();
  });
});
