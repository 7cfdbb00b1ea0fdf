import bcrypt from 'bcryptjs';

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
}

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

export async function createPasswordHasher(options: PasswordHasherOptions): Promise<PasswordHasher> {
  const { cost } = options;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError('bcrypt cost must be an integer from 4 to 31');
  // Hashed once at start, at the same cost as real hashes, so both paths take as long.
  const dummyHash = await bcrypt.hash('gatehouse-timing-equaliser', cost);
  let operations = 0;

  return {
    async hash(password) {
      operations += 1;
      return bcrypt.hash(password, cost);
    },
    async verify(password, hash) {
      operations += 1;
      const usable = hash !== undefined && BCRYPT_HASH.test(hash);
      const matches = await bcrypt.compare(password, usable ? hash : dummyHash);
      return usable && matches;
    },
    get operations() {
      return operations;
    },
  };
}

/** Whether a seed's passwordHash is a bcrypt hash at all (checked when the seed loads). */
export function isBcryptHash(value: string): boolean {
  return BCRYPT_HASH.test(value);
}
