import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from './config.js';

/** A file of the repository, read from the root. */
function repositoryFile(path: string): string {
  return readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
}

/** The variables a markdown section's table lists in its first column; `A_HOST / _PORT` names A_HOST and A_PORT. */
function documentedVariables(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`no "${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end === -1 ? undefined : end);
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

describe('docs/configuration.md', () => {
  it('lists every environment variable config.ts parses, once each, and none it does not', () => {
    const documented = documentedVariables(repositoryFile('docs/configuration.md'), '## Variables');
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('is where the README sends readers for configuration', () => {
    expect(repositoryFile('README.md')).toContain('](docs/configuration.md)');
  });
});
