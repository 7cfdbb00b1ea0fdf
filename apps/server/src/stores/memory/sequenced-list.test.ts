import { describe, expect, it } from 'vitest';
import { InvalidCursorError, encodeCursor, encodeSequenceCursor } from '../page.js';
import { SequencedList } from './sequenced-list.js';

/** A list with gaps in its sequence, as an index of a filtered set has. */
function listOf(sequences: readonly number[]): SequencedList {
  const list = new SequencedList();
  for (const sequence of sequences) list.append(sequence, `id-${sequence}`);
  return list;
}

function walk(list: SequencedList, direction: 'ascending' | 'descending', limit: number): string[][] {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = direction === 'ascending' ? list.pageAscending(cursor, limit) : list.pageDescending(cursor, limit);
    pages.push([...page.items]);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

describe('SequencedList', () => {
  const list = listOf([0, 3, 4, 9, 12]);

  it('pages oldest first, each id once, ending with a null cursor', () => {
    expect(walk(list, 'ascending', 2)).toEqual([['id-0', 'id-3'], ['id-4', 'id-9'], ['id-12']]);
  });

  it('pages newest first, each id once', () => {
    expect(walk(list, 'descending', 2)).toEqual([['id-12', 'id-9'], ['id-4', 'id-3'], ['id-0']]);
  });

  it('ends on an exactly full page without an empty extra page', () => {
    expect(walk(listOf([1, 2, 3, 4]), 'ascending', 2)).toEqual([['id-1', 'id-2'], ['id-3', 'id-4']]);
    expect(walk(listOf([1, 2, 3, 4]), 'descending', 4)).toEqual([['id-4', 'id-3', 'id-2', 'id-1']]);
  });

  it('answers an empty page for an empty list or a limit beyond the end', () => {
    expect(new SequencedList().pageAscending(undefined, 5)).toEqual({ items: [], nextCursor: null });
    expect(new SequencedList().pageDescending(undefined, 5)).toEqual({ items: [], nextCursor: null });
    expect(list.pageAscending(encodeSequenceCursor(12), 5)).toEqual({ items: [], nextCursor: null });
    expect(list.pageDescending(encodeSequenceCursor(0), 5)).toEqual({ items: [], nextCursor: null });
  });

  it('treats a cursor as exclusive, also when it falls in a gap', () => {
    expect(list.pageAscending(encodeSequenceCursor(4), 10).items).toEqual(['id-9', 'id-12']);
    expect(list.pageAscending(encodeSequenceCursor(5), 10).items).toEqual(['id-9', 'id-12']);
    expect(list.pageDescending(encodeSequenceCursor(9), 10).items).toEqual(['id-4', 'id-3', 'id-0']);
    expect(list.pageDescending(encodeSequenceCursor(8), 10).items).toEqual(['id-4', 'id-3', 'id-0']);
  });

  it('keeps a cursor valid while ids are appended', () => {
    const growing = listOf([1, 2, 3]);
    const first = growing.pageDescending(undefined, 2);
    growing.append(4, 'id-4');
    expect(growing.pageDescending(first.nextCursor ?? undefined, 2).items).toEqual(['id-1']);
  });

  it.each(['garbage', encodeCursor('s:'), encodeCursor('s:1.5'), encodeCursor('s:1e3'), encodeCursor('x:1'), ''])(
    'refuses the forged cursor %j',
    (cursor) => {
      expect(() => list.pageAscending(cursor, 2)).toThrow(InvalidCursorError);
      expect(() => list.pageDescending(cursor, 2)).toThrow(InvalidCursorError);
    },
  );
});
