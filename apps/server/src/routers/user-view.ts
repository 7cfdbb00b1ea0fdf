import type { PublicUser, UserWithAttributes } from '@gatehouse/contracts';
import type { UserRecord } from '../stores/user-store.js';

/** A user as responses show it: every field but the password hash. */
export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: isoStringOf(user.createdAt) };
}

/**
 * Date#toISOString, remembered per Date: it is a C++ builtin call (about
 * 2 µs, the largest part of users.me's handler), and a record held in
 * memory (the memory store, the Redis store's held reads) shows the same
 * Date on every call. Weakly held, so a record's string goes with its
 * record. No code sets a stored Date in place (records are replaced whole).
 */
const isoStrings = new WeakMap<Date, string>();

function isoStringOf(date: Date): string {
  let iso = isoStrings.get(date);
  if (iso === undefined) {
    iso = date.toISOString();
    isoStrings.set(date, iso);
  }
  return iso;
}

/** A user as admins see it after setting attributes: the public fields and the attributes policies read. */
export function toUserWithAttributes(user: UserRecord): UserWithAttributes {
  return { ...toPublicUser(user), attributes: { ...user.attributes } };
}
