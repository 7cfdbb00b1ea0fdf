import { newOrderRecord, type OrderFilter, type OrderRecord, type OrderStore, type NewOrder } from '../order-store.js';
import type { Page, PageRequest } from '../page.js';
import { StoreFullError } from '../user-store.js';
import { SequencedList } from './sequenced-list.js';

export interface MemoryOrderStoreOptions {
  readonly maxOrders?: number;
  readonly now?: () => Date;
}

export function createMemoryOrderStore(options: MemoryOrderStoreOptions = {}): OrderStore {
  const maxOrders = options.maxOrders ?? 1_000_000;
  const now = options.now ?? (() => new Date());
  const byId = new Map<string, OrderRecord>();
  const all = new SequencedList();
  const byOwner = new Map<string, SequencedList>();
  let sequence = 0;

  return {
    async create(order: NewOrder): Promise<OrderRecord> {
      if (byId.size >= maxOrders) throw new StoreFullError('order');
      const record = newOrderRecord(order, now());
      const position = sequence++;
      byId.set(record.id, record);
      all.append(position, record.id);
      let owned = byOwner.get(record.ownerId);
      if (owned === undefined) {
        owned = new SequencedList();
        byOwner.set(record.ownerId, owned);
      }
      owned.append(position, record.id);
      return record;
    },
    async findById(id: string) {
      return byId.get(id);
    },
    async list(filter: OrderFilter, page: PageRequest): Promise<Page<OrderRecord>> {
      const list = filter.ownerId === undefined ? all : byOwner.get(filter.ownerId);
      if (list === undefined) return { items: [], nextCursor: null };
      const ids = list.pageDescending(page.cursor, page.limit);
      return { items: ids.items.flatMap((id) => byId.get(id) ?? []), nextCursor: ids.nextCursor };
    },
  };
}
