import { randomBytes } from 'node:crypto';
import { SCOPES } from '@gatehouse/contracts';
import { ClientIdTakenError, clientSecretDigest, parseSeed, type GrantType, type NewOAuthClient } from '@gatehouse/server/operator';
import { Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { withOperatorSession, type OperatorSession } from '../operator-session.js';
import { seedIssues } from '../seed-issues.js';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** 32 random bytes, base64url: a secret nobody guesses, so its SHA-256 is all the store needs. */
function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `clients create | rotate-secret | disable`: the OAuth client registry in the configured store, each change audited. */
export function clientsCommand(context: CliContext): Command {
  const clients = new Command('clients').description('Register OAuth clients, rotate their secrets, disable them (no server restart needed)');
  const session = <T>(run: (session: OperatorSession) => Promise<T>) => withOperatorSession(context, { writes: true }, run);

  clients
    .command('create')
    .description('Register an OAuth client; a confidential client’s secret is printed once, on standard output')
    .argument('<clientId>', '1 to 64 letters, digits, _ . -')
    .addOption(new Option('--type <type>', 'public (browser or native app, PKCE) or confidential (has a secret)').choices(['public', 'confidential']).makeOptionMandatory())
    .addOption(new Option('--scope <scopes...>', 'scopes the client may be granted').choices(SCOPES).makeOptionMandatory())
    .option('--redirect-uri <uris...>', 'redirect URIs (needed for authorization_code)')
    .addOption(new Option('--grant <grants...>', 'grant types (default: public: authorization_code refresh_token; confidential: client_credentials)').choices(GRANTS))
    .addHelpText(
      'after',
      '\nExamples:\n  pnpm gatehouse clients create billing --type confidential --scope orders:read\n' +
        '  pnpm gatehouse clients create web --type public --scope orders:read --redirect-uri http://127.0.0.1:5173/callback',
    )
    .action(async (clientId: string, options: { type: 'public' | 'confidential'; scope: string[]; redirectUri?: string[]; grant?: GrantType[] }) => {
      const secret = options.type === 'confidential' ? newClientSecret() : undefined;
      // The seed file's rules for a client (reserved ids, redirect URIs, which grants a public client may use).
      const entry = {
        clientId,
        type: options.type,
        scopes: options.scope,
        ...(options.redirectUri === undefined ? {} : { redirectUris: options.redirectUri }),
        ...(options.grant === undefined ? {} : { grantTypes: options.grant }),
        ...(secret === undefined ? {} : { secret }),
      };
      let parsed: ReturnType<typeof parseSeed>['clients'][number] | undefined;
      const issues = seedIssues(() => {
        parsed = parseSeed({ clients: [entry] }).clients[0];
      });
      if (issues !== undefined || parsed === undefined) throw new CliError(`cannot register ${clientId}: ${issues ?? 'invalid client'}`, EXIT.usage);
      const client: NewOAuthClient = {
        clientId: parsed.clientId,
        type: parsed.type,
        redirectUris: parsed.redirectUris,
        scopes: parsed.scopes,
        grantTypes: parsed.grantTypes,
        secret: secret === undefined ? undefined : { kind: 'sha256', digest: clientSecretDigest(secret) },
        pinNetwork: parsed.pinNetwork,
      };
      await session(async ({ stores, audit }) => {
        await stores.oauthClients.create(client).catch((error: unknown) => {
          if (error instanceof ClientIdTakenError) throw new CliError(`a client ${clientId} exists already`, EXIT.failed, 'choose another id, or rotate its secret: pnpm gatehouse clients rotate-secret');
          throw error;
        });
        await audit('client.created', { clientId, clientType: client.type, scopes: [...client.scopes], grantTypes: [...client.grantTypes] });
        if (secret !== undefined) context.terminal.out(secret);
        context.terminal.note(
          secret === undefined
            ? `Registered public client ${clientId}.`
            : `Registered confidential client ${clientId}. Its secret (above) is shown this once; only its hash is stored.`,
        );
      });
    });

  clients
    .command('rotate-secret')
    .description('Give a confidential client a new secret (printed once); the old one stops working at once')
    .argument('<clientId>')
    .action(async (clientId: string) => {
      await session(async ({ stores, audit }) => {
        const client = await stores.oauthClients.find(clientId);
        if (client === undefined) throw new CliError(`no client ${clientId}`, EXIT.failed);
        if (client.type !== 'confidential') throw new CliError(`${clientId} is a public client: it has no secret`, EXIT.failed);
        const secret = newClientSecret();
        await stores.oauthClients.setSecret(clientId, { kind: 'sha256', digest: clientSecretDigest(secret) });
        await audit('client.secret_rotated', { clientId });
        context.terminal.out(secret);
        context.terminal.note(`New secret for ${clientId} (above), shown this once; the previous secret no longer authenticates.`);
      });
    });

  clients
    .command('disable')
    .description('Disable a client: it can no longer authenticate or sign users in, and its tokens are refused')
    .argument('<clientId>')
    .action(async (clientId: string) => {
      await session(async ({ stores, audit }) => {
        const before = await stores.oauthClients.find(clientId);
        if (before === undefined) throw new CliError(`no client ${clientId}`, EXIT.failed);
        if (before.disabledAt !== undefined) {
          context.terminal.note(`${clientId} has been disabled since ${before.disabledAt.toISOString()}; nothing changed.`);
          return;
        }
        await stores.oauthClients.disable(clientId);
        await audit('client.disabled', { clientId });
        context.terminal.note(`Disabled ${clientId}: servers refuse it and its tokens within a second.`);
      });
    });

  return clients;
}
