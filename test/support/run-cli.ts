import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `gatehouse` bin of the workspace, as `pnpm gatehouse` runs it. */
export const CLI_BIN = fileURLToPath(new URL('../../apps/cli/bin/gatehouse.mjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  /** The whole environment of the process: nothing of the test runner's GATEHOUSE_* leaks in. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to standard input, which is then closed (a password, a secret). */
  readonly input?: string;
  /** `pnpm` to run it exactly as a person does, `pnpm gatehouse …` from the repository root. */
  readonly via?: 'node' | 'pnpm';
}

/** Runs the real CLI in its own process and collects what it printed and how it exited. */
export async function runCli(args: readonly string[], options: CliRun = {}): Promise<CliResult> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env };
  const [command, argv] = options.via === 'pnpm' ? ['pnpm', ['gatehouse', ...args]] : [process.execPath, [CLI_BIN, ...args]];
  const child = spawn(command, argv, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}
