import { randomUUID } from 'node:crypto';
import type { Role, UserAttributes } from '@gatehouse/contracts';
import type { Page, PageRequest } from '../page.js';
import { EmailTakenError, StoreFullError, type NewUser, type UserRecord, type UserStore } from '../user-store.js';
import { SequencedList } from './sequenced-list.js';

export interface MemoryUserStoreOptions {
  /** The store refuses new users past this many (development store: bounded). */
  readonly maxUsers?: number;
  readonly now?: () => Date;
}

export function createMemoryUserStore(options: MemoryUserStoreOptions = {}): UserStore {
  const maxUsers = options.maxUsers ?? 100_000;
  const now = options.now ?? (() => new Date());
  const byId = new Map<string, UserRecord>();
  const idByEmail = new Map<string, string>();
  const order = new SequencedList();
  let sequence = 0;

  function replace(id: string, change: Partial<Pick<UserRecord, 'name' | 'role' | 'attributes' | 'disabledAt'>>): UserRecord | undefined {
    const current = byId.get(id);
    if (current === undefined) return undefined;
    const next = Object.freeze({ ...current, ...change });
    byId.set(id, next);
    return next;
  }

  return {
    async create(user: NewUser): Promise<UserRecord> {
      // Lowercased like the Redis store's index: one account per address whatever its case.
      if (idByEmail.has(user.email.toLowerCase())) throw new EmailTakenError();
      if (byId.size >= maxUsers) throw new StoreFullError('user');
      const record: UserRecord = Object.freeze({ ...user, id: randomUUID(), createdAt: now() });
      byId.set(record.id, record);
      idByEmail.set(record.email.toLowerCase(), record.id);
      order.append(sequence++, record.id);
      return record;
    },
    async findById(id: string) {
      return byId.get(id);
    },
    async findByEmail(email: string) {
      const id = idByEmail.get(email.toLowerCase());
      return id === undefined ? undefined : byId.get(id);
    },
    async list(page: PageRequest): Promise<Page<UserRecord>> {
      const ids = order.pageAscending(page.cursor, page.limit);
      return { items: ids.items.flatMap((id) => byId.get(id) ?? []), nextCursor: ids.nextCursor };
    },
    async updateName(id: string, name: string) {
      return replace(id, { name });
    },
    async setRole(id: string, role: Role) {
      return replace(id, { role });
    },
    async setAttributes(id: string, attributes: UserAttributes) {
      // A copy, frozen: the caller's object cannot change a stored record afterwards.
      return replace(id, { attributes: Object.freeze({ ...attributes }) });
    },
    async disable(id: string) {
      const current = byId.get(id);
      return current?.disabledAt === undefined ? replace(id, { disabledAt: now() }) : current;
    },
  };
}
