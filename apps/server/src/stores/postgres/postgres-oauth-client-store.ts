import { scopeSchema } from '@gatehouse/contracts';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  ClientIdTakenError,
  OAUTH_GRANT_TYPES,
  type NewOAuthClient,
  type OAuthClientRecord,
  type OAuthClientStore,
  type StoredClientSecret,
} from '../oauth-client-store.js';
import type { GatehouseDatabase, OAuthClientsTable } from './postgres-schema.js';
import { runOnPostgres, sqlState } from './postgres-unavailable.js';

export interface PostgresOAuthClientStoreOptions {
  readonly db: Kysely<GatehouseDatabase>;
  readonly now?: () => Date;
}

/**
 * The OAuth client registry in PostgreSQL: one row per client, the id its primary key (so two registrations
 * of one id race on the index, never on a check), every change one UPDATE returning the new row.
 */
export function createPostgresOAuthClientStore(options: PostgresOAuthClientStoreOptions): OAuthClientStore {
  const { db } = options;
  const now = options.now ?? (() => new Date());

  async function change(clientId: string, set: Partial<Pick<Selectable<OAuthClientsTable>, 'secret_kind' | 'secret'>> | 'disable') {
    const row = await runOnPostgres('oauth client', () => {
      const query = db.updateTable('oauth_clients');
      const updated =
        set === 'disable' ? query.set((eb) => ({ disabled_at: eb.fn.coalesce('disabled_at', eb.val(now())) })) : query.set(set);
      return updated.where('client_id', '=', clientId).returningAll().executeTakeFirst();
    });
    return row === undefined ? undefined : toRecord(row);
  }

  return {
    async create(client: NewOAuthClient) {
      const createdAt = now();
      try {
        await runOnPostgres('oauth client', () =>
          db
            .insertInto('oauth_clients')
            .values({
              client_id: client.clientId,
              type: client.type,
              redirect_uris: JSON.stringify(client.redirectUris),
              scopes: JSON.stringify(client.scopes),
              grant_types: JSON.stringify(client.grantTypes),
              secret_kind: client.secret?.kind ?? null,
              secret: client.secret === undefined ? null : secretValue(client.secret),
              pin_network: client.pinNetwork,
              created_at: createdAt,
            })
            .execute(),
        );
      } catch (error) {
        if (sqlState(error) === '23505') throw new ClientIdTakenError(client.clientId);
        throw error;
      }
      return Object.freeze({
        ...client,
        redirectUris: Object.freeze([...client.redirectUris]),
        scopes: Object.freeze([...client.scopes]),
        grantTypes: Object.freeze([...client.grantTypes]),
        createdAt,
      });
    },
    async find(clientId) {
      const row = await runOnPostgres('oauth client', () => db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst());
      return row === undefined ? undefined : toRecord(row);
    },
    setSecret: (clientId, secret) => change(clientId, { secret_kind: secret.kind, secret: secretValue(secret) }),
    disable: (clientId) => change(clientId, 'disable'),
  };
}

function secretValue(secret: StoredClientSecret): string {
  return secret.kind === 'sha256' ? secret.digest : secret.hash;
}

const storedLists = z.object({
  redirect_uris: z.array(z.string()),
  scopes: z.array(scopeSchema),
  grant_types: z.array(z.enum(OAUTH_GRANT_TYPES)),
  type: z.enum(['public', 'confidential']),
  secret_kind: z.enum(['sha256', 'bcrypt']).nullable(),
});

function toRecord(row: Selectable<OAuthClientsTable>): OAuthClientRecord {
  const parsed = storedLists.safeParse(row);
  // A row this store did not write is a bug or tampering: fail loudly, never hand out a half client.
  if (!parsed.success) throw new Error('Corrupt OAuth client row in PostgreSQL');
  const { secret_kind: kind } = parsed.data;
  const secret: StoredClientSecret | undefined =
    kind === null || row.secret === null ? undefined : kind === 'sha256' ? { kind, digest: row.secret } : { kind, hash: row.secret };
  return Object.freeze({
    clientId: row.client_id,
    type: parsed.data.type,
    redirectUris: Object.freeze(parsed.data.redirect_uris),
    scopes: Object.freeze(parsed.data.scopes),
    grantTypes: Object.freeze(parsed.data.grant_types),
    secret,
    pinNetwork: row.pin_network,
    createdAt: row.created_at,
    ...(row.disabled_at === null ? {} : { disabledAt: row.disabled_at }),
  });
}
