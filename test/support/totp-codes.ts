import { generate } from 'otplib';

/** The code an authenticator app shows at `nowMs` (the test's server clock), or `stepsLater` 30-second steps on. */
export function totpCodeAt(secret: string, nowMs: number, stepsLater = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000) + stepsLater * 30 });
}

/** Six digits no window around `nowMs` accepts (one step either side), so a "wrong code" is never right by chance. */
export async function wrongTotpCode(secret: string, nowMs: number): Promise<string> {
  const valid = new Set(await Promise.all([-1, 0, 1].map((step) => totpCodeAt(secret, nowMs, step))));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}
