import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from './create-program.js';

/**
 * `--help` at every level of the CLI, for every command it lists, found by walking the command
 * tree rather than a list kept here. In process: parsing `<path> --help` is what the bin does
 * (apps/cli/src/main.ts), and a process per command would cost a minute of CPU for nothing more.
 * gatehouse-cli.test.ts runs the real bin for the root, every group and a leaf.
 */
function createCapturingProgram(): { program: Command; output: () => string } {
  let written = '';
  const program = createProgram({ env: {}, terminal: { out: () => undefined, note: () => undefined } });
  const capture = (command: Command): void => {
    command.configureOutput({ writeOut: (text) => void (written += text), writeErr: (text) => void (written += text) });
    command.commands.forEach(capture);
  };
  capture(program);
  return { program, output: () => written };
}

/** Every command path under the root: groups and their subcommands, depth first. */
function commandPaths(command: Command, prefix: readonly string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [path, ...commandPaths(child, path)];
  });
}

async function helpOf(path: readonly string[]): Promise<string> {
  const { program, output } = createCapturingProgram();
  const outcome = await program.parseAsync(['node', 'gatehouse', ...path, '--help']).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, path.join(' ')).toBeInstanceOf(CommanderError);
  expect((outcome as CommanderError).code, path.join(' ')).toBe('commander.helpDisplayed');
  return output();
}

describe('gatehouse --help at every level', () => {
  const paths = commandPaths(createCapturingProgram().program);

  it('lists the commands an operator needs', () => {
    expect(paths.filter((path) => path.length === 1).map(([name]) => name)).toEqual(['keys', 'hash-password', 'config', 'users', 'clients', 'apikeys', 'audit']);
    expect(paths.filter((path) => path.length === 2).map((path) => path.join(' '))).toEqual([
      'keys generate', 'keys rotate', 'keys activate', 'keys retire', 'keys list',
      'config print',
      'users create', 'users set-role', 'users unlock', 'users disable',
      'clients create', 'clients rotate-secret', 'clients disable',
      'apikeys create', 'apikeys list', 'apikeys revoke',
      'audit verify', 'audit export',
    ]);
  });

  it('answers --help for every command with its usage, what it does and its options', async () => {
    expect(paths.length).toBeGreaterThan(20);
    for (const path of [[], ...paths]) {
      const name = ['gatehouse', ...path].join(' ');
      const help = await helpOf(path);
      expect(help, name).toMatch(new RegExp(`^Usage: ${name} `));
      // The line under the usage says what the command does.
      expect(help.split('\n')[2]?.trim().length ?? 0, name).toBeGreaterThan(10);
      expect(help, name).toContain('-h, --help');
    }
  });
});
