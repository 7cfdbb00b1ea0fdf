import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateEphemeralSigningKeys } from '../tokens/signing-keys.js';
import { createSecondFactorChallenges, SECOND_FACTOR_CHALLENGE_TTL_SECONDS } from './second-factor-challenge.js';

const ISSUER = 'https://auth.example.com';

async function setUp() {
  const clock = { now: 1_800_000_000_000 };
  const keys = await generateEphemeralSigningKeys();
  const challenges = createSecondFactorChallenges({ keys, issuer: ISSUER, now: () => clock.now });
  const secret = keys.deriveSecret('gatehouse second-factor challenge');
  /** A challenge signed with the real key, with claims a forger would choose. */
  const forge = (claims: Record<string, unknown>, header: { typ?: string } = { typ: 'gatehouse-2fa+jwt' }) => {
    const issuedAt = Math.floor(clock.now / 1000);
    return new SignJWT({ sub: 'user-1', iss: ISSUER, aud: `${ISSUER}#second-factor`, iat: issuedAt, exp: issuedAt + 60, dlv: 'body', ...claims })
      .setProtectedHeader({ alg: 'HS256', ...header })
      .sign(secret);
  };
  return { clock, keys, challenges, forge };
}

describe('second-factor challenges', () => {
  it('returns the user and the delivery a challenge was issued for, for five minutes', async () => {
    const { clock, challenges } = await setUp();
    const issued = await challenges.issue({ userId: 'user-1', delivery: 'cookie' });
    expect(issued.expiresIn).toBe(SECOND_FACTOR_CHALLENGE_TTL_SECONDS);
    expect(SECOND_FACTOR_CHALLENGE_TTL_SECONDS).toBe(300);
    expect(await challenges.verify(issued.challenge)).toEqual({ userId: 'user-1', delivery: 'cookie' });
    const body = await challenges.issue({ userId: 'user-2', delivery: 'body' });
    expect(await challenges.verify(body.challenge)).toEqual({ userId: 'user-2', delivery: 'body' });
    clock.now += (SECOND_FACTOR_CHALLENGE_TTL_SECONDS - 1) * 1000;
    expect(await challenges.verify(issued.challenge)).toEqual({ userId: 'user-1', delivery: 'cookie' });
    clock.now += 1000;
    expect(await challenges.verify(issued.challenge)).toBeUndefined();
  });

  it('issues a different challenge each time, even for the same user in the same second', async () => {
    const { challenges } = await setUp();
    const first = await challenges.issue({ userId: 'user-1', delivery: 'body' });
    const second = await challenges.issue({ userId: 'user-1', delivery: 'body' });
    expect(second.challenge).not.toBe(first.challenge);
  });

  it('refuses a challenge of another server’s keys, of another issuer, or not a challenge at all', async () => {
    const { keys, challenges, clock } = await setUp();
    const issued = await challenges.issue({ userId: 'user-1', delivery: 'body' });
    const otherKeys = createSecondFactorChallenges({ keys: await generateEphemeralSigningKeys(), issuer: ISSUER, now: () => clock.now });
    expect(await otherKeys.verify(issued.challenge)).toBeUndefined();
    const otherIssuer = createSecondFactorChallenges({ keys, issuer: 'https://other.example.com', now: () => clock.now });
    expect(await otherIssuer.verify(issued.challenge)).toBeUndefined();
    expect(await challenges.verify('not-a-jwt')).toBeUndefined();
  });

  it('refuses a token signed with the same key that is not typed, addressed or shaped as a challenge', async () => {
    const { challenges, forge } = await setUp();
    expect(await challenges.verify(await forge({}))).toEqual({ userId: 'user-1', delivery: 'body' });
    const forged = [
      await forge({}, { typ: 'at+jwt' }),
      await forge({}, {}),
      await forge({ aud: ISSUER }),
      await forge({ iss: 'https://other.example.com' }),
      await forge({ dlv: 'query' }),
      await forge({ dlv: undefined }),
      await forge({ sub: undefined }),
      await forge({ sub: 42 }),
      await forge({ iat: undefined }),
      await forge({ exp: undefined }),
    ];
    for (const [index, challenge] of forged.entries()) expect(await challenges.verify(challenge), String(index)).toBeUndefined();
  });
});
