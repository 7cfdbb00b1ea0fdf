import { TRPCError } from '@trpc/server';
import { DEFAULT_PAGE_SIZE, InvalidCursorError, type Page, type PageRequest } from '../stores/page.js';

/** Runs a store listing for a list procedure's input; a forged cursor is the client's error (400). */
export async function fetchPage<TItem>(
  input: { readonly cursor?: string | undefined; readonly limit?: number | undefined } | undefined,
  list: (page: PageRequest) => Promise<Page<TItem>>,
): Promise<Page<TItem>> {
  try {
    return await list({ cursor: input?.cursor, limit: input?.limit ?? DEFAULT_PAGE_SIZE });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
    throw error;
  }
}
