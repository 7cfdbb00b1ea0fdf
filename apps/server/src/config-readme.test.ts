import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from './config.js';

/** The variables README's "## Configuration" table lists; `A_HOST / _PORT` names A_HOST and A_PORT. */
function documentedVariables(): string[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Configuration');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const cell = /^\| ((?:GATEHOUSE|REDIS|DATABASE)_[^|]+?) \|/.exec(line)?.[1];
    if (cell === undefined) continue;
    const [first = '', ...rest] = cell.split(' / ').map((name) => name.trim());
    names.push(first);
    for (const other of rest) names.push(other.startsWith('_') ? first.replace(/_[A-Z0-9]+$/, other) : other);
  }
  return names;
}

describe('README configuration table', () => {
  it('lists every environment variable config.ts parses, and none it does not', () => {
    expect([...documentedVariables()].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
