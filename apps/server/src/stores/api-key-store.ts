import type { Scope } from '@gatehouse/contracts';
import type { Page, PageRequest } from './page.js';

/** An API key as the server keeps it: the hash, never the key. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  /** The key's first characters, for display. */
  readonly prefix: string;
  /** SHA-256 of the key, hex. */
  readonly hash: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: Date;
  readonly expiresAt: Date | undefined;
  readonly lastUsedAt: Date | undefined;
  readonly revokedAt: Date | undefined;
  /** The key that minted this one, when a key was used to create it: this key dies with it. */
  readonly parentId: string | undefined;
}

export interface NewApiKey {
  readonly ownerId: string;
  readonly name: string;
  readonly prefix: string;
  readonly hash: string;
  readonly scopes: readonly Scope[];
  readonly expiresAt: Date | undefined;
  /**
   * The key whose holder minted this one. The store gives the new key the
   * earlier of `expiresAt` and the parent's expiry, and refuses
   * (ParentApiKeyGoneError) when the parent is revoked, expired or gone,
   * in the same atomic step that links the two.
   */
  readonly parentId: string | undefined;
}

/** apiKeys.create through a key that was revoked, expired or removed while the request ran. */
export class ParentApiKeyGoneError extends Error {
  constructor() {
    super('The API key used to create this key is no longer valid');
    this.name = 'ParentApiKeyGoneError';
  }
}

/** What of a parent key decides whether a key may be minted through it. */
export interface ParentKeyState {
  readonly revokedAt: Date | undefined;
  readonly expiresAt: Date | undefined;
}

/**
 * The expiry of a key minted through `parent`: never later than the parent's. Throws ParentApiKeyGoneError
 * when the parent is missing, revoked or expired at `at`. One rule for every store (the Redis store's
 * script applies the same inside Redis).
 */
export function expiryUnderParent(parent: ParentKeyState | undefined, requested: Date | undefined, at: number): Date | undefined {
  if (parent === undefined || parent.revokedAt !== undefined || (parent.expiresAt !== undefined && parent.expiresAt.getTime() <= at)) {
    throw new ParentApiKeyGoneError();
  }
  return parent.expiresAt !== undefined && (requested === undefined || parent.expiresAt < requested) ? parent.expiresAt : requested;
}

/**
 * How long a revoked or expired key's record is kept, so that it answers
 * revoked_token or expired_token (which tell a caller to stop retrying)
 * rather than invalid_token. After that it is gone from Redis.
 */
export const API_KEY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** API keys. Every method is one atomic operation on the backing store; no method caches. */
export interface ApiKeyStore {
  create(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The record whose hash this is, revoked or expired ones included (the caller decides what they mean). */
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** The owner's keys that are not revoked, newest first. */
  listByOwner(ownerId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  /**
   * Revokes the owner's key and, in the same atomic step, every key minted
   * through it (children, their children, ...); undefined when the owner has
   * no such key (another owner's key answers the same). Revoking twice keeps
   * the first time.
   */
  revoke(ownerId: string, id: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /** Revokes every unrevoked key of the owner in one atomic step; resolves to how many were live. */
  revokeAllOfOwner(ownerId: string, at: Date): Promise<number>;
  /**
   * Records a use at `at`, unless the last recorded use is less than
   * `minIntervalMs` before it. Atomic, so processes racing on the same key
   * write once. Resolves to whether it wrote.
   */
  touchLastUsed(id: string, at: Date, minIntervalMs: number): Promise<boolean>;
}
