import type { AuditRecord } from '@gatehouse/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashRecord } from '../audit/audit-chain.js';
import type { SecurityEvent, SecurityEventType } from '../audit/security-events.js';
import type { AuditLogStore } from './audit-log-store.js';
import { InvalidCursorError } from './page.js';

/** One audit log under test, with a way to change what it stores behind its back, as an intruder with store access would. */
export interface AuditLogFixture {
  readonly store: AuditLogStore;
  /** Replaces the stored record at `sequence` with `edit(record)`, bypassing the store. */
  tamper(sequence: number, edit: (record: AuditRecord) => AuditRecord): Promise<void>;
  /** Deletes the stored record at `sequence`, bypassing the store. */
  remove(sequence: number): Promise<void>;
  /** How many records the storage holds right now. */
  storedCount(): Promise<number>;
  close(): Promise<void>;
}

export interface AuditLogSuiteOptions {
  /** How far over maxRecords a bounded log may run (Redis trims whole stream nodes with MAXLEN ~). */
  readonly boundSlack: number;
}

let requestCounter = 0;

export function auditEvent(type: SecurityEventType, principal?: string, details: SecurityEvent['details'] = {}): SecurityEvent {
  requestCounter += 1;
  return { time: new Date().toISOString(), type, ip: '203.0.113.7', requestId: `req-${requestCounter}`, principal, details };
}

/** The behaviour every AuditLogStore implementation shares, run against memory and Redis alike. */
export function describeAuditLogStore(
  name: string,
  create: (options: { maxRecords?: number }) => Promise<AuditLogFixture>,
  suiteOptions: AuditLogSuiteOptions,
): void {
  describe(`AuditLogStore: ${name}`, () => {
    const open: AuditLogFixture[] = [];
    const fixture = async (options: { maxRecords?: number } = {}) => {
      const created = await create(options);
      open.push(created);
      return created;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((created) => created.close()));
    });

    async function appendMany(store: AuditLogStore, count: number): Promise<AuditRecord[]> {
      const records: AuditRecord[] = [];
      for (let index = 0; index < count; index += 1) {
        records.push(await store.append(auditEvent(index % 2 === 0 ? 'login.failed' : 'login.succeeded', `user:u${index % 3}`, { n: index })));
      }
      return records;
    }

    it('links each record to the hash of the one before, starting from the genesis hash', async () => {
      const { store } = await fixture();
      const records = await appendMany(store, 4);
      expect(records.map((record) => record.sequence)).toEqual([0, 1, 2, 3]);
      expect(records[0]?.previousHash).toBe(GENESIS_HASH);
      for (let index = 1; index < records.length; index += 1) {
        expect(records[index]?.previousHash).toBe(records[index - 1]?.hash);
      }
      for (const record of records) expect(record.hash).toBe(hashRecord(record));
      expect(await store.verify()).toEqual({ intact: true, checked: 4, checkedFrom: 0, firstBreak: null });
    });

    it('keeps what the event said: type, ip, principal, request id and details', async () => {
      const { store } = await fixture();
      const event = auditEvent('user.role_changed', 'user:admin-1', { userId: 'u-2', from: 'user', to: 'admin', scopes: ['admin'] });
      await store.append(event);
      const page = await store.list({}, { cursor: undefined, limit: 10 });
      expect(page.items[0]).toMatchObject({ ...event, principal: 'user:admin-1' });
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

    it('detects a record edited in storage, naming it as the first break', async () => {
      const { store, tamper } = await fixture();
      await appendMany(store, 5);
      await tamper(2, (record) => ({ ...record, ip: '198.51.100.1' }));
      expect(await store.verify()).toEqual({ intact: false, checked: 3, checkedFrom: 0, firstBreak: { sequence: 2, reason: 'hash_mismatch' } });
    });

    it('detects an edit whose author also recomputed its hash: the next record no longer links', async () => {
      const { store, tamper } = await fixture();
      await appendMany(store, 5);
      await tamper(2, (record) => {
        const edited = { ...record, details: { n: 999 } };
        return { ...edited, hash: hashRecord(edited) };
      });
      const result = await store.verify();
      expect(result.firstBreak).toEqual({ sequence: 3, reason: 'previous_hash_mismatch' });
    });

    it('detects a deleted record', async () => {
      const { store, remove } = await fixture();
      await appendMany(store, 5);
      await remove(3);
      const result = await store.verify();
      expect(result.intact).toBe(false);
      expect(result.firstBreak).toEqual({ sequence: 4, reason: 'sequence_gap' });
    });

    it('never forks the chain under concurrent appends', async () => {
      const { store } = await fixture();
      const records = await Promise.all(Array.from({ length: 40 }, (_, index) => store.append(auditEvent('authz.denied', `user:c${index}`))));
      expect(new Set(records.map((record) => record.sequence)).size).toBe(40);
      expect(await store.verify()).toMatchObject({ intact: true, checked: 40 });
    });

    it('stays bounded, dropping the oldest records, and still verifies what it keeps', async () => {
      const { store, storedCount } = await fixture({ maxRecords: 100 });
      await appendMany(store, 350);
      const count = await storedCount();
      expect(count).toBeGreaterThanOrEqual(100);
      expect(count).toBeLessThanOrEqual(100 + suiteOptions.boundSlack);
      const result = await store.verify();
      expect(result).toMatchObject({ intact: true, checked: count, checkedFrom: 350 - count });
      const newest = await store.list({}, { cursor: undefined, limit: 1 });
      expect(newest.items[0]?.sequence).toBe(349);
    });
  });
}
