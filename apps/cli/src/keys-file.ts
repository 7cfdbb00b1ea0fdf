import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { loadSigningKeysFile, SigningKeysError } from '@gatehouse/server/operator';
import { CliError, EXIT } from './cli-error.js';

/** One private JWK as the keys file holds it; members beyond these (x5c, custom ones) are kept as they are. */
export interface StoredJwk {
  readonly kid: string;
  readonly alg: string;
  readonly [member: string]: unknown;
}

/**
 * The private JWKS of GATEHOUSE_SIGNING_KEYS_FILE (apps/server/src/tokens/signing-keys.ts):
 * `{ "keys": [ … ] }`, each a private JWK with `kid`, `alg` and `d`. The first key signs; every key verifies.
 */
export async function readKeysFile(path: string): Promise<StoredJwk[]> {
  try {
    // The server's own loader: a file it would refuse is refused here, before anything is written.
    await loadSigningKeysFile(path);
  } catch (error) {
    if (error instanceof SigningKeysError) {
      const reason = error.cause instanceof Error ? ` (${error.cause.message})` : '';
      throw new CliError(`${error.message}${reason}`, EXIT.environment, 'check the path, or create the file with: pnpm gatehouse keys generate --file <path>');
    }
    throw error;
  }
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { keys: StoredJwk[] };
  return parsed.keys;
}

/**
 * Writes the keys readable by the owner only (they are private keys), and
 * atomically: a server starting during the write reads the old file or the
 * new one, never half of one.
 */
export async function writeKeysFile(path: string, keys: readonly StoredJwk[], options: { readonly overwrite: boolean }): Promise<void> {
  if (!options.overwrite && (await exists(path))) {
    throw new CliError(`${path} exists already`, EXIT.failed, 'to add a key to it use: pnpm gatehouse keys rotate; to replace it, pass --force');
  }
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, EXIT.environment, 'check that the folder exists and is writable');
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
