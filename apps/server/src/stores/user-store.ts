import type { Role, UserAttributes } from '@gatehouse/contracts';
import type { Page, PageRequest } from './page.js';

/** A user as the server keeps it. Never leaves the server as is: see publicUser(). */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly createdAt: Date;
  /** What policies read beyond the role (department, region); absent until an admin sets some. */
  readonly attributes?: UserAttributes;
  /**
   * Set once the account is disabled (`pnpm gatehouse users disable`): the
   * server refuses its logins, its access and refresh tokens and its API keys.
   * Absent: active. The record stays, so the audit log's references hold.
   */
  readonly disabledAt?: Date;
}

/** Whether the server may act for this user: it exists and is not disabled. */
export function isActiveUser(user: UserRecord | undefined): user is UserRecord {
  return user !== undefined && user.disabledAt === undefined;
}

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
}

/** The email is already registered. Emails are compared lowercased. */
export class EmailTakenError extends Error {
  constructor() {
    super('An account with this email already exists');
    this.name = 'EmailTakenError';
  }
}

/** The store refused to grow past its bound (memory store only). */
export class StoreFullError extends Error {
  constructor(what: string) {
    super(`The ${what} store is full`);
    this.name = 'StoreFullError';
  }
}

/** User accounts. Every method is one atomic operation on the backing store. */
export interface UserStore {
  /** Creates a user with a fresh UUID; throws EmailTakenError when the email exists. */
  create(user: NewUser): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Oldest first. */
  list(page: PageRequest): Promise<Page<UserRecord>>;
  updateName(id: string, name: string): Promise<UserRecord | undefined>;
  setRole(id: string, role: Role): Promise<UserRecord | undefined>;
  /** Replaces the user's attributes as a whole (an empty object clears them); undefined for an unknown id. */
  setAttributes(id: string, attributes: UserAttributes): Promise<UserRecord | undefined>;
  /** Sets disabledAt to the store's clock, once (a second disable keeps the first time); undefined when no such user. */
  disable(id: string): Promise<UserRecord | undefined>;
}
