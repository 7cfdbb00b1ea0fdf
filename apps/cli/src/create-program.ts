import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { apiKeysCommand } from './commands/api-keys-command.js';
import { auditCommand } from './commands/audit-command.js';
import { clientsCommand } from './commands/clients-command.js';
import { configCommand } from './commands/config-command.js';
import { hashPasswordCommand } from './commands/hash-password-command.js';
import { keysCommand } from './commands/keys-command.js';
import { usersCommand } from './commands/users-command.js';

/** The `gatehouse` command tree. Commands read the same environment variables as the server (docs/configuration.md). */
export function createProgram(context: CliContext): Command {
  const program = new Command('gatehouse')
    .description('Operate a Gatehouse deployment: signing keys, passwords, configuration, users, OAuth clients, API keys, audit log')
    .addHelpText(
      'after',
      '\nCommands that change records act on the store of GATEHOUSE_STORE (redis or postgres), configured by the same variables as the server,\n' +
        'and are recorded in the audit log as cli:<os user>.\n' +
        'Exit codes: 0 done, 1 refused or failed, 2 usage error, 3 configuration or store unavailable.',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const command of [
    keysCommand(context),
    hashPasswordCommand(context),
    configCommand(context),
    usersCommand(context),
    clientsCommand(context),
    apiKeysCommand(context),
    auditCommand(context),
  ]) {
    program.addCommand(command);
  }
  // Every level answers --help, and a usage error anywhere throws instead of exiting: main.ts picks the exit code.
  const configure = (command: Command) => {
    command.exitOverride().showHelpAfterError('(add --help for usage)');
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}
