import { z } from 'zod';

/** Procedures that take nothing accept no input or an empty object, and nothing else. */
export const noInput = z.strictObject({}).optional();

/** Every Gatehouse id: a UUID. */
export const idSchema = z.uuid({ message: 'Must be a UUID' });

/** `{ id }`, the input of every by-id procedure. */
export const byIdInput = z.strictObject({ id: idSchema });

/** The input of every list procedure. `cursor` is opaque: pass back `nextCursor`. */
export const pageInput = z
  .strictObject({
    cursor: z.string().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(100).optional(),
  })
  .optional();

/** A page of `item`, with the cursor of the next page or null at the end. */
export function pageOf<TItem extends z.ZodType>(item: TItem) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A point in time on the wire: an ISO 8601 date-time string with an offset (`Z` or `+01:00`). */
export const isoTimestamp = z.iso.datetime({ offset: true });

/** The output of a mutation that has nothing to return but its success. */
export const okOutput = z.object({ ok: z.literal(true) });
