import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createSecurityEvents, type SecurityEvent } from '../audit/security-events.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import { checkPassword } from './check-password.js';
import { createPasswordHasher } from './password-hasher.js';

const ORIGIN = { ip: '203.0.113.9', requestId: 'req-1', principal: undefined };
const PASSWORD = 'correct horse battery staple';

async function setUp() {
  const users = createMemoryUserStore();
  // The lowest bcrypt cost: this judges which password matches, not how long a compare takes.
  const passwords = await createPasswordHasher({ cost: 4 });
  const events = createSecurityEvents(pino({ level: 'silent' }));
  const seen: SecurityEvent[] = [];
  events.addSink({ record: (event) => void seen.push(event) });
  const user = await users.create({ email: 'ada@example.com', name: 'Ada', role: 'user', passwordHash: await passwords.hash(PASSWORD) });
  // Sinks run a microtask after emit.
  const recorded = async () => (await Promise.resolve(), seen.map(({ type, principal, details }) => ({ type, principal, details })));
  return { users, passwords, events, user, recorded };
}

describe('checkPassword', () => {
  it('returns the user for the right password and records login.succeeded under the user', async () => {
    const { users, passwords, events, user, recorded } = await setUp();
    expect(await checkPassword({ users, passwords, events }, { email: 'ada@example.com', password: PASSWORD }, ORIGIN)).toEqual(user);
    expect(await recorded()).toEqual([{ type: 'login.succeeded', principal: `user:${user.id}`, details: { email: 'ada@example.com' } }]);
  });

  it('answers a wrong password and an unknown email alike, and records login.failed for each', async () => {
    const { users, passwords, events, recorded } = await setUp();
    expect(await checkPassword({ users, passwords, events }, { email: 'ada@example.com', password: `${PASSWORD}!` }, ORIGIN)).toBeUndefined();
    expect(await checkPassword({ users, passwords, events }, { email: 'nobody@example.com', password: PASSWORD }, ORIGIN)).toBeUndefined();
    expect(await recorded()).toEqual([
      { type: 'login.failed', principal: undefined, details: { email: 'ada@example.com' } },
      { type: 'login.failed', principal: undefined, details: { email: 'nobody@example.com' } },
    ]);
  });

  it('still runs a compare for an unknown email, so its answer takes as long', async () => {
    const { users, passwords, events } = await setUp();
    const before = passwords.operations;
    await checkPassword({ users, passwords, events }, { email: 'nobody@example.com', password: PASSWORD }, ORIGIN);
    expect(passwords.operations).toBe(before + 1);
  });

  it('refuses a disabled account with the right password as it would a wrong one', async () => {
    const { users, passwords, events, user, recorded } = await setUp();
    await users.disable(user.id);
    expect(await checkPassword({ users, passwords, events }, { email: 'ada@example.com', password: PASSWORD }, ORIGIN)).toBeUndefined();
    expect(await recorded()).toEqual([{ type: 'login.failed', principal: undefined, details: { email: 'ada@example.com', reason: 'account_disabled' } }]);
  });

  it('matches a password typed in another Unicode form of the same text (NFKC)', async () => {
    const { users, passwords, events } = await setUp();
    const composed = await users.create({ email: 'cafe@example.com', name: 'C', role: 'user', passwordHash: await passwords.hash('café au lait, sans sucre') });
    const decomposed = 'cafe\u0301 au lait, sans sucre';
    expect(await checkPassword({ users, passwords, events }, { email: 'cafe@example.com', password: decomposed }, ORIGIN)).toEqual(composed);
  });

  it('never matches a password longer than 72 bytes by its first 72, which is all bcrypt would read', async () => {
    const { users, passwords, events } = await setUp();
    const stored = 'a'.repeat(72);
    await users.create({ email: 'long@example.com', name: 'L', role: 'user', passwordHash: await passwords.hash(stored) });
    const credentials = (password: string) => ({ email: 'long@example.com', password });
    expect(await checkPassword({ users, passwords, events }, credentials(stored), ORIGIN)).toBeDefined();
    expect(await checkPassword({ users, passwords, events }, credentials(`${stored}b`), ORIGIN)).toBeUndefined();
  });
});
