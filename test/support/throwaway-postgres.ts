import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './start-gatehouse.js';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp dir, on a free port), for tests that
 * stop and start the database: the shared server on 5432 is never stopped. initdb refuses to run as root,
 * so as root the cluster runs as the `postgres` system user (runuser). Durability is switched off
 * (fsync=off): the cluster lives for one test file and its stops are clean ones.
 */
export interface ThrowawayPostgres {
  /** DATABASE_URL of its `postgres` database (empty: the server's migrations build everything). */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

async function binDirectory(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = await binDirectory();
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-pg-'));
  const asRoot = process.getuid?.() === 0;
  const asOwner = async (command: string, args: string[]) => {
    const [file, prefix] = asRoot ? ['runuser', ['-u', 'postgres', '--', `${bin}/${command}`]] : [`${bin}/${command}`, []];
    return run(file, [...prefix, ...args], { timeout: 60_000 });
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(directory, Number(stdout.trim()), Number(group.trim()));
  }
  const data = join(directory, 'data');
  await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await findFreePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${directory} -c fsync=off -c full_page_writes=off`;
  const start = () => asOwner('pg_ctl', ['-D', data, '-o', options, '-l', join(directory, 'log'), '-w', '-t', '60', 'start']).then(() => undefined);
  const stop = () => asOwner('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).then(() => undefined);
  await start();
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
