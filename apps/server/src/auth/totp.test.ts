import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { generateTotpSecret, TOTP_PERIOD_SECONDS, totpUri, verifyTotp } from './totp.js';

const NOW_MS = 1_800_000_000_000;
const STEP_NOW = Math.floor(NOW_MS / 1000 / TOTP_PERIOD_SECONDS);

/** What an authenticator app shows `steps` periods from now. */
function codeAt(secret: string, steps: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(NOW_MS / 1000) + steps * TOTP_PERIOD_SECONDS });
}

describe('TOTP', () => {
  it('draws a new base32 secret of 160 bits each time', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('labels the otpauth URI with the issuer and the account, on 30-second steps', () => {
    const uri = new URL(totpUri({ issuer: 'Gatehouse', account: 'ada@example.com', secret: 'JBSWY3DPEHPK3PXP' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toContain('ada@example.com');
    expect(uri.searchParams.get('issuer')).toBe('Gatehouse');
    expect(uri.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    // Absent means RFC 6238's 30 seconds to every app.
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
  });

  it('accepts the code of now and one step either side, naming the step it matched', async () => {
    const secret = generateTotpSecret();
    for (const steps of [-1, 0, 1]) {
      expect(await verifyTotp({ secret, code: await codeAt(secret, steps), afterTimeStep: 0, nowMs: NOW_MS }), String(steps)).toBe(STEP_NOW + steps);
    }
  });

  it('refuses a code two steps away, another secret’s code, and anything but six digits', async () => {
    const secret = generateTotpSecret();
    const now = await codeAt(secret, 0);
    const other = await codeAt(generateTotpSecret(), 0);
    const cases = [await codeAt(secret, -2), await codeAt(secret, 2), ...(other === now ? [] : [other]), `${now}0`, now.slice(1), ` ${now}`, 'abcdef'];
    for (const code of cases) expect(await verifyTotp({ secret, code, afterTimeStep: 0, nowMs: NOW_MS }), code).toBeUndefined();
  });

  it('refuses a code of a step already used, so a code seen once cannot be replayed', async () => {
    const secret = generateTotpSecret();
    const code = await codeAt(secret, 0);
    expect(await verifyTotp({ secret, code, afterTimeStep: STEP_NOW, nowMs: NOW_MS })).toBeUndefined();
    expect(await verifyTotp({ secret, code, afterTimeStep: STEP_NOW - 1, nowMs: NOW_MS })).toBe(STEP_NOW);
  });
});
