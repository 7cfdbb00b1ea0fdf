import { COMMON_PASSWORD_MESSAGE, createPasswordHasher, isCommonPassword, parseConfig } from '@gatehouse/server/operator';
import { newPasswordSchema, normalizePassword } from '@gatehouse/contracts';
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { readSecretInput } from '../read-secret-input.js';

/** `hash-password`: a bcrypt hash for a seed file's `passwordHash`, read from stdin, checked against the registration policy. */
export function hashPasswordCommand(context: CliContext): Command {
  return new Command('hash-password')
    .description('Read a password on standard input and print its bcrypt hash (for a seed file’s passwordHash)')
    .option('--cost <rounds>', 'bcrypt cost, 4 to 15 (default: GATEHOUSE_BCRYPT_COST, or 12)', parseCost)
    .addHelpText('after', '\nExample:\n  printf %s "$PASSWORD" | pnpm gatehouse hash-password > hash.txt')
    .action(async (options: { cost?: number }) => {
      const cost = options.cost ?? parseConfig(context.env).bcryptCost;
      const password = normalizePassword(await readSecretInput('password'));
      assertAcceptablePassword(password);
      const hasher = await createPasswordHasher({ cost });
      context.terminal.out(await hasher.hash(password));
    });
}

/** The policy auth.register applies: a hash of a password the API would refuse would only move the weakness into a seed. */
export function assertAcceptablePassword(password: string): void {
  const checked = newPasswordSchema.safeParse(password);
  if (!checked.success) throw new CliError(`password refused: ${checked.error.issues.map((issue) => issue.message).join('; ')}`, EXIT.failed);
  if (isCommonPassword(password)) throw new CliError(`password refused: ${COMMON_PASSWORD_MESSAGE}`, EXIT.failed);
}

function parseCost(value: string): number {
  const cost = Number(value);
  if (!Number.isInteger(cost) || cost < 4 || cost > 15) throw new InvalidArgumentError('expected a whole number from 4 to 15');
  return cost;
}
