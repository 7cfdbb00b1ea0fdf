import { isAbsolute, resolve } from 'node:path';
import process from 'node:process';

/** A path the user typed, relative to the folder they ran the command from (pnpm records it in INIT_CWD), like the server's config paths. */
export function resolveUserPath(path: string, env: Readonly<Record<string, string | undefined>>): string {
  const initCwd = env['INIT_CWD'];
  const base = initCwd !== undefined && initCwd !== '' && isAbsolute(initCwd) ? initCwd : process.cwd();
  return resolve(base, path);
}
