import type { PublicUser, UserWithAttributes } from '@gatehouse/contracts';
import type { UserRecord } from '../stores/user-store.js';

/** A user as responses show it: every field but the password hash. */
export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt.toISOString() };
}

/** A user as admins see it after setting attributes: the public fields and the attributes policies read. */
export function toUserWithAttributes(user: UserRecord): UserWithAttributes {
  return { ...toPublicUser(user), attributes: { ...user.attributes } };
}
