import { generatePrivateJwk, SIGNING_ALGORITHMS, type SigningAlgorithm } from '@gatehouse/server/operator';
import { Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { readKeysFile, writeKeysFile, type StoredJwk } from '../keys-file.js';
import { resolveUserPath } from '../resolve-path.js';

const fileOption = () =>
  new Option('-f, --file <path>', 'the private JWKS file (default: GATEHOUSE_SIGNING_KEYS_FILE)');
const algOption = () => new Option('--alg <algorithm>', 'signing algorithm of the new key').choices(SIGNING_ALGORITHMS).default('ES256');

/** `keys generate | rotate | retire | list`: the private JWKS that GATEHOUSE_SIGNING_KEYS_FILE names. */
export function keysCommand(context: CliContext): Command {
  const keys = new Command('keys').description('Create and rotate the private JWKS file that GATEHOUSE_SIGNING_KEYS_FILE names');
  const fileOf = (file: string | undefined): string => {
    const path = file ?? context.env['GATEHOUSE_SIGNING_KEYS_FILE'];
    if (path === undefined || path === '') {
      throw new CliError('no keys file named', EXIT.usage, 'pass --file <path>, or set GATEHOUSE_SIGNING_KEYS_FILE');
    }
    return resolveUserPath(path, context.env);
  };

  keys
    .command('generate')
    .description('Write a new keys file holding one fresh private key (readable by its owner only)')
    .addOption(fileOption())
    .addOption(algOption())
    .option('--force', 'replace an existing file (every token its keys signed stops verifying)', false)
    .action(async (options: { file?: string; alg: SigningAlgorithm; force: boolean }) => {
      const path = fileOf(options.file);
      const jwk = await generatePrivateJwk(options.alg);
      await writeKeysFile(path, [jwk], { overwrite: options.force });
      context.terminal.out(jwk.kid);
      context.terminal.note(`Wrote ${path}: one ${options.alg} key, ${jwk.kid}. Start the server with GATEHOUSE_SIGNING_KEYS_FILE=${path}`);
    });

  keys
    .command('rotate')
    .description('Add a new key that signs from the next server start; the old keys keep verifying until retired')
    .addOption(fileOption())
    .addOption(algOption())
    .option('--publish-only', 'add the new key for verification only (last, not signing): roll it out to every server, then: keys activate <kid>', false)
    .action(async (options: { file?: string; alg: SigningAlgorithm; publishOnly: boolean }) => {
      const path = fileOf(options.file);
      const current = await readKeysFile(path);
      const jwk = await generatePrivateJwk(options.alg);
      const next: StoredJwk[] = options.publishOnly ? [...current, jwk] : [jwk, ...current];
      await writeKeysFile(path, next, { overwrite: true });
      context.terminal.out(jwk.kid);
      context.terminal.note(
        options.publishOnly
          ? `Added ${jwk.kid} to ${path} for verification only; ${current[0]?.kid} still signs.`
          : `${jwk.kid} signs from each server's next start; ${current.map((key) => key.kid).join(', ')} keep verifying. ` +
              `Restart the servers, then once the old tokens have expired (GATEHOUSE_ACCESS_TOKEN_TTL) run: pnpm gatehouse keys retire <kid>`,
      );
    });

  keys
    .command('activate')
    .description('Make a key of the file the signing key (after rotate --publish-only has reached every server)')
    .argument('<kid>', 'the key id to sign with')
    .addOption(fileOption())
    .action(async (kid: string, options: { file?: string }) => {
      const path = fileOf(options.file);
      const current = await readKeysFile(path);
      const chosen = current.find((key) => key.kid === kid);
      if (chosen === undefined) throw new CliError(`no key ${kid} in ${path}`, EXIT.failed, `its keys are: ${current.map((key) => key.kid).join(', ')}`);
      await writeKeysFile(path, [chosen, ...current.filter((key) => key.kid !== kid)], { overwrite: true });
      context.terminal.note(`${kid} signs from each server's next start; the other keys keep verifying.`);
    });

  keys
    .command('retire')
    .description('Remove a key that no longer signs: tokens it signed stop verifying at each server start')
    .argument('<kid>', 'the key id to remove (see: pnpm gatehouse keys list)')
    .addOption(fileOption())
    .action(async (kid: string, options: { file?: string }) => {
      const path = fileOf(options.file);
      const current = await readKeysFile(path);
      const index = current.findIndex((key) => key.kid === kid);
      if (index === -1) {
        throw new CliError(`no key ${kid} in ${path}`, EXIT.failed, `its keys are: ${current.map((key) => key.kid).join(', ')}`);
      }
      if (index === 0) {
        throw new CliError(`${kid} is the signing key`, EXIT.failed, 'rotate first (pnpm gatehouse keys rotate), restart the servers, then retire it');
      }
      await writeKeysFile(path, current.filter((key) => key.kid !== kid), { overwrite: true });
      context.terminal.note(`Removed ${kid} from ${path}. Restart the servers: tokens it signed are refused from then on.`);
    });

  keys
    .command('list')
    .description('Print each key id, its algorithm and whether it signs or only verifies')
    .addOption(fileOption())
    .action(async (options: { file?: string }) => {
      const current = await readKeysFile(fileOf(options.file));
      current.forEach((key, index) => context.terminal.out(`${key.kid}\t${key.alg}\t${index === 0 ? 'signs' : 'verifies'}`));
    });

  return keys;
}
