import { decodeSequenceCursor, encodeSequenceCursor, type Page } from '../page.js';

/**
 * An append-only list of ids, each with an increasing sequence number, paged
 * by cursor in either direction with a binary search: the memory stores'
 * equivalent of a sorted index.
 */
export class SequencedList {
  readonly #sequences: number[] = [];
  readonly #ids: string[] = [];

  append(sequence: number, id: string): void {
    this.#sequences.push(sequence);
    this.#ids.push(id);
  }

  get size(): number {
    return this.#ids.length;
  }

  /** Oldest first, after the cursor. */
  pageAscending(cursor: string | undefined, limit: number): Page<string> {
    const after = cursor === undefined ? -1 : decodeSequenceCursor(cursor);
    const start = this.#firstIndexAbove(after);
    const ids = this.#ids.slice(start, start + limit);
    const last = start + ids.length - 1;
    const more = start + ids.length < this.#ids.length;
    return { items: ids, nextCursor: more ? encodeSequenceCursor(this.#sequences[last] ?? 0) : null };
  }

  /** Newest first, before the cursor. */
  pageDescending(cursor: string | undefined, limit: number): Page<string> {
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : decodeSequenceCursor(cursor);
    const end = this.#firstIndexAbove(before - 1); // exclusive
    const start = Math.max(0, end - limit);
    const ids = this.#ids.slice(start, end).reverse();
    return { items: ids, nextCursor: start > 0 ? encodeSequenceCursor(this.#sequences[start] ?? 0) : null };
  }

  #firstIndexAbove(sequence: number): number {
    let low = 0;
    let high = this.#sequences.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#sequences[middle] ?? 0) <= sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
