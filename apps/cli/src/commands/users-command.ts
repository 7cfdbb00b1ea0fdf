import { normalizePassword, ROLES, type Role } from '@gatehouse/contracts';
import { createPasswordHasher, EmailTakenError, parseSeed } from '@gatehouse/server/operator';
import { Argument, Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { withOperatorSession, type OperatorSession } from '../operator-session.js';
import { readSecretInput } from '../read-secret-input.js';
import { seedIssues } from '../seed-issues.js';
import { assertAcceptablePassword } from './hash-password-command.js';

/** `users create | set-role | unlock | disable` on the configured store, each audited. */
export function usersCommand(context: CliContext): Command {
  const users = new Command('users').description('Create users, change their role, unlock or disable them (on the configured store)');
  const session = <T>(run: (session: OperatorSession) => Promise<T>) => withOperatorSession(context, { writes: true }, run);

  users
    .command('create')
    .description('Create a user; the password is read on standard input')
    .requiredOption('--email <email>', 'the sign-in email')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('user'))
    .addHelpText('after', '\nExample:\n  printf %s "$PASSWORD" | pnpm gatehouse users create --email ada@example.com --name Ada --role admin')
    .action(async (options: { email: string; name: string; role: Role }) => {
      const password = normalizePassword(await readSecretInput('password'));
      assertAcceptablePassword(password);
      // The seed's rules are the registration rules (email, name, password policy, password ≠ email).
      const issues = seedIssues(() => parseSeed({ users: [{ email: options.email, name: options.name, role: options.role, password }] }));
      if (issues !== undefined) throw new CliError(`cannot create the user: ${issues}`, EXIT.usage);
      await session(async ({ config, stores, audit }) => {
        const hasher = await createPasswordHasher({ cost: config.bcryptCost });
        const user = await stores.users
          .create({ email: options.email, name: options.name, role: options.role, passwordHash: await hasher.hash(password) })
          .catch((error: unknown) => {
            if (error instanceof EmailTakenError) throw new CliError(`a user with email ${options.email} exists already`, EXIT.failed);
            throw error;
          });
        await audit('user.created', { userId: user.id, email: user.email, role: user.role });
        context.terminal.out(user.id);
        context.terminal.note(`Created ${user.email} (${user.role}), id ${user.id}.`);
      });
    });

  users
    .command('set-role')
    .description('Change a user’s role; their sessions end, so new tokens carry the new role’s scopes')
    .argument('<user>', 'email or id')
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .action(async (who: string, role: Role) => {
      await session(async ({ stores, audit, findUser }) => {
        const before = await findUser(who);
        if (before.role === role) {
          context.terminal.note(`${before.email} is ${role} already; nothing changed.`);
          return;
        }
        const after = await stores.users.setRole(before.id, role);
        if (after === undefined) throw new CliError(`no user ${who}`, EXIT.failed);
        await audit('user.role_changed', { userId: after.id, from: before.role, to: after.role });
        const revokedFamilies = await stores.revocation.revokeUser(after.id);
        await audit('token.revoked', { reason: 'user.role_changed', userId: after.id, revokedFamilies });
        context.terminal.note(`${after.email} is now ${after.role}; ${revokedFamilies} session(s) ended.`);
      });
    });

  users
    .command('unlock')
    .description('Clear the failed-login counters that lock an email out of auth.login')
    .argument('<email>', 'the locked email')
    .action(async (email: string) => {
      await session(async ({ stores, audit }) => {
        const cleared = await stores.unlockLogin(email);
        await audit('user.unlocked', { email: email.trim().toLowerCase(), clearedCounters: cleared });
        context.terminal.note(cleared === 0 ? `${email} had no failed-login counters.` : `Unlocked ${email} (${cleared} counter(s) cleared).`);
      });
    });

  users
    .command('disable')
    .description('Disable a user: logins refused, sessions ended, access tokens and API keys refused')
    .argument('<user>', 'email or id')
    .action(async (who: string) => {
      await session(async ({ stores, audit, findUser }) => {
        const before = await findUser(who);
        if (before.disabledAt !== undefined) {
          context.terminal.note(`${before.email} has been disabled since ${before.disabledAt.toISOString()}; nothing changed.`);
          return;
        }
        const after = await stores.users.disable(before.id);
        if (after === undefined) throw new CliError(`no user ${who}`, EXIT.failed);
        await audit('user.disabled', { userId: after.id, email: after.email });
        const revokedFamilies = await stores.revocation.revokeUser(after.id);
        await audit('token.revoked', { reason: 'user.disabled', userId: after.id, revokedFamilies });
        context.terminal.note(`Disabled ${after.email}; ${revokedFamilies} session(s) ended, its API keys are refused.`);
      });
    });

  return users;
}
