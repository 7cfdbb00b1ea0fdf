import bcrypt from 'bcryptjs';
import { ServiceOverloadedError } from '../errors/service-overloaded-error.js';
import type { PasswordWorkerPool } from './password-worker-pool.js';

/**
 * Password hashing with bcrypt at the configured cost. `verify` against an
 * unknown account still runs a full compare against a dummy hash, so a
 * response's timing never tells whether an email is registered.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares against `hash`, or against a dummy hash of the same cost when there is no account. */
  verify(password: string, hash: string | undefined): Promise<boolean>;
  /** How many compares and hashes ran: observable so tests can prove blocked logins run none. */
  readonly operations: number;
}

export interface PasswordHasherOptions {
  readonly cost: number;
  /**
   * Worker threads to run bcrypt on. Without one, bcrypt runs on the event
   * loop (bcryptjs's async API yields only every 100 ms): tools and tests only.
   */
  readonly pool?: PasswordWorkerPool | undefined;
}

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

export async function createPasswordHasher(options: PasswordHasherOptions): Promise<PasswordHasher> {
  const { cost, pool } = options;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError('bcrypt cost must be an integer from 4 to 31');
  const hashWith = pool === undefined ? (password: string) => bcrypt.hash(password, cost) : (password: string) => pool.hash(password, cost);
  const compareWith = pool === undefined ? bcrypt.compare : pool.compare;
  // Hashed once at start, at the same cost as real hashes, so both paths take as long.
  const dummyHash = await hashWith('gatehouse-timing-equaliser');
  let operations = 0;

  return {
    async hash(password) {
      operations += 1;
      return refuseWhenOverloaded(hashWith(password));
    },
    async verify(password, hash) {
      operations += 1;
      const usable = hash !== undefined && BCRYPT_HASH.test(hash);
      const matches = await refuseWhenOverloaded(compareWith(password, usable ? hash : dummyHash));
      return usable && matches;
    },
    get operations() {
      return operations;
    },
  };
}

/** A full worker queue answers 503 with Retry-After, not a 500. */
async function refuseWhenOverloaded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof ServiceOverloadedError ? error.toTRPCError() : error;
  }
}

/** Whether a seed's passwordHash is a bcrypt hash at all (checked when the seed loads). */
export function isBcryptHash(value: string): boolean {
  return BCRYPT_HASH.test(value);
}
