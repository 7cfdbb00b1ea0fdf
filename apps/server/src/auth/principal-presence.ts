import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import { isActiveUser, type UserStore } from '../stores/user-store.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import type { ClientDirectory } from './client-directory.js';

/**
 * Refuses an authentic access token whose principal is gone: any token of an
 * OAuth client that left the registry (client_credentials, or a user's token
 * issued to that client), or a user's token whose user record was deleted. A signature says who the token was issued
 * to, not that they still exist; without this check a removed client kept
 * its access until `exp`, and a removed user's token reached handlers that
 * then answered 404 for the caller's own record.
 */
export interface PrincipalPresence {
  /** Throws AuthFailureError `invalid_token` when the token's principal no longer exists; 503 when the store cannot say. */
  assertPresent(token: VerifiedAccessToken): Promise<void>;
  /** Users remembered as present, and the bound on them (for the memory report). */
  readonly size: number;
  readonly maxEntries: number;
}

export interface PrincipalPresenceOptions {
  readonly users: Pick<UserStore, 'findById'>;
  readonly clients: ClientDirectory;
  /**
   * How long a user found present is believed without asking the store
   * again: the window in which a deleted user's token still works on this
   * process. Absence is never cached, so a user is refused from the first
   * call the store says it is gone, after this window.
   */
  readonly presenceTtlMs?: number;
  /** Bound on remembered users, so a flood of valid tokens cannot grow the heap. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** One second: the user-record lookup is skipped on most calls of a busy client, and removal holds within a second. */
export const DEFAULT_PRESENCE_TTL_MS = 1000;

export function createPrincipalPresence(options: PrincipalPresenceOptions): PrincipalPresence {
  const { users, clients } = options;
  const presenceTtlMs = options.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // userId -> when the store last said the user exists. Insertion order makes the first key the oldest check.
  const checkedAt = new Map<string, number>();

  return {
    get size() {
      return checkedAt.size;
    },
    maxEntries,
    async assertPresent(token) {
      // auth.login's own tokens name the first party, which is never in the registry.
      if (token.clientId !== FIRST_PARTY_CLIENT_ID && !(await clients.has(token.clientId).catch(rethrowUnavailable))) {
        throw new AuthFailureError('invalid_token');
      }
      if (token.grant === 'client_credentials') return;
      const at = now();
      const lastSeen = checkedAt.get(token.subject);
      if (lastSeen !== undefined && at - lastSeen < presenceTtlMs) return;
      const user = await users.findById(token.subject).catch(rethrowUnavailable);
      checkedAt.delete(token.subject);
      if (!isActiveUser(user)) throw new AuthFailureError('invalid_token');
      checkedAt.set(token.subject, at);
      if (checkedAt.size > maxEntries) {
        const oldest = checkedAt.keys().next();
        if (oldest.done !== true) checkedAt.delete(oldest.value);
      }
    },
  };
}
