import process from 'node:process';
import { ConfigError, OperatorStoreError, StartupError, StoreUnavailableError } from '@gatehouse/server/operator';
import { CommanderError } from 'commander';
import { CliError, EXIT, type ExitCode } from './cli-error.js';
import { createProgram } from './create-program.js';
import { processTerminal } from './terminal.js';

/** Boot only: read the environment once, run the command, turn its outcome into an exit code (cli-error.ts). */
async function main(): Promise<ExitCode> {
  const program = createProgram({ env: process.env, terminal: processTerminal });
  try {
    await program.parseAsync(process.argv);
    return EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Commander printed the message (and the help hint) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    // A key id, client id or email may itself begin with "-" (not "--": that is a mistyped option); after "--"
    // nothing is read as an option.
    if (error.code === 'commander.unknownOption' && /unknown option '-[^-]/.test(error.message)) {
      print('a value that begins with "-" goes after --', 'as in: pnpm gatehouse keys retire --file keys.json -- -Ab3x');
    }
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    print(error.message, error.hint);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    print(error.message, 'fix the variables above; pnpm gatehouse config print shows the rest once they parse');
    return EXIT.environment;
  }
  if (error instanceof OperatorStoreError) {
    print(error.message);
    return EXIT.environment;
  }
  if (error instanceof StartupError || error instanceof StoreUnavailableError) {
    print(error.message, 'is the store running, and are REDIS_URL and GATEHOUSE_REDIS_PREFIX the servers’ values?');
    return EXIT.environment;
  }
  process.stderr.write(`gatehouse: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}

function print(message: string, hint?: string): void {
  process.stderr.write(`gatehouse: ${message}\n${hint === undefined ? '' : `  ${hint}\n`}`);
}

process.exitCode = await main();
