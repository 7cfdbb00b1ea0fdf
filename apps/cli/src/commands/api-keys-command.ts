import { SCOPES, type Scope } from '@gatehouse/contracts';
import { scopesOfRole, type ApiKeyRecord } from '@gatehouse/server/operator';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { withOperatorSession } from '../operator-session.js';

/** `apikeys create | list | revoke` for a user, on the configured store; changes audited like apiKeys.create/revoke. */
export function apiKeysCommand(context: CliContext): Command {
  const apikeys = new Command('apikeys').description('Issue, list and revoke a user’s API keys (on the configured store)');

  apikeys
    .command('create')
    .description('Issue an API key for a user; the key is printed once, on standard output')
    .requiredOption('--user <user>', 'owner, by email or id')
    .requiredOption('--name <name>', 'what the key is for, 1 to 100 characters')
    .addOption(new Option('--scope <scopes...>', 'scopes (at most what the owner’s role holds)').choices(SCOPES).makeOptionMandatory())
    .option('--expires-in-days <days>', 'lifetime in days, 1 to 365 (default: no expiry)', parseDays)
    .action(async (options: { user: string; name: string; scope: Scope[]; expiresInDays?: number }) => {
      const name = options.name.trim();
      if (name.length === 0 || name.length > 100) throw new CliError('--name: 1 to 100 characters', EXIT.usage);
      await withOperatorSession(context, { writes: true }, async ({ stores, audit, findUser }) => {
        const owner = await findUser(options.user);
        const held = scopesOfRole(owner.role);
        const missing = options.scope.filter((scope) => !held.includes(scope));
        // Like apiKeys.create: a key never holds more than its owner.
        if (missing.length > 0) throw new CliError(`${owner.email} (${owner.role}) does not hold ${missing.join(' ')}`, EXIT.failed, `a ${owner.role} may hold: ${held.join(' ')}`);
        const { record, key } = await stores.apiKeys.issue({ ownerId: owner.id, name, scopes: options.scope, expiresInDays: options.expiresInDays });
        await audit('apikey.created', {
          keyId: record.id,
          ownerId: record.ownerId,
          scopes: [...record.scopes],
          expiresAt: record.expiresAt?.toISOString() ?? null,
          parentKeyId: null,
        });
        context.terminal.out(key);
        context.terminal.note(`Issued key ${record.id} (${record.prefix}…) for ${owner.email}; shown this once, only its hash is stored.`);
      });
    });

  apikeys
    .command('list')
    .description('List a user’s API keys (never the keys themselves)')
    .requiredOption('--user <user>', 'owner, by email or id')
    .option('--json', 'one JSON array instead of a table', false)
    .action(async (options: { user: string; json: boolean }) => {
      await withOperatorSession(context, { writes: false }, async ({ stores, findUser }) => {
        const owner = await findUser(options.user);
        const records: ApiKeyRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.apiKeys.list(owner.id, { cursor, limit: 100 });
          records.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        const rows = records.map((record) => ({
          id: record.id,
          prefix: record.prefix,
          name: record.name,
          scopes: [...record.scopes],
          createdAt: record.createdAt.toISOString(),
          expiresAt: record.expiresAt?.toISOString() ?? null,
          revokedAt: record.revokedAt?.toISOString() ?? null,
        }));
        if (options.json) {
          context.terminal.out(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) context.terminal.note(`${owner.email} has no API keys.`);
        for (const row of rows) {
          const state = row.revokedAt !== null ? `revoked ${row.revokedAt}` : row.expiresAt !== null ? `expires ${row.expiresAt}` : 'active';
          context.terminal.out(`${row.id}\t${row.prefix}\t${row.name}\t${row.scopes.join(' ')}\t${state}`);
        }
      });
    });

  apikeys
    .command('revoke')
    .description('Revoke one of a user’s API keys (and every key minted with it); refused from the next request')
    .requiredOption('--user <user>', 'owner, by email or id')
    .argument('<keyId>', 'the key’s id (see: apikeys list)')
    .action(async (keyId: string, options: { user: string }) => {
      await withOperatorSession(context, { writes: true }, async ({ stores, audit, findUser }) => {
        const owner = await findUser(options.user);
        const record = await stores.apiKeys.revoke(owner.id, keyId);
        if (record === undefined) throw new CliError(`${owner.email} has no API key ${keyId}`, EXIT.failed, 'see its keys with: pnpm gatehouse apikeys list --user <user>');
        await audit('apikey.revoked', { keyId: record.id, ownerId: record.ownerId, by: 'cli' });
        context.terminal.note(`Revoked ${record.id} of ${owner.email}.`);
      });
    });

  return apikeys;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new InvalidArgumentError('expected a whole number of days from 1 to 365');
  return days;
}
