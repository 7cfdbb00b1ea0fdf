import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';

/**
 * SQLSTATE classes that say the database cannot answer now, not that the query is wrong:
 * 08 connection exception, 53 insufficient resources (too many connections), 57 operator intervention
 * (57014 statement timeout, 57P01 shutdown, 57P03 starting up), 58 system error.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
/** Socket errors as Node reports them. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** pg and pg-pool raise these without a code: a connection lost, refused or timed out. */
const DRIVER_MESSAGES = /connection terminated|timeout exceeded when trying to connect|query read timeout|not queryable|connection error|ended the connection/i;

/** Whether `error` means PostgreSQL is down, unreachable or too slow (answered 503), rather than a bug. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isPostgresUnavailable);
  return DRIVER_MESSAGES.test(error.message);
}

/** The SQLSTATE of a PostgreSQL error, or undefined. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Runs one store operation, turning an outage into StoreUnavailableError (503 upstream) and leaving every
 * other error as it is: a constraint the store did not expect is a bug, not a reason to tell the client
 * to retry.
 */
export async function runOnPostgres<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isPostgresUnavailable(error)) throw new StoreUnavailableError(what, { cause: error });
    throw error;
  }
}
