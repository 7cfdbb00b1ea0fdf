import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contracts } from '../contracts.js';
import { defineMutation } from '../define-procedure.js';
import { buildAuthorizationManifest } from './authorization-manifest.js';
import { PROCEDURE_TABLE_MARKERS, renderProcedureTable, replaceProcedureTable } from './procedure-table.js';

const { start, end } = PROCEDURE_TABLE_MARKERS;

describe('renderProcedureTable', () => {
  const table = renderProcedureTable(buildAuthorizationManifest(contracts));
  const rows = table.split('\n');

  it('has a header and one row per procedure, in the manifest’s order', () => {
    expect(rows[0]).toBe('| path | kind | auth | rate limit | id lookup | summary |');
    expect(rows.slice(2).map((row) => row.split(' | ')[0])).toEqual(
      buildAuthorizationManifest(contracts).procedures.map(({ path }) => `| \`${path}\``),
    );
  });

  it('spells out scopes, role, user-only access, rate limit and id lookup', () => {
    expect(rows).toContain(
      '| `admin.users.setRole` | mutation | `admin`; role admin; step-up: sign-in within 300 s | default `authenticated` (per principal) |  | Changes a user’s role; needs a sign-in in the last five minutes |',
    );
    expect(rows).toContain(
      '| `auth.register` | mutation | public | `auth.register`: 10 per 3600 s per IP |  | Creates a user account with the user role |',
    );
    expect(rows.find((row) => row.startsWith('| `orders.byId`'))).toContain('| `orders:read`; policy `order.readable` | default `authenticated` (per principal) | yes |');
    expect(rows.find((row) => row.startsWith('| `apiKeys.create`'))).toContain('users only; network-pinned token |');
    expect(rows.find((row) => row.startsWith('| `users.me`'))).toContain('| `users:read`; users only |');
    expect(rows.find((row) => row.startsWith('| `auth.secondFactor.remove`'))).toContain('| `users:write`; users only; step-up: acr mfa |');
    expect(rows.find((row) => row.startsWith('| `health`'))).toContain('| public | none |');
  });

  it('keeps a summary with a pipe or a line break inside its cell', () => {
    const tree = {
      odd: defineMutation({
        summary: 'Splits a | b\nacross lines',
        input: z.strictObject({}),
        output: z.object({}),
        auth: { scopes: ['orders:write'] },
        rateLimit: { name: 'odd', points: 5, durationSeconds: 60, key: 'principal', blockDurationSeconds: 120, cost: 2 },
      }),
    };
    const [, , row] = renderProcedureTable(buildAuthorizationManifest(tree)).split('\n');
    expect(row).toBe('| `odd` | mutation | `orders:write` | `odd`: 5 per 60 s per principal, block 120 s, cost 2 |  | Splits a \\| b across lines |');
  });
});

describe('replaceProcedureTable', () => {
  const readme = `# Title\n\nBefore.\n\n${start}\nold table\n${end}\n\nAfter.\n`;

  it('replaces only what lies between the markers, and is idempotent', () => {
    const once = replaceProcedureTable(readme, '| new |');
    expect(once).toBe(`# Title\n\nBefore.\n\n${start}\n| new |\n${end}\n\nAfter.\n`);
    expect(replaceProcedureTable(once, '| new |')).toBe(once);
  });

  it('refuses a document with the markers missing, doubled or reversed', () => {
    expect(() => replaceProcedureTable('# no markers\n', 't')).toThrow(/expected exactly one/);
    expect(() => replaceProcedureTable(`${readme}${start}\n${end}\n`, 't')).toThrow(/expected exactly one/);
    expect(() => replaceProcedureTable(`${end}\n${start}\n`, 't')).toThrow(/expected exactly one/);
  });
});
