import process from 'node:process';

/** Where a command writes: results to stdout (pipeable), everything for the person to stderr. */
export interface Terminal {
  /** A result line: a hash, a key, a table row. */
  out(line: string): void;
  /** A note for the person: what happened, what to do next. */
  note(line: string): void;
}

export const processTerminal: Terminal = {
  out: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stderr.write(`${line}\n`),
};
