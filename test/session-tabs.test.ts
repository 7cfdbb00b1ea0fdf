import {
  createGatehouseClient,
  createLocalLock,
  createMemoryTokenStorage,
  createWebStorageTokenStorage,
  type KeyValueStorage,
  type LinkFetch,
  type LockManagerLike,
  type TokenStorage,
  UnauthorizedError,
} from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStores } from './support/default-store.js';
import { authReason, refreshWithBody, registerUser } from './support/sessions.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

const ACCESS_TTL_MS = 900_000;

/** What two tabs of one origin share: one localStorage and one navigator.locks. */
function sharedOrigin(): { storage: KeyValueStorage; locks: LockManagerLike } {
  const entries = new Map<string, string>();
  const lock = createLocalLock();
  return {
    storage: {
      getItem: (key) => entries.get(key) ?? null,
      setItem: (key, value) => void entries.set(key, value),
      removeItem: (key) => void entries.delete(key),
    },
    // navigator.locks.request(name, callback): one holder per name across the origin's tabs.
    locks: { request: (_name, callback) => lock(callback) },
  };
}

describe.each(projectStores())('two session clients sharing one token storage (two tabs), on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'session-tabs', { now });
  });
  afterAll(() => gatehouse.close());

  function countingFetch(): { fetch: LinkFetch; refreshes: () => number } {
    let refreshes = 0;
    return {
      fetch: async (input, init) => {
        if (new URL(String(input)).pathname === '/trpc/auth.refresh') refreshes += 1;
        return fetch(input as never, init as never);
      },
      refreshes: () => refreshes,
    };
  }

  async function twoTabs(storageOf: () => TokenStorage) {
    const counter = countingFetch();
    const tab = () => createGatehouseClient({ url: gatehouse.url, fetch: counter.fetch, session: { storage: storageOf(), now } });
    const first = tab();
    const second = tab();
    const user = await registerUser(gatehouse.url);
    await first.session.login({ email: user.email, password: user.password });
    // The second tab reads the session the first one signed in.
    expect((await second.users.me.query()).id).toBe(user.id);
    return { first, second, user, refreshes: counter.refreshes, storage: storageOf() };
  }

  const storages: Array<[string, () => () => TokenStorage]> = [
    ['one memory storage object', () => {
      const storage = createMemoryTokenStorage();
      return () => storage;
    }],
    ['Web Storage and Web Locks shared by the origin', () => {
      const origin = sharedOrigin();
      return () => createWebStorageTokenStorage({ storage: origin.storage, locks: origin.locks });
    }],
  ];

  describe.each(storages)('through %s', (_name, makeStorage) => {
    it('never presents a refresh token the other tab has spent: the second tab picks up the first tab’s refresh', async () => {
      const { first, second, user, refreshes } = await twoTabs(makeStorage());
      clockOffsetMs += ACCESS_TTL_MS;
      expect((await first.users.me.query()).id).toBe(user.id);
      expect(refreshes()).toBe(1);
      // The second tab still holds the spent refresh token in memory; presenting it would read as theft.
      expect((await second.users.me.query()).id).toBe(user.id);
      expect(refreshes()).toBe(1);
      // Nothing was revoked: both tabs keep working, and the next refresh rotates normally.
      clockOffsetMs += ACCESS_TTL_MS;
      expect((await second.users.me.query()).id).toBe(user.id);
      expect((await first.users.me.query()).id).toBe(user.id);
      expect(refreshes()).toBe(2);
    });

    it('refreshes once when both tabs find the token due at the same instant', async () => {
      const { first, second, user, refreshes } = await twoTabs(makeStorage());
      clockOffsetMs += ACCESS_TTL_MS;
      const results = await Promise.all([first.users.me.query(), second.users.me.query(), first.users.me.query(), second.users.me.query()]);
      expect(results.map((result) => result.id)).toEqual([user.id, user.id, user.id, user.id]);
      expect(refreshes()).toBe(1);
      expect(await first.session.isLoggedIn()).toBe(true);
      expect(await second.session.isLoggedIn()).toBe(true);
    });

    it('logs out with the newest refresh token, whichever tab refreshed last, and the other tab is signed out too', async () => {
      const { first, second, refreshes, storage } = await twoTabs(makeStorage());
      clockOffsetMs += ACCESS_TTL_MS;
      await first.users.me.query();
      expect(refreshes()).toBe(1);
      const newest = (await storage.load())?.refreshToken;
      clockOffsetMs += ACCESS_TTL_MS; // the access tokens have expired: only the refresh token proves the session
      await second.session.logout();
      expect(await second.session.isLoggedIn()).toBe(false);
      expect(authReason(await refreshWithBody(gatehouse.url, newest ?? ''))).toBe('revoked_token');
      // The first tab finds the shared storage empty when its token is due, and calls as no one.
      const failure = await first.users.me.query().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UnauthorizedError);
      expect((failure as UnauthorizedError).reason).toBe('missing_credentials');
    });
  });
});
