import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { principalKeySchema, securityEventTypeSchema, type AuditRecord, type SecurityEventType } from '@gatehouse/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, EXIT } from '../cli-error.js';
import { withOperatorSession } from '../operator-session.js';
import { resolveUserPath } from '../resolve-path.js';

/** `audit verify | export`: the keyed hash chain of the configured store. */
export function auditCommand(context: CliContext): Command {
  const audit = new Command('audit').description('Verify and export the audit log (the keyed hash chain in the configured store)');

  audit
    .command('verify')
    .description('Check every record against the chain (needs the servers’ GATEHOUSE_AUDIT_HMAC_KEY); exit 1 when it is broken')
    .option('--json', 'print the verification as JSON', false)
    .action(async (options: { json: boolean }) => {
      // Verifying with another key would call an intact log forged: the key is required (requireAuditKey).
      await withOperatorSession(context, { writes: true }, async ({ stores }) => {
        const result = await stores.auditLog.verify();
        if (options.json) context.terminal.out(JSON.stringify(result));
        else if (result.intact) {
          context.terminal.out(`intact: ${result.checked} record(s) checked${result.checkedFrom === null ? '' : ` from sequence ${result.checkedFrom}`}`);
        } else {
          context.terminal.out(`BROKEN at sequence ${result.firstBreak?.sequence}: ${result.firstBreak?.reason} (${result.checked} record(s) checked before it)`);
        }
        if (!result.intact) {
          throw new CliError('the audit chain is broken', EXIT.failed, 'records were edited, removed or written under another key: compare with your last export (pnpm gatehouse audit export)');
        }
      });
    });

  audit
    .command('export')
    .description('Write the audit records as JSON lines, oldest first (to standard output or a file)')
    .option('-o, --output <path>', 'write to this file instead of standard output')
    .addOption(new Option('--type <type>', 'only this event type').argParser(parseType))
    .option('--principal <principal>', 'only this principal, e.g. user:<id> or cli:<os user>', parsePrincipal)
    .option('--since <time>', 'only records at or after this ISO 8601 time', parseTime)
    .action(async (options: { output?: string; type?: SecurityEventType; principal?: string; since?: Date }) => {
      await withOperatorSession(context, { writes: false }, async ({ stores }) => {
        // The store pages newest first; the records are collected (retention bounds them) and written oldest first, as the chain runs.
        const records: AuditRecord[] = [];
        let cursor: string | undefined;
        collect: do {
          const page = await stores.auditLog.list({ type: options.type, principal: options.principal }, { cursor, limit: 100 });
          for (const record of page.items) {
            if (options.since !== undefined && Date.parse(record.time) < options.since.getTime()) break collect;
            records.push(record);
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        records.reverse();
        if (options.output === undefined) {
          for (const record of records) context.terminal.out(JSON.stringify(record));
          return;
        }
        const path = resolveUserPath(options.output, context.env);
        const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
        try {
          await once(file, 'open');
        } catch (error) {
          throw new CliError(`cannot create ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, EXIT.environment, 'name a file that does not exist yet, in a writable folder');
        }
        for (const record of records) file.write(`${JSON.stringify(record)}\n`);
        file.end();
        await once(file, 'finish');
        context.terminal.note(`Wrote ${records.length} record(s) to ${path}.`);
      });
    });

  return audit;
}

function parseType(value: string): SecurityEventType {
  const parsed = securityEventTypeSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`expected one of: ${securityEventTypeSchema.options.join(', ')}`);
  return parsed.data;
}

function parsePrincipal(value: string): string {
  if (!principalKeySchema.safeParse(value).success) throw new InvalidArgumentError('expected kind:id, e.g. user:<uuid>, client:billing or cli:alice');
  return value;
}

function parseTime(value: string): Date {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-01-31T00:00:00Z');
  return new Date(time);
}
