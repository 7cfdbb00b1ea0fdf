import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError, encodeCursor } from '../src/stores/page.js';
import { EmailTakenError, type NewUser, type UserStore } from '../src/stores/user-store.js';

/** What a suite hands each test: a fresh, empty store on a clock the test controls. */
export type CreateUserStore = (options: { readonly now: () => Date }) => UserStore | Promise<UserStore>;

const HASH = '$2b$04$abcdefghijklmnopqrstuu7Mb4a4Ma1a9E8mQwN0kVd5tV.bYwTfS';

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return { email: `u-${randomUUID()}@store.test`, name: 'Someone', role: 'user', passwordHash: HASH, ...overrides };
}

/** Cursors a client could send that this server never issued. */
export const FORGED_CURSORS = ['garbage', encodeCursor('s:abc'), encodeCursor('s:-1'), encodeCursor('{"offset":0}'), '%%%%', encodeCursor('s:1'.repeat(30))];

/**
 * The behaviour every UserStore must have, run against each implementation
 * (memory and Redis) so that they cannot drift apart.
 */
export function describeUserStore(name: string, create: CreateUserStore): void {
  describe(`UserStore (${name})`, () => {
    const fixedNow = new Date('2030-01-02T03:04:05.678Z');
    const fresh = () => create({ now: () => fixedNow });

    it('creates a user with a UUID and the clock’s time, found again by id and by email', async () => {
      const store = await fresh();
      const input = newUser({ name: 'Alice', role: 'admin' });
      const created = await store.create(input);
      expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(created).toEqual({ ...input, id: created.id, createdAt: fixedNow });
      expect(await store.findById(created.id)).toEqual(created);
      expect(await store.findByEmail(input.email)).toEqual(created);
    });

    it('answers undefined for an unknown id or email', async () => {
      const store = await fresh();
      expect(await store.findById(randomUUID())).toBeUndefined();
      expect(await store.findByEmail('nobody@store.test')).toBeUndefined();
    });

    it('refuses a second account for an email, whatever its case', async () => {
      const store = await fresh();
      const first = await store.create(newUser({ email: 'taken@store.test' }));
      await expect(store.create(newUser({ email: 'taken@store.test' }))).rejects.toBeInstanceOf(EmailTakenError);
      await expect(store.create(newUser({ email: 'TAKEN@store.test' }))).rejects.toBeInstanceOf(EmailTakenError);
      expect((await store.findByEmail('Taken@Store.test'))?.id).toBe(first.id);
      expect((await store.list({ cursor: undefined, limit: 10 })).items).toHaveLength(1);
    });

    it('lets exactly one of many concurrent registrations of one email win', async () => {
      const store = await fresh();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.create(newUser({ email: 'race@store.test' }))));
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((result) => result.reason instanceof EmailTakenError)).toBe(true);
      expect((await store.list({ cursor: undefined, limit: 100 })).items).toHaveLength(1);
    });

    it('lists oldest first, page by page, ending with a null cursor', async () => {
      const store = await fresh();
      const created = [];
      for (let index = 0; index < 5; index += 1) created.push(await store.create(newUser()));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (const expectedSize of [2, 2, 1]) {
        const page = await store.list({ cursor, limit: 2 });
        expect(page.items).toHaveLength(expectedSize);
        seen.push(...page.items.map((user) => user.id));
        cursor = page.nextCursor ?? undefined;
      }
      expect(cursor).toBeUndefined();
      expect(seen).toEqual(created.map((user) => user.id));
    });

    it('gives an exactly full last page a null cursor, and an empty store an empty page', async () => {
      const store = await fresh();
      expect(await store.list({ cursor: undefined, limit: 3 })).toEqual({ items: [], nextCursor: null });
      await store.create(newUser());
      await store.create(newUser());
      expect((await store.list({ cursor: undefined, limit: 2 })).nextCursor).toBeNull();
    });

    it.each(FORGED_CURSORS)('refuses the forged cursor %s with InvalidCursorError', async (cursor) => {
      const store = await fresh();
      await store.create(newUser());
      await expect(store.list({ cursor, limit: 10 })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('updateName and setRole return the new record and keep it', async () => {
      const store = await fresh();
      const user = await store.create(newUser({ name: 'Before' }));
      const renamed = await store.updateName(user.id, 'After');
      expect(renamed).toEqual({ ...user, name: 'After' });
      const promoted = await store.setRole(user.id, 'admin');
      expect(promoted).toEqual({ ...user, name: 'After', role: 'admin' });
      expect(await store.findById(user.id)).toEqual(promoted);
      expect(await store.findByEmail(user.email)).toEqual(promoted);
    });

    it('a new user has no attributes; setAttributes replaces them whole, everywhere the user is read', async () => {
      const store = await fresh();
      const user = await store.create(newUser());
      expect(user.attributes).toBeUndefined();
      expect((await store.findById(user.id))?.attributes).toBeUndefined();
      const set = await store.setAttributes(user.id, { department: 'support', region: 'emea' });
      expect(set).toEqual({ ...user, attributes: { department: 'support', region: 'emea' } });
      expect(await store.findById(user.id)).toEqual(set);
      expect(await store.findByEmail(user.email)).toEqual(set);
      expect((await store.list({ cursor: undefined, limit: 10 })).items).toEqual([set]);
      // Replaced, not merged: a field left out is gone (a region change must not keep an old department).
      expect((await store.setAttributes(user.id, { region: 'apac' }))?.attributes).toEqual({ region: 'apac' });
      expect((await store.findById(user.id))?.attributes).toEqual({ region: 'apac' });
      expect((await store.setAttributes(user.id, {}))?.attributes).toEqual({});
    });

    it('attributes and role changed at once both stick, and a later change of name keeps the attributes', async () => {
      const store = await fresh();
      const user = await store.create(newUser());
      await Promise.all([store.setAttributes(user.id, { department: 'sales' }), store.setRole(user.id, 'admin')]);
      await store.updateName(user.id, 'Renamed');
      expect(await store.findById(user.id)).toMatchObject({ name: 'Renamed', role: 'admin', attributes: { department: 'sales' } });
    });

    it('concurrent changes of name and role both stick', async () => {
      const store = await fresh();
      const user = await store.create(newUser({ name: 'Before' }));
      await Promise.all([store.updateName(user.id, 'Renamed'), store.setRole(user.id, 'admin')]);
      expect(await store.findById(user.id)).toMatchObject({ name: 'Renamed', role: 'admin', passwordHash: HASH });
    });

    it('changing an unknown user answers undefined and creates nothing', async () => {
      const store = await fresh();
      const id = randomUUID();
      expect(await store.updateName(id, 'Ghost')).toBeUndefined();
      expect(await store.setRole(id, 'admin')).toBeUndefined();
      expect(await store.setAttributes(id, { department: 'support' })).toBeUndefined();
      expect(await store.findById(id)).toBeUndefined();
      expect((await store.list({ cursor: undefined, limit: 10 })).items).toEqual([]);
    });

    it('disables a user once, keeping the record; unknown ids stay unknown', async () => {
      const store = await fresh();
      const user = await store.create(newUser());
      const disabled = await store.disable(user.id);
      expect(disabled).toEqual({ ...user, disabledAt: fixedNow });
      expect(await store.findById(user.id)).toEqual(disabled);
      expect(await store.findByEmail(user.email)).toEqual(disabled);
      expect(await store.disable(user.id)).toEqual(disabled);
      expect(await store.setRole(user.id, 'admin')).toEqual({ ...disabled, role: 'admin' });
      expect(await store.disable(randomUUID())).toBeUndefined();
      expect(await store.findById(user.id)).toMatchObject({ disabledAt: fixedNow });
    });
  });
}
