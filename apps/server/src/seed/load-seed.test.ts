import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { DEMO_SEED } from './demo-seed.js';
import { SeedError, loadSeed, parseSeed } from './load-seed.js';

const BCRYPT = '$2b$04$abcdefghijklmnopqrstuu7Mb4a4Ma1a9E8mQwN0kVd5tV.bYwTfS';
const user = { email: 'a@x.io', name: 'A', password: 'long enough password' };

function issuesOf(raw: unknown): readonly string[] {
  try {
    parseSeed(raw);
  } catch (error) {
    if (error instanceof SeedError) return error.issues;
    throw error;
  }
  throw new Error('expected the seed to be refused');
}

describe('parseSeed', () => {
  it('accepts the documented seed shape, with every list optional', () => {
    expect(parseSeed({})).toEqual({ users: [], clients: [], services: [] });
    const seed = parseSeed({ users: [{ ...user, role: 'admin' }, { email: 'B@X.io', name: 'B', passwordHash: BCRYPT }] });
    expect(seed.users.map((entry) => entry.email)).toEqual(['a@x.io', 'b@x.io']);
    expect(seed.users[1]).toMatchObject({ role: 'user', passwordHash: BCRYPT });
    expect(parseSeed(DEMO_SEED).clients).toHaveLength(2);
  });

  it.each([
    ['users.0.email', { users: [{ ...user, email: 'not-an-email' }] }],
    ['users.0.password', { users: [{ ...user, password: 'short' }] }],
    ['users.0.passwordHash', { users: [{ email: 'a@x.io', name: 'A', passwordHash: 'plaintext-not-bcrypt' }] }],
    ['users.0.role', { users: [{ ...user, role: 'root' }] }],
    ['users', { users: [user, { ...user, email: 'A@x.io' }] }],
    ['clients.0.secret', { clients: [{ clientId: 'b', type: 'confidential', secret: 'short', scopes: ['orders:read'] }] }],
    ['clients.0.scopes.0', { clients: [{ clientId: 'w', type: 'public', redirectUris: ['http://127.0.0.1/cb'], scopes: ['everything'] }] }],
    ['clients.0.redirectUris.0', { clients: [{ clientId: 'w', type: 'public', redirectUris: ['http://127.0.0.1/cb#frag'], scopes: ['users:read'] }] }],
    ['services.0.certSha256', { services: [{ name: 'reports', certSha256: 'abc', scopes: ['orders:read'] }] }],
  ])('names the field %s when it is bad', (field, raw) => {
    expect(issuesOf(raw).some((issue) => issue.startsWith(`${field}:`))).toBe(true);
  });

  it('refuses unknown keys, so a typo is not silently ignored', () => {
    expect(issuesOf({ users: [{ ...user, rolle: 'admin' }] }).some((issue) => issue.startsWith('users.0'))).toBe(true);
    expect(issuesOf({ user: [] }).length).toBeGreaterThan(0);
  });

  it('never quotes a password in its issues', () => {
    const issues = issuesOf({ users: [{ ...user, password: 'sh0rt' }] });
    expect(issues.join('\n')).not.toContain('sh0rt');
  });
});

describe('loadSeed', () => {
  async function seedFile(content: string): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'gatehouse-seed-')), 'seed.json');
    await writeFile(path, content);
    return path;
  }

  it('loads the demo seed only in development without a file', async () => {
    expect(await loadSeed(parseConfig({ GATEHOUSE_ENV: 'development' }))).toMatchObject({ isDemo: true });
    expect(await loadSeed(parseConfig({ GATEHOUSE_ENV: 'test' }))).toBeUndefined();
  });

  it('loads a seed file, which is never the demo', async () => {
    const path = await seedFile(JSON.stringify({ users: [user] }));
    const loaded = await loadSeed(parseConfig({ GATEHOUSE_ENV: 'development', GATEHOUSE_SEED_FILE: path }));
    expect(loaded?.isDemo).toBe(false);
    expect(loaded?.seed.users).toHaveLength(1);
  });

  it('names GATEHOUSE_SEED_FILE for a missing file, and does not echo invalid JSON', async () => {
    const missing = loadSeed(parseConfig({ GATEHOUSE_SEED_FILE: '/nonexistent/seed.json' }));
    await expect(missing).rejects.toBeInstanceOf(SeedError);
    await expect(missing).rejects.toMatchObject({ issues: [expect.stringMatching(/^GATEHOUSE_SEED_FILE: .*ENOENT/)] });

    const path = await seedFile('{"users": [{"password": "hunter2-secret"');
    const error = await loadSeed(parseConfig({ GATEHOUSE_SEED_FILE: path })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as SeedError).message).not.toContain('hunter2-secret');
  });
});
