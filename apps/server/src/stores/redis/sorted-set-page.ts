import type { RedisClient } from './redis-client.js';
import { decodeSequenceCursor, encodeSequenceCursor, type Page, type PageRequest } from '../page.js';
import { runOnRedis } from './redis-script.js';

/**
 * One page of the ids in a sorted set scored by creation sequence, the Redis
 * twin of the memory stores' SequencedList: same cursors, same order. The
 * cursor is the score of the page's last id, so records created while a
 * client pages never shift it (no duplicates, no gaps, unlike offsets).
 */
export async function pageSortedSet(
  redis: RedisClient,
  key: string,
  page: PageRequest,
  order: 'ascending' | 'descending',
): Promise<Page<string>> {
  // Decoded before any Redis call: a forged cursor is InvalidCursorError, never a query.
  const position = page.cursor === undefined ? undefined : decodeSequenceCursor(page.cursor);
  // One more than asked tells whether a next page exists without a second query.
  const count = page.limit + 1;
  const flat = await runOnRedis(() =>
    order === 'ascending'
      ? redis.zrangebyscore(key, position === undefined ? '-inf' : `(${position}`, '+inf', 'WITHSCORES', 'LIMIT', 0, count)
      : redis.zrevrangebyscore(key, position === undefined ? '+inf' : `(${position}`, '-inf', 'WITHSCORES', 'LIMIT', 0, count),
  );
  const ids: string[] = [];
  let lastScore = 0;
  for (let index = 0; index + 1 < flat.length && ids.length < page.limit; index += 2) {
    ids.push(flat[index] as string);
    lastScore = Number(flat[index + 1]);
  }
  const more = flat.length / 2 > page.limit;
  return { items: ids, nextCursor: more ? encodeSequenceCursor(lastScore) : null };
}
