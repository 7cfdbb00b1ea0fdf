import type { PublicUser } from '@gatehouse/contracts';
import type { UserRecord } from '../stores/user-store.js';

/** A user as responses show it: every field but the password hash. */
export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt.toISOString() };
}
