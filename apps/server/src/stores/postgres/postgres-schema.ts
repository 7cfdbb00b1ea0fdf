import type { ColumnType, Generated } from 'kysely';

/*
 * The tables as the stores read and write them, kept in step with migrations/ by hand: a migration changes
 * the database, this file tells the compiler. Positions are identity columns giving each row its place in
 * paging order (bigint, so pg returns them as strings: see toPosition in postgres-page.ts).
 */

type Timestamp = ColumnType<Date, Date, Date>;
type Position = string;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: Timestamp;
  position: Generated<Position>;
  /** jsonb, null until an admin sets them (migration 0002). */
  attributes: ColumnType<unknown, string | null | undefined, string | null>;
  /** Null while the account is active (migration 0003). */
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** jsonb, null until the user enrols a second factor (migration 0004). */
  second_factor: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface OrdersTable {
  id: string;
  owner_id: string;
  /** jsonb: [{ productId, quantity }] */
  items: ColumnType<unknown, string, string>;
  shipping_address: ColumnType<unknown, string, string>;
  payment_method: string;
  status: string;
  created_at: Timestamp;
  position: Generated<Position>;
}

export interface ApiKeysTable {
  id: string;
  owner_id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: ColumnType<unknown, string, string>;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  parent_id: string | null;
  position: Generated<Position>;
}

export interface AuditLogTable {
  sequence: ColumnType<string, number, number>;
  recorded_at: Timestamp;
  /** Generated from `record`: the columns list filters on. */
  type: ColumnType<string, never, never>;
  principal: ColumnType<string | null, never, never>;
  /** The sealed record exactly as the chain hashed it (jsonb). */
  record: ColumnType<unknown, string, string>;
}

export interface AuditChainMarksTable {
  /** 'head' (the newest record, sealed) or 'low_water' (where retention stopped, sealed). */
  name: string;
  value: string;
}

export interface AuditRetentionRunsTable {
  id: Generated<ColumnType<string, never, never>>;
  ran_at: Timestamp;
  cutoff: Timestamp;
  removed: number;
  first_sequence: ColumnType<string | null, number | null, never>;
  last_sequence: ColumnType<string | null, number | null, never>;
  trimmed_before: ColumnType<string, number, never>;
}

export interface OAuthClientsTable {
  client_id: string;
  type: string;
  /** jsonb arrays */
  redirect_uris: ColumnType<unknown, string, string>;
  scopes: ColumnType<unknown, string, string>;
  grant_types: ColumnType<unknown, string, string>;
  secret_kind: string | null;
  secret: string | null;
  pin_network: boolean;
  created_at: Timestamp;
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface GatehouseDatabase {
  users: UsersTable;
  orders: OrdersTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  audit_chain_marks: AuditChainMarksTable;
  audit_retention_runs: AuditRetentionRunsTable;
  oauth_clients: OAuthClientsTable;
}
