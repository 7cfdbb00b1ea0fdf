import { randomBytes } from 'node:crypto';
import type { AuditRecord } from '@gatehouse/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditChain, GENESIS_HASH, type AuditChain } from '../src/audit/audit-chain.js';
import type { SecurityEvent, SecurityEventType } from '../src/audit/security-events.js';
import type { AuditLogStore } from '../src/stores/audit-log-store.js';
import { InvalidCursorError } from '../src/stores/page.js';

/** One audit log under test, with a way to change what it stores behind its back, as an intruder with store access would. */
export interface AuditLogFixture {
  readonly store: AuditLogStore;
  /** Replaces the stored record at `sequence` with `edit(record)`, bypassing the store. */
  tamper(sequence: number, edit: (record: AuditRecord) => AuditRecord): Promise<void>;
  /** Deletes the stored record at `sequence`, bypassing the store. */
  remove(sequence: number): Promise<void>;
  /** Deletes every stored record, bypassing the store. */
  removeAll(): Promise<void>;
  /** Puts a record after the newest, bypassing the store. */
  appendRaw(record: AuditRecord): Promise<void>;
  /** How many records the storage holds right now. */
  storedCount(): Promise<number>;
  close(): Promise<void>;
}

let requestCounter = 0;

export function auditEvent(type: SecurityEventType, principal?: string, details: SecurityEvent['details'] = {}, time = new Date()): SecurityEvent {
  requestCounter += 1;
  return { time: time.toISOString(), type, ip: '203.0.113.7', requestId: `req-${requestCounter}`, principal, details };
}

/** Whoever edits the store without the server's key can only hash with a key of their own. */
function forgerChain(): AuditChain {
  return createAuditChain(randomBytes(32));
}

