import { TRPCError } from '@trpc/server';
import type { AuthenticatedContext } from '../context.js';

/**
 * Whether the caller may see a record owned by `ownerId`: its owner, an
 * admin, or a system principal (which acts for the system within its scopes).
 */
export async function mayAccessOwnedBy(ctx: AuthenticatedContext, ownerId: string): Promise<boolean> {
  const { principal } = ctx;
  if (principal.kind !== 'user') return true;
  if (principal.userId === ownerId) return true;
  const caller = await ctx.deps.users.findById(principal.userId);
  return caller?.role === 'admin';
}

/**
 * The record, if the caller may see it. Otherwise NOT_FOUND, exactly as for a
 * record that does not exist, so ids of other users' records leak nothing.
 */
export async function requireOwned<TRecord>(
  ctx: AuthenticatedContext,
  record: TRecord | undefined,
  ownerOf: (record: TRecord) => string,
): Promise<TRecord> {
  if (record !== undefined && (await mayAccessOwnedBy(ctx, ownerOf(record)))) return record;
  throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
}
