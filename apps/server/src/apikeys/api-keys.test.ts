import { beforeEach, describe, expect, it } from 'vitest';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import type { ApiKeyStore } from '../stores/api-key-store.js';
import { createMemoryApiKeyStore } from '../stores/memory/memory-api-key-store.js';
import { StoreFullError } from '../stores/user-store.js';
import { createApiKeys, LAST_USED_INTERVAL_MS, type ApiKeys, type ApiKeysOptions } from './api-keys.js';
import { hashApiKey } from './hash-api-key.js';
import { generateApiKey, isWellFormedApiKey } from './key-format.js';

const START_MS = Date.UTC(2026, 11, 3, 9, 0, 0);
const DAY_MS = 86_400_000;

/** The reason code an AuthFailureError carries, or what else was thrown. */
async function refusal(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return error instanceof AuthFailureError ? error.data.reason : error;
}

describe('API keys', () => {
  let nowMs: number;
  let store: ApiKeyStore;
  let lookups: number;
  let touches: number;
  const create = (extra: Partial<ApiKeysOptions> = {}): ApiKeys => createApiKeys({ store, now: () => nowMs, ...extra });
  const issue = (apiKeys: ApiKeys, extra: { expiresInDays?: number; parentId?: string } = {}) =>
    apiKeys.issue({ ownerId: 'user-alice', name: 'deploy bot', scopes: ['orders:read'], ...extra });

  beforeEach(() => {
    nowMs = START_MS;
    lookups = 0;
    touches = 0;
    const real = createMemoryApiKeyStore({ now: () => new Date(nowMs) });
    // The real store, counted: what a verification costs in lookups and writes.
    store = {
      ...real,
      findByHash: (hash) => ((lookups += 1), real.findByHash(hash)),
      touchLastUsed: (id, at, minIntervalMs) => ((touches += 1), real.touchLastUsed(id, at, minIntervalMs)),
    };
  });

  it('issues a well-formed key once and keeps only its hash and display prefix', async () => {
    const { key, record } = await issue(create());
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(record.hash).toBe(hashApiKey(key));
    // gk_live_ and six characters of the random part: enough to tell keys apart, too little to use.
    expect(record.prefix).toBe(key.slice(0, 14));
    expect(JSON.stringify(record)).not.toContain(key);
    expect(record).toMatchObject({ ownerId: 'user-alice', name: 'deploy bot', scopes: ['orders:read'], expiresAt: undefined, parentId: undefined });
    expect(await create().verify(key)).toMatchObject({ id: record.id });
  });

  it('expires a key exactly the requested number of days after issue', async () => {
    const apiKeys = create();
    const { key, record } = await issue(apiKeys, { expiresInDays: 2 });
    expect(record.expiresAt).toEqual(new Date(START_MS + 2 * DAY_MS));
    nowMs = START_MS + 2 * DAY_MS - 1;
    expect((await apiKeys.verify(key)).id).toBe(record.id);
    nowMs = START_MS + 2 * DAY_MS;
    expect(await refusal(apiKeys.verify(key))).toBe('expired_token');
  });

  it('refuses to mint through a parent key that was revoked, and lets other store failures through', async () => {
    const apiKeys = create();
    const parent = await issue(apiKeys);
    const child = await issue(apiKeys, { parentId: parent.record.id });
    expect(child.record.parentId).toBe(parent.record.id);
    await apiKeys.revoke('user-alice', parent.record.id);
    expect(await refusal(issue(apiKeys, { parentId: parent.record.id }))).toBe('revoked_token');
    // The child died with its parent.
    expect(await refusal(apiKeys.verify(child.key))).toBe('revoked_token');

    store = createMemoryApiKeyStore({ maxKeys: 0 });
    expect(await refusal(issue(create()))).toBeInstanceOf(StoreFullError);
  });

  it('refuses a malformed key as invalid_token without a store lookup, and an unknown one after it', async () => {
    const apiKeys = create();
    const { key } = await issue(apiKeys);
    const typo = `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`;
    for (const candidate of ['', 'gk_live_', typo, key.slice(0, -1), 'eyJhbGciOiJFUzI1NiJ9.e30.sig']) {
      expect(await refusal(apiKeys.verify(candidate))).toBe('invalid_token');
    }
    expect(lookups).toBe(0);
    expect(await refusal(apiKeys.verify(generateApiKey().key))).toBe('invalid_token');
    expect(lookups).toBe(1);
  });

  it('refuses a revoked key on the very next call', async () => {
    const apiKeys = create();
    const { key, record } = await issue(apiKeys);
    await apiKeys.verify(key);
    nowMs = START_MS + 5_000;
    const revoked = await apiKeys.revoke('user-alice', record.id);
    expect(revoked?.id).toBe(record.id);
    expect(await refusal(apiKeys.verify(key))).toBe('revoked_token');
    expect((await store.findByHash(record.hash))?.revokedAt).toEqual(new Date(START_MS + 5_000));
    expect(await apiKeys.revoke('user-bob', record.id)).toBeUndefined();
  });

  it('revokes every key of an owner and says how many were live', async () => {
    const apiKeys = create();
    const keys = [await issue(apiKeys), await issue(apiKeys), await issue(apiKeys)];
    const other = await apiKeys.issue({ ownerId: 'user-bob', name: 'bob', scopes: [] });
    await apiKeys.revoke('user-alice', keys[0]?.record.id ?? '');
    nowMs = START_MS + 7_000;
    expect(await apiKeys.revokeAllOfOwner('user-alice')).toBe(2);
    for (const { key } of keys) expect(await refusal(apiKeys.verify(key))).toBe('revoked_token');
    expect((await store.findByHash(keys[2]?.record.hash ?? ''))?.revokedAt).toEqual(new Date(START_MS + 7_000));
    expect((await apiKeys.verify(other.key)).ownerId).toBe('user-bob');
  });

  it('lists the owner’s live keys, newest first, one page at a time', async () => {
    const apiKeys = create();
    const first = await issue(apiKeys);
    const second = await issue(apiKeys);
    const page = await apiKeys.list('user-alice', { limit: 1, cursor: undefined });
    expect(page.items.map((record) => record.id)).toEqual([second.record.id]);
    const next = await apiKeys.list('user-alice', { limit: 1, cursor: page.nextCursor ?? undefined });
    expect(next.items.map((record) => record.id)).toEqual([first.record.id]);
  });

  it('writes last-used on first use and then at most once a minute per key', async () => {
    const apiKeys = create();
    const { key, record } = await issue(apiKeys);
    await apiKeys.verify(key);
    expect(touches).toBe(1);
    expect((await store.findByHash(record.hash))?.lastUsedAt).toEqual(new Date(START_MS));
    nowMs = START_MS + LAST_USED_INTERVAL_MS - 1;
    await apiKeys.verify(key);
    expect(touches).toBe(1);
    nowMs = START_MS + LAST_USED_INTERVAL_MS;
    await apiKeys.verify(key);
    expect(touches).toBe(2);
    expect((await store.findByHash(record.hash))?.lastUsedAt).toEqual(new Date(START_MS + LAST_USED_INTERVAL_MS));
    expect(LAST_USED_INTERVAL_MS).toBe(60_000);
  });

  it('still accepts the key when writing last-used fails, and reports the failure', async () => {
    const failures: unknown[] = [];
    const real = store;
    // A store whose write fails (a full disk, a read-only replica): only the write, never the decision.
    store = { ...real, touchLastUsed: () => Promise.reject(new Error('read-only replica')) };
    const apiKeys = create({ onTouchFailed: (error) => failures.push(error) });
    const { key, record } = await issue(apiKeys);
    expect((await apiKeys.verify(key)).id).toBe(record.id);
    expect(failures).toEqual([new Error('read-only replica')]);
    // Without a listener the failure is still swallowed.
    expect((await create().verify(key)).id).toBe(record.id);
  });
});
