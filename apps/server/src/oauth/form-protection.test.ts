import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFormProtection, type FormProtection } from './form-protection.js';

const START_MS = Date.UTC(2026, 11, 3, 12, 0, 0);
/** The hidden inputs of one authorize form, as authorize-forms.ts signs them. */
const FIELDS = { client_id: 'web', redirect_uri: 'http://127.0.0.1:5173/cb', response_type: 'code', state: 'xyz' };

describe('createFormProtection', () => {
  let nowMs = START_MS;
  const protection = (options: { ttlSeconds?: number; key?: Buffer } = {}): FormProtection =>
    createFormProtection({ key: options.key ?? KEY, now: () => nowMs, ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }) });
  const KEY = randomBytes(32);

  it('accepts the token it issued for the same fields, in whatever order they are listed', () => {
    nowMs = START_MS;
    const forms = protection();
    const token = forms.issue(FIELDS);
    expect(forms.verify(token, FIELDS)).toBe(true);
    const reversed = Object.fromEntries(Object.entries(FIELDS).reverse());
    expect(forms.verify(token, reversed)).toBe(true);
  });

  it('refuses the token for a form with any field changed, added or removed', () => {
    nowMs = START_MS;
    const forms = protection();
    const token = forms.issue(FIELDS);
    expect(forms.verify(token, { ...FIELDS, redirect_uri: 'https://evil.example/cb' })).toBe(false);
    expect(forms.verify(token, { ...FIELDS, scope: 'admin' })).toBe(false);
    const { state: _state, ...withoutState } = FIELDS;
    expect(forms.verify(token, withoutState)).toBe(false);
  });

  it('binds each value to its name: a value cannot smuggle another field in with & or =', () => {
    nowMs = START_MS;
    const forms = protection();
    const token = forms.issue({ client_id: 'web&scope=admin' });
    expect(forms.verify(token, { client_id: 'web', scope: 'admin' })).toBe(false);
  });

  it('refuses a token signed with another key: another deployment’s form', () => {
    nowMs = START_MS;
    const token = protection({ key: randomBytes(32) }).issue(FIELDS);
    expect(protection().verify(token, FIELDS)).toBe(false);
  });

  it('lasts ten minutes by default: valid through its last second, refused after it', () => {
    nowMs = START_MS;
    const forms = protection();
    const token = forms.issue(FIELDS);
    expect(token.split('.')[0]).toBe(String(START_MS / 1000 + 600));
    nowMs = START_MS + 600_999;
    expect(forms.verify(token, FIELDS)).toBe(true);
    nowMs = START_MS + 601_000;
    expect(forms.verify(token, FIELDS)).toBe(false);
  });

  it('follows ttlSeconds when given', () => {
    nowMs = START_MS;
    const forms = protection({ ttlSeconds: 30 });
    const token = forms.issue(FIELDS);
    nowMs = START_MS + 30_000;
    expect(forms.verify(token, FIELDS)).toBe(true);
    nowMs = START_MS + 31_000;
    expect(forms.verify(token, FIELDS)).toBe(false);
  });

  it('refuses a token whose expiry was moved: the signature covers it', () => {
    nowMs = START_MS;
    const forms = protection();
    const [expiresAt, signature] = forms.issue(FIELDS).split('.');
    expect(forms.verify(`${Number(expiresAt) + 3600}.${signature}`, FIELDS)).toBe(false);
    // And, moved or not, an expiry already past stays refused even with a genuine signature for it.
    nowMs = START_MS + 3_600_000;
    expect(forms.verify(`${expiresAt}.${signature}`, FIELDS)).toBe(false);
  });

  it('answers false, never throws, for malformed tokens', () => {
    nowMs = START_MS;
    const forms = protection();
    const [expiresAt, signature = ''] = forms.issue(FIELDS).split('.');
    for (const token of ['', 'garbage', `${expiresAt}`, `${expiresAt}.`, `${expiresAt}.${signature.slice(1)}`, `${expiresAt}.${signature}x`, `1.5.${signature}`, `x${expiresAt}.${signature}`, `${expiresAt}.5.${signature}`]) {
      expect(forms.verify(token, FIELDS), token).toBe(false);
    }
  });
});
