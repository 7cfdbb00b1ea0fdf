import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { AuthFailureError, failAuth } from '../errors/auth-failure-error.js';
import { principalKey } from '../auth/principal.js';
import { missingScopes } from '../auth/scopes.js';
import { eventOrigin } from '../context.js';
import { toApiKey } from './api-key-view.js';
import type { HandlersFor } from './build-router.js';
import { fetchPage } from './fetch-page.js';

export const apiKeysHandlers: HandlersFor<typeof contracts.apiKeys> = {
  async create({ input, ctx }) {
    const { principal } = ctx;
    // A key never holds more than its creator: for a caller using an API key,
    // that is the key's own scopes, so keys cannot mint stronger keys.
    const missing = missingScopes(input.scopes, principal.scopes);
    if (missing.length > 0) {
      ctx.deps.events.emit('authz.denied', eventOrigin(ctx, principalKey(principal)), {
        path: 'apiKeys.create',
        reason: 'insufficient_scope',
        missingScopes: missing,
      });
      failAuth('insufficient_scope', { required: input.scopes, missing });
    }
    // A key minted with a key is its child: it expires no later and is revoked with it,
    // so a short-lived or revoked key cannot leave a longer-lived copy of itself behind.
    const parentId = principal.credential.type === 'api_key' ? principal.credential.keyId : undefined;
    const { record, key } = await ctx.deps.apiKeys
      .issue({ ownerId: principal.userId, name: input.name, scopes: input.scopes, expiresInDays: input.expiresInDays, parentId })
      .catch((error: unknown) => {
        if (error instanceof AuthFailureError) throw error.toTRPCError();
        throw error;
      });
    ctx.deps.events.emit('apikey.created', eventOrigin(ctx, principalKey(principal)), {
      keyId: record.id,
      ownerId: record.ownerId,
      scopes: [...record.scopes],
      expiresAt: record.expiresAt?.toISOString() ?? null,
      parentKeyId: record.parentId ?? null,
    });
    return {
      id: record.id,
      key,
      prefix: record.prefix,
      scopes: [...record.scopes],
      expiresAt: record.expiresAt?.toISOString() ?? null,
    };
  },

  async list({ input, ctx }) {
    const page = await fetchPage(input, (request) => ctx.deps.apiKeys.list(ctx.principal.userId, request));
    return { items: page.items.map(toApiKey), nextCursor: page.nextCursor };
  },

  async revoke({ input, ctx }) {
    const { principal } = ctx;
    const record = await ctx.deps.apiKeys.revoke(principal.userId, input.id);
    // Another user's key answers exactly like a key that does not exist.
    if (record?.revokedAt === undefined) throw new TRPCError({ code: 'NOT_FOUND', message: 'Not found' });
    ctx.deps.events.emit('apikey.revoked', eventOrigin(ctx, principalKey(principal)), {
      keyId: record.id,
      ownerId: record.ownerId,
    });
    return { id: record.id, revokedAt: record.revokedAt.toISOString() };
  },
};
