/**
 * A fixed-capacity buffer that drops its oldest item when full: what keeps
 * the development stores bounded however long the process runs.
 */
export class RingBuffer<T> {
  readonly #items: Array<T | undefined>;
  #start = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('A ring buffer holds at least one item');
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an item at the newest end; returns the oldest item when it had to make room. */
  push(item: T): T | undefined {
    if (this.#size < this.capacity) {
      this.#items[(this.#start + this.#size) % this.capacity] = item;
      this.#size += 1;
      return undefined;
    }
    const evicted = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
    return evicted;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const oldest = this.#items[this.#start];
    this.#items[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.capacity;
    this.#size -= 1;
    return oldest;
  }

  /** The item at `index`, 0 being the oldest. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#size) return undefined;
    return this.#items[(this.#start + index) % this.capacity];
  }

  /** Replaces the item at `index` (0 = oldest), as storage that can be edited behind a store's back. */
  set(index: number, item: T): void {
    if (index < 0 || index >= this.#size) throw new RangeError(`No item at ${index}`);
    this.#items[(this.#start + index) % this.capacity] = item;
  }

  /** Removes the item at `index` (0 = oldest), closing the gap. */
  removeAt(index: number): void {
    if (index < 0 || index >= this.#size) throw new RangeError(`No item at ${index}`);
    for (let position = index; position < this.#size - 1; position += 1) {
      this.#items[(this.#start + position) % this.capacity] = this.#items[(this.#start + position + 1) % this.capacity];
    }
    this.#items[(this.#start + this.#size - 1) % this.capacity] = undefined;
    this.#size -= 1;
  }

  *oldestFirst(): IterableIterator<T> {
    for (let index = 0; index < this.#size; index += 1) yield this.at(index) as T;
  }

  *newestFirst(): IterableIterator<T> {
    for (let index = this.#size - 1; index >= 0; index -= 1) yield this.at(index) as T;
  }
}
