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
  /** The user's second factor (TOTP), pending until its first code confirms it; absent: password only. */
  readonly secondFactor?: SecondFactorRecord;
}

/**
 * A TOTP second factor (RFC 6238) as the server keeps it. The shared secret
 * is sealed (AES-256-GCM, auth/second-factor-sealer.ts) so a store dump
 * yields no code generator; recovery codes are kept only as SHA-256 hashes.
 */
export interface SecondFactorRecord {
  readonly method: 'totp';
  readonly sealedSecret: string;
  /** When the first code confirmed the enrolment (epoch ms). Absent: pending, never asked for at sign-in. */
  readonly confirmedAtMs?: number;
  /** SHA-256 (hex) of each unused recovery code; a used one is removed. */
  readonly recoveryCodeHashes: readonly string[];
  /** The last TOTP time step accepted: a code is never accepted twice (RFC 6238 section 5.2). */
  readonly lastTimeStep: number;
}

/** Whether the user must give a second factor to sign in. */
export function hasConfirmedSecondFactor(user: UserRecord): boolean {
  return user.secondFactor?.confirmedAtMs !== undefined;
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
  /** Replaces the user's second factor as a whole (null removes it); undefined for an unknown id. */
  setSecondFactor(id: string, factor: SecondFactorRecord | null): Promise<UserRecord | undefined>;
  /**
   * Records a TOTP time step as used, atomically and only when it is later
   * than the last one: false means the code was used already (or there is no
   * factor), so two requests racing with one code get one success.
   */
  useTimeStep(id: string, timeStep: number): Promise<boolean>;
  /** Removes one recovery code by hash, atomically: true for exactly one caller, false when it is not (or no longer) there. */
  useRecoveryCode(id: string, codeHash: string): Promise<boolean>;
}
