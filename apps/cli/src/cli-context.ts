import type { Terminal } from './terminal.js';

/** What every command receives: the environment (read once, in main.ts) and where to write. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly terminal: Terminal;
}
