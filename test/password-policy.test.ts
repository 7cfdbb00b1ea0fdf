import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeed } from '@gatehouse/server';
import { DEMO_SEED } from '../apps/server/src/seed/demo-seed.js';
import { submitAuthorizeForm } from './support/authorize-form.js';
import { callProcedure, type RawResponse } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';

let gatehouse: RunningGatehouse;

/** A server per group: auth.register allows 10 calls per IP an hour, refusals included. */
function serverPerGroup(): void {
  beforeAll(async () => {
    gatehouse = await startGatehouse();
  });
  afterAll(() => gatehouse.close());
}

function register(email: string, password: string): Promise<RawResponse> {
  return callProcedure(gatehouse.url, 'auth.register', { kind: 'mutation', input: { email, password, name: 'P' } });
}

function loginWith(email: string, password: string): Promise<RawResponse> {
  return callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email, password } });
}

const freshEmail = () => `pw-${randomUUID()}@test.gatehouse`;

/** The one field issue a refused password gets: path ['password'] and a message saying why. */
function passwordIssue(response: RawResponse): { path: string[]; message: string } {
  expect(response.status).toBe(400);
  const issues = response.body.error.data.issues as Array<{ path: string[]; message: string }>;
  const issue = issues.find((candidate) => candidate.path.join('.') === 'password');
  if (issue === undefined) throw new Error(`no password issue in ${JSON.stringify(issues)}`);
  return issue;
}

describe('new passwords follow NIST SP 800-63B', () => {
  serverPerGroup();

  it('refuses fewer than 15 characters, and says so', async () => {
    for (const password of ['12345678', 'correct horse']) {
      expect(passwordIssue(await register(freshEmail(), password)).message).toMatch(/at least 15 characters/);
    }
  });

  it('refuses one character repeated, spaces included', async () => {
    for (const password of [' '.repeat(15), 'a'.repeat(20)]) {
      expect(passwordIssue(await register(freshEmail(), password)).message).toMatch(/one character repeated/);
    }
  });

  it('refuses a password from the bundled common-password list, in any case', async () => {
    for (const password of ['123456789qwerty', 'QWERTY123456789', '1qaz2wsx3edc4rfv']) {
      expect(passwordIssue(await register(freshEmail(), password)).message).toMatch(/commonly used passwords/);
    }
  });

  it('refuses the account’s own email as its password', async () => {
    const email = freshEmail();
    expect(passwordIssue(await register(email, email.toUpperCase())).message).toMatch(/email/);
  });

  it('asks for no composition: a long passphrase of lowercase words and spaces is accepted', async () => {
    const email = freshEmail();
    expect((await register(email, 'staple battery horse correct')).status).toBe(200);
    expect((await loginWith(email, 'staple battery horse correct')).status).toBe(200);
  });

  it('keeps every demo and test seed password within the policy', () => {
    expect(() => parseSeed(DEMO_SEED)).not.toThrow();
    expect(() => parseSeed(TEST_SEED)).not.toThrow();
  });
});

describe('the 72-byte limit holds at login too', () => {
  serverPerGroup();

  const exactly72 = `${'0123456789abcdef'.repeat(4)}ghijklmn`;

  it('refuses, never truncates, a password past 72 bytes at login', async () => {
    const email = freshEmail();
    expect(exactly72).toHaveLength(72);
    expect((await register(email, exactly72)).status).toBe(200);
    expect((await loginWith(email, exactly72)).status).toBe(200);
    // bcrypt alone would compare the first 72 bytes and let any suffix in.
    const longer = await loginWith(email, `${exactly72}-anything`);
    expect(passwordIssue(longer).message).toMatch(/72 bytes/);
    expect(longer.body.error.data.auth).toBeUndefined();
  });

  it('counts bytes, not characters: 37 two-byte characters are refused at registration and at login', async () => {
    const email = freshEmail();
    expect(passwordIssue(await register(email, 'é'.repeat(37))).message).toMatch(/72 bytes/);
    expect(passwordIssue(await loginWith(email, 'é'.repeat(37))).message).toMatch(/72 bytes/);
  });
});

describe('passwords are compared in Unicode NFKC', () => {
  serverPerGroup();

  const composed = 'crème brûlée für alle Gäste'.normalize('NFC');
  const decomposed = composed.normalize('NFD');

  it('signs in with the NFD form of a password registered in NFC, and the reverse', async () => {
    expect(decomposed).not.toBe(composed);
    const nfcEmail = freshEmail();
    expect((await register(nfcEmail, composed)).status).toBe(200);
    expect((await loginWith(nfcEmail, decomposed)).status).toBe(200);
    const nfdEmail = freshEmail();
    expect((await register(nfdEmail, decomposed)).status).toBe(200);
    expect((await loginWith(nfdEmail, composed)).status).toBe(200);
  });

  it('treats compatibility forms (full-width digits, ligatures) as the characters they stand for', async () => {
    const email = freshEmail();
    expect((await register(email, 'ｏｆｆｉｃｅ ﬁle cabinet 2024')).status).toBe(200);
    expect((await loginWith(email, 'office file cabinet 2024')).status).toBe(200);
  });

  it('normalises on the OAuth authorize form’s sign-in as well', async () => {
    const email = freshEmail();
    expect((await register(email, composed)).status).toBe(200);
    const url = new URL(`${gatehouse.url}/oauth/authorize`);
    const params = {
      client_id: 'web',
      redirect_uri: 'http://127.0.0.1:5173/cb',
      response_type: 'code',
      scope: 'users:read',
      state: randomUUID(),
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const approved = await submitAuthorizeForm(url, { email, password: decomposed, decision: 'approve' });
    expect(approved.status).toBe(303);
    expect(new URL(approved.location!).searchParams.get('code')).toEqual(expect.any(String));
    const tooLong = await submitAuthorizeForm(url, { email, password: `${composed}${'x'.repeat(60)}`, decision: 'approve' });
    expect(tooLong.status).not.toBe(303);
  });
});
