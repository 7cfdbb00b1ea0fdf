import type { Principal } from '../auth/principal.js';
import type { UserRecord, UserStore } from '../stores/user-store.js';

/** The caller as a policy sees it. */
export interface PolicySubject {
  readonly principal: Principal;
  /**
   * The server's record of the user behind the principal: its role and
   * attributes, never the token's word for them. Undefined for a principal
   * with no user behind it (client credentials, services) and for a user
   * who is gone. Read from the store at most once per check, and only when
   * a rule asks (an owner reading its own record costs no lookup).
   */
  user(): Promise<UserRecord | undefined>;
}

export function createPolicySubject(principal: Principal, users: Pick<UserStore, 'findById'>): PolicySubject {
  let record: Promise<UserRecord | undefined> | undefined;
  return {
    principal,
    user() {
      if (principal.kind !== 'user') return Promise.resolve(undefined);
      record ??= users.findById(principal.userId);
      return record;
    },
  };
}
