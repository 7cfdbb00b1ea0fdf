import { encodeSequenceCursor, type Page } from '../page.js';

/**
 * A page from rows fetched with `limit + 1`: the extra row only tells that there is a next page, whose
 * cursor is the position of the page's last row (positions are bigint identity columns, read as strings).
 */
export function pageOfRows<Row extends { readonly position: string }, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeSequenceCursor(Number(last.position)) : null,
  };
}
