import { auditRecordSchema, type AuditChainVerification, type AuditRecord } from '@gatehouse/contracts';
import { sql, type Kysely, type Transaction } from 'kysely';
import { createChainVerifier, EMPTY_HEAD, NOTHING_TRIMMED, type AuditChain, type ChainHead, type LowWaterMark } from '../../audit/audit-chain.js';
import { AuditChainHeadError, type AuditLogStore, type AuditTrim } from '../audit-log-store.js';
import { decodeSequenceCursor, encodeSequenceCursor } from '../page.js';
import type { GatehouseDatabase } from './postgres-schema.js';
import { runOnPostgres, sqlState } from './postgres-unavailable.js';

export interface PostgresAuditLogStoreOptions {
  readonly db: Kysely<GatehouseDatabase>;
  /** Keeps the database open until an append on its way is written (PostgresDatabase.track). */
  readonly track?: <T>(work: Promise<T>) => Promise<T>;
  readonly chain: AuditChain;
  /** When a retention run happened (recorded beside what it removed). */
  readonly now?: () => Date;
}

/** Enough for a burst of writers from many processes; past it something is badly wrong. */
const MAX_APPEND_ATTEMPTS = 20;

export class AuditAppendConflictError extends Error {
  constructor() {
    super(`The audit log head kept moving: gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
    this.name = 'AuditAppendConflictError';
  }
}
/** Records read per round trip when verifying or trimming: keyset pages over the primary key. */
const SCAN_CHUNK = 500;
/** The most one retention run removes; the job runs again within a minute and takes the next part. */
const MAX_TRIM_PER_RUN = 20_000;

type Db = Kysely<GatehouseDatabase> | Transaction<GatehouseDatabase>;

/**
 * The audit log in PostgreSQL: an append-only table of sealed records keyed by sequence, with the sealed
 * head and low-water mark in audit_chain_marks, the same keyed chain as the memory and Redis stores.
 * - append: one compare-and-append statement against the head this process last saw; the primary key
 *   on sequence makes a fork impossible whatever happens to the head.
 * - verify: one REPEATABLE READ snapshot, so marks and records are read as of one instant (a trim or an
 *   append in between cannot look like a cut), scanned in keyset pages over the primary key.
 * - trimBefore: one transaction that removes the expired, verified prefix, moves the low-water mark past
 *   it and records the run in audit_retention_runs. Nothing is removed for volume, ever.
 */
export function createPostgresAuditLogStore(options: PostgresAuditLogStoreOptions): AuditLogStore {
  const { db, chain } = options;
  const now = options.now ?? (() => new Date());
  // A head below what this process has seen was rewound: refused on append, a break on verify.
  let highestKnown = -1;
  // The head this process last wrote or read: usually still the head, so an append is one statement.
  let knownHead: string | undefined;
  // Appends from this process go one at a time: they would only contend with each other.
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * The stored head, read in one statement with what tells a new log from one whose head was deleted: no
   * head is a new log unless records or a low-water mark say otherwise.
   */
  async function readHead(): Promise<string | undefined> {
    const { rows } = await sql<{ head: string | null; evidence: boolean }>`
      SELECT (SELECT value FROM audit_chain_marks WHERE name = 'head') AS head,
             EXISTS (SELECT 1 FROM audit_log) OR EXISTS (SELECT 1 FROM audit_chain_marks WHERE name = 'low_water') AS evidence`.execute(db);
    const row = rows[0];
    if ((row?.head ?? null) === null && (row?.evidence === true || highestKnown >= 0)) throw new AuditChainHeadError('missing');
    return row?.head ?? undefined;
  }

  function currentHead(text: string | undefined): ChainHead {
    if (text === undefined) return EMPTY_HEAD;
    const head = chain.parseHead(text);
    if (head === 'invalid') throw new AuditChainHeadError('invalid');
    if (head.sequence < highestKnown) throw new AuditChainHeadError('rewound');
    return head;
  }

  /**
   * Compare-and-append in one statement (one round trip, one commit): the head moves from the one this
   * process last saw to the new record's only if it is still that one, and the record is inserted only
   * if the head moved. A process that lost the race reads the real head and seals again.
   */
  async function appendAfter(expected: string | undefined, record: AuditRecord): Promise<boolean> {
    const head = chain.formatHead(record);
    const values = sql`${record.sequence}, ${new Date(record.time)}, ${JSON.stringify(record)}::jsonb`;
    const moved =
      expected === undefined
        ? sql`INSERT INTO audit_chain_marks (name, value) VALUES ('head', ${head}) ON CONFLICT (name) DO NOTHING RETURNING 1`
        : sql`UPDATE audit_chain_marks SET value = ${head} WHERE name = 'head' AND value = ${expected} RETURNING 1`;
    const result = await sql`
      WITH moved AS (${moved})
      INSERT INTO audit_log (sequence, recorded_at, record) SELECT ${values} FROM moved`.execute(db);
    return result.numAffectedRows === 1n;
  }

  async function appendNow(event: Parameters<AuditLogStore['append']>[0]): Promise<AuditRecord> {
    return runOnPostgres('audit log', async () => {
      let text = knownHead ?? (await readHead());
      for (let attempt = 1; ; attempt += 1) {
        const previous = currentHead(text);
        const record = chain.seal(event, previous.sequence + 1, previous.hash);
        let appended: boolean;
        try {
          appended = await appendAfter(text, record);
        } catch (error) {
          // A record already at that sequence with the head not naming it: someone wrote past the head.
          if (sqlState(error) !== '23505' || attempt >= MAX_APPEND_ATTEMPTS) throw error;
          appended = false;
        }
        if (appended) {
          knownHead = chain.formatHead(record);
          highestKnown = Math.max(highestKnown, record.sequence);
          return record;
        }
        if (attempt >= MAX_APPEND_ATTEMPTS) throw new AuditAppendConflictError();
        text = await readHead();
      }
    });
  }

  async function readLowWater(trx: Db): Promise<{ text: string | undefined; mark: LowWaterMark | 'invalid' }> {
    const row = await trx.selectFrom('audit_chain_marks').select('value').where('name', '=', 'low_water').executeTakeFirst();
    return { text: row?.value, mark: row === undefined ? NOTHING_TRIMMED : chain.parseLowWater(row.value) };
  }

  async function readChunk(trx: Db, fromSequence: number): Promise<Array<{ sequence: number; record: AuditRecord | undefined }>> {
    const rows = await trx
      .selectFrom('audit_log')
      .select(['sequence', 'record'])
      .where('sequence', '>=', String(fromSequence))
      .orderBy('sequence', 'asc')
      .limit(SCAN_CHUNK)
      .execute();
    return rows.map((row) => ({ sequence: Number(row.sequence), record: parseRecord(row.record) }));
  }

  return {
    append(event) {
      const result = (options.track ?? ((work) => work))(queue.then(() => appendNow(event)));
      queue = result.catch(() => {
        knownHead = undefined;
      });
      return result;
    },

    async list(filter, page) {
      const before = page.cursor === undefined ? undefined : decodeSequenceCursor(page.cursor);
      const rows = await runOnPostgres('audit log', () => {
        let query = db.selectFrom('audit_log').select(['sequence', 'record']).orderBy('sequence', 'desc').limit(page.limit + 1);
        if (filter.type !== undefined) query = query.where('type', '=', filter.type);
        if (filter.principal !== undefined) query = query.where('principal', '=', filter.principal);
        if (before !== undefined) query = query.where('sequence', '<', String(before));
        return query.execute();
      });
      const page_ = rows.slice(0, page.limit);
      const last = page_.at(-1);
      return {
        // A stored record that no longer reads as one is left out of lists; verify names it.
        items: page_.map((row) => parseRecord(row.record)).filter((record): record is AuditRecord => record !== undefined),
        nextCursor: rows.length > page.limit && last !== undefined ? encodeSequenceCursor(Number(last.sequence)) : null,
      };
    },

    async verify(): Promise<AuditChainVerification> {
      const result = await runOnPostgres('audit log', () =>
        db
          .transaction()
          .setIsolationLevel('repeatable read')
          .setAccessMode('read only')
          .execute(async (trx) => {
            const marks = await trx.selectFrom('audit_chain_marks').select(['name', 'value']).execute();
            const lowWaterText = marks.find((mark) => mark.name === 'low_water')?.value;
            const headText = marks.find((mark) => mark.name === 'head')?.value;
            const lowWater = lowWaterText === undefined ? NOTHING_TRIMMED : chain.parseLowWater(lowWaterText);
            const verifier = createChainVerifier(chain, { lowWater, highestKnown });
            for (let from = 0; ; ) {
              const chunk = await readChunk(trx, from);
              for (const { record } of chunk) {
                const holds = record === undefined ? verifier.unreadable() : verifier.check(record);
                if (!holds) return { verification: verifier.result(undefined), head: undefined };
              }
              const newest = chunk.at(-1);
              if (chunk.length < SCAN_CHUNK || newest === undefined) break;
              from = newest.sequence + 1;
            }
            const head = headText === undefined ? undefined : chain.parseHead(headText);
            return { verification: verifier.result(head), head };
          }),
      );
      if (result.head !== undefined && result.head !== 'invalid') highestKnown = Math.max(highestKnown, result.head.sequence);
      return result.verification;
    },

    async trimBefore(before): Promise<AuditTrim> {
      const cutoff = before.getTime();
      return runOnPostgres('audit log', () =>
        db.transaction().execute(async (trx) => {
          // One trimmer at a time per schema; appends lock the head row and go on meanwhile.
          await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.gatehouse_audit_trim'))`.execute(trx);
          const { mark } = await readLowWater(trx);
          if (mark === 'invalid') return { removed: 0, trimmedBefore: 0 };
          let expected = mark;
          scan: for (let from = mark.sequence; expected.sequence - mark.sequence < MAX_TRIM_PER_RUN; ) {
            const chunk = await readChunk(trx, from);
            for (const { record } of chunk) {
              // Only an expired record that verifies in place goes: retention never erases the evidence of an edit.
              const holds =
                record !== undefined &&
                record.sequence === expected.sequence &&
                record.previousHash === expected.previousHash &&
                chain.hash(record) === record.hash;
              if (!holds || Date.parse(record.time) >= cutoff || expected.sequence - mark.sequence >= MAX_TRIM_PER_RUN) break scan;
              expected = { sequence: record.sequence + 1, previousHash: record.hash };
            }
            const newest = chunk.at(-1);
            if (chunk.length < SCAN_CHUNK || newest === undefined) break;
            from = newest.sequence + 1;
          }
          if (expected.sequence === mark.sequence) return { removed: 0, trimmedBefore: mark.sequence };
          const deleted = await trx.deleteFrom('audit_log').where('sequence', '<', String(expected.sequence)).executeTakeFirst();
          const removed = Number(deleted.numDeletedRows);
          const lowWater = chain.formatLowWater(expected);
          await trx
            .insertInto('audit_chain_marks')
            .values({ name: 'low_water', value: lowWater })
            .onConflict((conflict) => conflict.column('name').doUpdateSet({ value: lowWater }))
            .execute();
          await trx
            .insertInto('audit_retention_runs')
            .values({ ran_at: now(), cutoff: before, removed, first_sequence: mark.sequence, last_sequence: expected.sequence - 1, trimmed_before: expected.sequence })
            .execute();
          return { removed, trimmedBefore: expected.sequence };
        }),
      );
    },
  };
}

function parseRecord(raw: unknown): AuditRecord | undefined {
  const parsed = auditRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
