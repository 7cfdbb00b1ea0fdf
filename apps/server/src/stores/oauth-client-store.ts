import type { Scope } from '@gatehouse/contracts';

export const OAUTH_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof OAUTH_GRANT_TYPES)[number];

/**
 * How a confidential client's secret is kept: never the secret itself. A
 * generated or seeded plain secret as its SHA-256 (hex; the secrets are long
 * and random, so a slow hash adds nothing), a seeded bcrypt hash as is.
 */
export type StoredClientSecret = { readonly kind: 'sha256'; readonly digest: string } | { readonly kind: 'bcrypt'; readonly hash: string };

/** A registered OAuth client as the store keeps it. */
export interface OAuthClientRecord {
  readonly clientId: string;
  readonly type: 'public' | 'confidential';
  readonly redirectUris: readonly string[];
  readonly scopes: readonly Scope[];
  readonly grantTypes: readonly GrantType[];
  /** Undefined for a public client. */
  readonly secret: StoredClientSecret | undefined;
  /** Its access tokens are refused from any other network than they were issued to (seed `pinNetwork`). */
  readonly pinNetwork: boolean;
  readonly createdAt: Date;
  /** Set once the client is disabled: it can no longer authenticate, and its tokens are refused. Absent: active. */
  readonly disabledAt?: Date;
}

export type NewOAuthClient = Omit<OAuthClientRecord, 'createdAt' | 'disabledAt'>;

/** A client with this id is already registered (client ids are compared exactly). */
export class ClientIdTakenError extends Error {
  constructor(readonly clientId: string) {
    super(`An OAuth client with id ${clientId} already exists`);
    this.name = 'ClientIdTakenError';
  }
}

/**
 * The OAuth client registry's records, shared by every process (Redis) so a
 * client added, re-keyed or disabled by `pnpm gatehouse clients …` holds on
 * the next request without a restart. Every method is one atomic operation.
 */
export interface OAuthClientStore {
  /** Registers a client with the store's clock as createdAt; throws ClientIdTakenError when the id exists. */
  create(client: NewOAuthClient): Promise<OAuthClientRecord>;
  /** The record, disabled or not: callers decide what a disabled client may still do (nothing, in the server). */
  find(clientId: string): Promise<OAuthClientRecord | undefined>;
  /** Replaces a confidential client's secret; undefined when no such client exists. */
  setSecret(clientId: string, secret: StoredClientSecret): Promise<OAuthClientRecord | undefined>;
  /** Marks the client disabled (idempotent: the first disabledAt stays); undefined when no such client exists. */
  disable(clientId: string): Promise<OAuthClientRecord | undefined>;
}
