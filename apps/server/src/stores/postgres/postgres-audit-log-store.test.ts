import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuditChain } from '../../audit/audit-chain.js';
import { auditEvent, describeAuditLogStore } from '../../../test-support/audit-log-store-behaviour.js';
import { AuditChainHeadError } from '../audit-log-store.js';
import { createPostgresAuditLogStore } from './postgres-audit-log-store.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';

// One append is one commit round trip to PostgreSQL (Redis: one script call); the suite's 350-record test
// took 3.5-5 s on a two-core host at load 40 for both stores. More time, the same assertions.
vi.setConfig({ testTimeout: 20_000 });

let fixture: PostgresStoreFixture;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('audit-log-store');
});
afterAll(() => fixture?.close());

describeAuditLogStore('postgres', async ({ chain }) => {
  await fixture.empty();
  const { admin } = fixture.schema;
  return {
    store: createPostgresAuditLogStore({ db: fixture.database.db, chain }),
    async tamper(sequence, edit) {
      const { rows } = await admin.query('SELECT record FROM audit_log WHERE sequence = $1', [sequence]);
      await admin.query('UPDATE audit_log SET record = $2 WHERE sequence = $1', [sequence, JSON.stringify(edit(rows[0].record))]);
    },
    async remove(sequence) {
      await admin.query('DELETE FROM audit_log WHERE sequence = $1', [sequence]);
    },
    async removeAll() {
      await admin.query('DELETE FROM audit_log');
    },
    async appendRaw(record) {
      await admin.query('INSERT INTO audit_log (sequence, recorded_at, record) VALUES ($1, $2, $3)', [record.sequence, record.time, JSON.stringify(record)]);
    },
    async storedCount() {
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM audit_log');
      return rows[0].n as number;
    },
    close: async () => {},
  };
});

describe('PostgreSQL audit log store', () => {
  it('keeps the chain across a restart: a new process links to the stored head and verifies what the old one wrote', async () => {
    await fixture.empty();
    const chain = createAuditChain(randomBytes(32));
    const before = createPostgresAuditLogStore({ db: fixture.database.db, chain });
    for (let index = 0; index < 3; index += 1) await before.append(auditEvent('login.failed', 'user:restart'));
    const after = createPostgresAuditLogStore({ db: fixture.database.db, chain });
    expect((await after.append(auditEvent('login.succeeded', 'user:restart'))).sequence).toBe(3);
    expect(await after.verify()).toEqual({ intact: true, checked: 4, checkedFrom: 0, trimmedBefore: 0, firstBreak: null });
  });

  it('never forks the chain when two processes append at once', async () => {
    await fixture.empty();
    const chain = createAuditChain(randomBytes(32));
    const processes = [0, 1].map(() => createPostgresAuditLogStore({ db: fixture.database.db, chain }));
    const records = await Promise.all(Array.from({ length: 30 }, (_, index) => processes[index % 2]!.append(auditEvent('authz.denied', `user:p${index}`))));
    expect(new Set(records.map((record) => record.sequence)).size).toBe(30);
    expect(await processes[0]!.verify()).toMatchObject({ intact: true, checked: 30 });
  });

  it('records every retention run with what it removed', async () => {
    await fixture.empty();
    const store = createPostgresAuditLogStore({ db: fixture.database.db, chain: createAuditChain(randomBytes(32)), now: () => new Date('2030-01-01T00:00:00.000Z') });
    const old = new Date(Date.now() - 3_600_000);
    for (let index = 0; index < 4; index += 1) await store.append(auditEvent('login.failed', undefined, {}, old));
    await store.append(auditEvent('login.failed'));
    const cutoff = new Date(Date.now() - 60_000);
    expect(await store.trimBefore(cutoff)).toEqual({ removed: 4, trimmedBefore: 4 });
    expect(await store.trimBefore(cutoff)).toEqual({ removed: 0, trimmedBefore: 4 });
    const { rows } = await fixture.schema.admin.query('SELECT ran_at, cutoff, removed, first_sequence, last_sequence, trimmed_before FROM audit_retention_runs');
    expect(rows).toEqual([{ ran_at: new Date('2030-01-01T00:00:00.000Z'), cutoff, removed: 4, first_sequence: '0', last_sequence: '3', trimmed_before: '4' }]);
  });

  it('refuses to append after the head was deleted, instead of starting a new chain over the old records', async () => {
    await fixture.empty();
    const chain = createAuditChain(randomBytes(32));
    await createPostgresAuditLogStore({ db: fixture.database.db, chain }).append(auditEvent('login.failed'));
    await fixture.schema.admin.query(`DELETE FROM audit_chain_marks WHERE name = 'head'`);
    await expect(createPostgresAuditLogStore({ db: fixture.database.db, chain }).append(auditEvent('login.failed'))).rejects.toBeInstanceOf(AuditChainHeadError);
  });

  it('filters and verifies with index scans, not by reading the whole table', async () => {
    // The table is small here, so the planner is told what a large one would make it choose anyway.
    const plan = async (query: string) => {
      await fixture.schema.admin.query('SET enable_seqscan = off');
      try {
        return JSON.stringify((await fixture.schema.admin.query(`EXPLAIN (FORMAT JSON) ${query}`)).rows);
      } finally {
        await fixture.schema.admin.query('RESET enable_seqscan');
      }
    };
    expect(await plan(`SELECT record FROM audit_log WHERE type = 'login.failed' AND sequence < 100 ORDER BY sequence DESC LIMIT 21`)).toContain('audit_log_type_idx');
    expect(await plan(`SELECT record FROM audit_log WHERE principal = 'user:x' ORDER BY sequence DESC LIMIT 21`)).toContain('audit_log_principal_idx');
    expect(await plan(`SELECT sequence, record FROM audit_log WHERE sequence >= 500 ORDER BY sequence LIMIT 500`)).toContain('audit_log_pkey');
  });
});
