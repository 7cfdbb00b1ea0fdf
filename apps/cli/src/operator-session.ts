import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { SecurityEventType } from '@gatehouse/contracts';
import { createOperatorStores, parseConfig, type Config, type OperatorStores, type SecurityEvent, type UserRecord } from '@gatehouse/server/operator';
import pino from 'pino';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-error.js';

/** The stores of the configured deployment, and the audit trail of this command's changes. */
export interface OperatorSession {
  readonly config: Config;
  readonly stores: OperatorStores;
  /** `cli:<os user>`: who the audit log says made the change. */
  readonly actor: string;
  /**
   * Appends an audit record, as the API's own changes are (same types, same chain), and waits for it:
   * a change whose record cannot be written is reported as a failure, never silently unaudited.
   */
  audit(type: SecurityEventType, details: SecurityEvent['details']): Promise<void>;
  /** The user named by id or email, or a CliError saying there is none. */
  findUser(idOrEmail: string): Promise<UserRecord>;
}

/** Opens the configured store for one command, runs it and closes the connection, whatever happens. */
export async function withOperatorSession<T>(
  context: CliContext,
  options: { readonly writes: boolean },
  run: (session: OperatorSession) => Promise<T>,
): Promise<T> {
  const config = parseConfig(context.env);
  // Connection trouble is reported once, by the error this command ends with, not as log lines.
  const logger = pino({ level: 'silent' });
  const stores = await createOperatorStores(config, { logger, requireAuditKey: options.writes });
  const actor = `cli:${osUser()}`;
  const host = hostname();
  const session: OperatorSession = {
    config,
    stores,
    actor,
    async audit(type, details) {
      const event: SecurityEvent = { time: new Date().toISOString(), type, ip: 'cli', requestId: randomUUID(), principal: actor, details: { ...details, host } };
      try {
        await stores.auditLog.append(event);
      } catch (error) {
        throw new CliError(
          `the change was made, but its audit record (${type}) could not be written: ${error instanceof Error ? error.message : String(error)}`,
          EXIT.failed,
          'check the store, then record the change by hand; pnpm gatehouse audit verify shows whether the log is intact',
        );
      }
    },
    async findUser(idOrEmail) {
      const user = idOrEmail.includes('@') ? await stores.users.findByEmail(idOrEmail) : await stores.users.findById(idOrEmail);
      if (user === undefined) throw new CliError(`no user ${idOrEmail}`, EXIT.failed, 'name a user by email or id');
      return user;
    },
  };
  try {
    return await run(session);
  } finally {
    await stores.close();
  }
}

/** The OS account running the command, in the characters an audit principal may hold. */
function osUser(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = 'unknown';
  }
  return name.replace(/[^\w.@-]/g, '_').slice(0, 100) || 'unknown';
}