/** The behaviour every AuditLogStore implementation shares, run against memory and Redis alike. */
export function describeAuditLogStore(name: string, create: (options: { chain: AuditChain }) => Promise<AuditLogFixture>): void {
  describe(`AuditLogStore: ${name}`, () => {
    const open: AuditLogFixture[] = [];
    const chain = createAuditChain(randomBytes(32));
    const fixture = async () => {
      const created = await create({ chain });
      open.push(created);
      return created;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((created) => created.close()));
    });

    async function appendMany(store: AuditLogStore, count: number, time?: (index: number) => Date): Promise<AuditRecord[]> {
      const records: AuditRecord[] = [];
      for (let index = 0; index < count; index += 1) {
        const type = index % 2 === 0 ? 'login.failed' : 'login.succeeded';
        records.push(await store.append(auditEvent(type, `user:u${index % 3}`, { n: index }, time?.(index))));
      }
      return records;
    }

    it('links each record to the keyed hash of the one before, starting from the genesis hash', async () => {
      const { store } = await fixture();
      const records = await appendMany(store, 4);
      expect(records.map((record) => record.sequence)).toEqual([0, 1, 2, 3]);
      expect(records[0]?.previousHash).toBe(GENESIS_HASH);
      for (let index = 1; index < records.length; index += 1) {
        expect(records[index]?.previousHash).toBe(records[index - 1]?.hash);
      }
      for (const record of records) expect(record.hash).toBe(chain.hash(record));
      expect(await store.verify()).toEqual({ intact: true, checked: 4, checkedFrom: 0, trimmedBefore: 0, firstBreak: null });
    });

    it('verifies an empty log as intact', async () => {
      const { store } = await fixture();
      expect(await store.verify()).toEqual({ intact: true, checked: 0, checkedFrom: null, trimmedBefore: 0, firstBreak: null });
    });

    it('keeps what the event said: type, ip, principal, request id, details and an aggregate count', async () => {
      const { store } = await fixture();
      const event = auditEvent('user.role_changed', 'user:admin-1', { userId: 'u-2', from: 'user', to: 'admin', scopes: ['admin'] });
      await store.append(event);
      const counted = { ...auditEvent('authz.denied', 'user:u-9', { path: 'admin.users.list' }), count: 40, lastTime: new Date().toISOString() };
      await store.append(counted);
      const page = await store.list({}, { cursor: undefined, limit: 10 });
      expect(page.items[1]).toMatchObject({ ...event, principal: 'user:admin-1' });
      expect(page.items[0]).toMatchObject({ count: 40, lastTime: counted.lastTime });
      expect(await store.verify()).toMatchObject({ intact: true, checked: 2 });
    });

    it('pages newest first with an opaque cursor', async () => {
      const { store } = await fixture();
      await appendMany(store, 5);
      const first = await store.list({}, { cursor: undefined, limit: 2 });
      expect(first.items.map((record) => record.sequence)).toEqual([4, 3]);
      const second = await store.list({}, { cursor: first.nextCursor ?? undefined, limit: 2 });
      expect(second.items.map((record) => record.sequence)).toEqual([2, 1]);
      const third = await store.list({}, { cursor: second.nextCursor ?? undefined, limit: 2 });
      expect(third.items.map((record) => record.sequence)).toEqual([0]);
      expect(third.nextCursor).toBeNull();
    });

    it('filters by type and by principal, together or apart, across pages', async () => {
      const { store } = await fixture();
      await appendMany(store, 12);
      const failed = await store.list({ type: 'login.failed' }, { cursor: undefined, limit: 100 });
      expect(failed.items.map((record) => record.sequence)).toEqual([10, 8, 6, 4, 2, 0]);
      const byU1 = await store.list({ principal: 'user:u1' }, { cursor: undefined, limit: 100 });
      expect(byU1.items.map((record) => record.sequence)).toEqual([10, 7, 4, 1]);
      const both = await store.list({ type: 'login.failed', principal: 'user:u1' }, { cursor: undefined, limit: 1 });
      expect(both.items.map((record) => record.sequence)).toEqual([10]);
      const next = await store.list({ type: 'login.failed', principal: 'user:u1' }, { cursor: both.nextCursor ?? undefined, limit: 5 });
      expect(next.items.map((record) => record.sequence)).toEqual([4]);
      expect(next.nextCursor).toBeNull();
    });

    it('refuses a cursor it did not issue', async () => {
      const { store } = await fixture();
      await expect(store.list({}, { cursor: 'bm90LWEtY3Vyc29y', limit: 5 })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('keeps every record however many are written: nothing is trimmed by volume', async () => {
      const { store, storedCount } = await fixture();
      await appendMany(store, 350);
      expect(await storedCount()).toBe(350);
      expect(await store.verify()).toMatchObject({ intact: true, checked: 350, checkedFrom: 0 });
    });

    it('detects a record edited in storage, naming it as the first break', async () => {
      const { store, tamper } = await fixture();
      await appendMany(store, 5);
      await tamper(2, (record) => ({ ...record, ip: '198.51.100.1' }));
      expect(await store.verify()).toEqual({ intact: false, checked: 3, checkedFrom: 0, trimmedBefore: 0, firstBreak: { sequence: 2, reason: 'hash_mismatch' } });
    });

    it('detects an edit re-chained without the key: every rehashed record is a forgery', async () => {
      const { store, tamper } = await fixture();
      await appendMany(store, 5);
      const forger = forgerChain();
      let previousHash = '';
      for (const sequence of [2, 3, 4]) {
        await tamper(sequence, (record) => {
          const edited = { ...record, details: sequence === 2 ? { n: 999 } : record.details, previousHash: sequence === 2 ? record.previousHash : previousHash };
          previousHash = forger.hash(edited);
          return { ...edited, hash: previousHash };
        });
      }
      expect((await store.verify()).firstBreak).toEqual({ sequence: 2, reason: 'hash_mismatch' });
    });

    it('detects a forged record appended after the newest, chained to it without the key', async () => {
      const { store, appendRaw } = await fixture();
      const records = await appendMany(store, 3);
      const newest = records.at(-1) as AuditRecord;
      await appendRaw(forgerChain().seal(auditEvent('login.succeeded', 'user:mallory'), newest.sequence + 1, newest.hash));
      expect((await store.verify()).firstBreak).toEqual({ sequence: 3, reason: 'hash_mismatch' });
    });

    it('detects a deleted record in the middle', async () => {
      const { store, remove } = await fixture();
      await appendMany(store, 5);
      await remove(3);
      expect((await store.verify()).firstBreak).toEqual({ sequence: 4, reason: 'sequence_gap' });
    });

    it('detects the newest record deleted: the tail is not the head', async () => {
      const { store, remove } = await fixture();
      await appendMany(store, 5);
      await remove(4);
      expect(await store.verify()).toMatchObject({ intact: false, checked: 4, firstBreak: { sequence: 4, reason: 'head_mismatch' } });
    });

    it('detects the oldest records deleted: a cut at the start is not retention', async () => {
      const { store, remove } = await fixture();
      await appendMany(store, 5);
      await remove(0);
      await remove(1);
      expect((await store.verify()).firstBreak).toEqual({ sequence: 0, reason: 'start_missing' });
    });

    it('detects every record deleted', async () => {
      const { store, removeAll } = await fixture();
      await appendMany(store, 5);
      await removeAll();
      expect(await store.verify()).toMatchObject({ intact: false, checked: 0, firstBreak: { reason: 'head_mismatch' } });
    });

    it('never forks the chain under concurrent appends', async () => {
      const { store } = await fixture();
      const records = await Promise.all(Array.from({ length: 40 }, (_, index) => store.append(auditEvent('authz.denied', `user:c${index}`))));
      expect(new Set(records.map((record) => record.sequence)).size).toBe(40);
      expect(await store.verify()).toMatchObject({ intact: true, checked: 40 });
    });

    describe('retention by age', () => {
      const hourAgo = (index: number) => new Date(Date.now() - 3_600_000 + index);

      it('removes only records older than the cutoff and verifies what is left from the low-water mark', async () => {
        const { store, storedCount } = await fixture();
        await appendMany(store, 6, hourAgo);
        await appendMany(store, 4);
        expect(await store.trimBefore(new Date(Date.now() - 60_000))).toEqual({ removed: 6, trimmedBefore: 6 });
        expect(await storedCount()).toBe(4);
        expect(await store.verify()).toEqual({ intact: true, checked: 4, checkedFrom: 6, trimmedBefore: 6, firstBreak: null });
        const appended = await store.append(auditEvent('login.failed'));
        expect(appended.sequence).toBe(10);
        expect(await store.verify()).toMatchObject({ intact: true, checked: 5 });
      });

      it('still tells a cut from retention after a trim', async () => {
        const { store, remove } = await fixture();
        await appendMany(store, 3, hourAgo);
        await appendMany(store, 3);
        await store.trimBefore(new Date(Date.now() - 60_000));
        await remove(3);
        expect((await store.verify()).firstBreak).toEqual({ sequence: 3, reason: 'start_missing' });
      });

      it('verifies a log that retention emptied, and keeps the chain going after it', async () => {
        const { store } = await fixture();
        await appendMany(store, 3, hourAgo);
        expect(await store.trimBefore(new Date())).toEqual({ removed: 3, trimmedBefore: 3 });
        expect(await store.verify()).toEqual({ intact: true, checked: 0, checkedFrom: null, trimmedBefore: 3, firstBreak: null });
        await store.append(auditEvent('login.failed'));
        expect(await store.verify()).toMatchObject({ intact: true, checked: 1, checkedFrom: 3 });
      });

      it('never removes an edited record or what follows it: the evidence stays', async () => {
        const { store, tamper } = await fixture();
        await appendMany(store, 5, hourAgo);
        await tamper(2, (record) => ({ ...record, ip: '198.51.100.1' }));
        expect(await store.trimBefore(new Date())).toEqual({ removed: 2, trimmedBefore: 2 });
        expect((await store.verify()).firstBreak).toEqual({ sequence: 2, reason: 'hash_mismatch' });
      });
    });
  });
}
