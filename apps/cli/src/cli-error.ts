/**
 * Exit codes of `pnpm gatehouse` (docs/operations.md, "CLI"), so scripts can tell a typo from an outage:
 * - 0: done;
 * - 1: refused or failed: the record does not exist or already does, a weak password, a broken audit chain;
 * - 2: usage: an unknown command or option, a missing or malformed argument;
 * - 3: environment: the configuration is invalid, the store is memory or unreachable, a file cannot be read.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, environment: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI prints as one line (and a hint saying what to do), never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
