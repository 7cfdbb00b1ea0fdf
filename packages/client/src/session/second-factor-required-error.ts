import type { SecondFactorChallenge } from '@gatehouse/contracts';

/**
 * Thrown by a session's `login` when the password was right and the user has
 * a second factor: no tokens yet. Ask for a code from the authenticator app
 * (or a recovery code) and call `session.loginSecondFactor` with `challenge`
 * within `expiresIn` seconds.
 *
 * @example
 * ```ts
 * try {
 *   await client.session.login({ email, password });
 * } catch (error) {
 *   if (!(error instanceof SecondFactorRequiredError)) throw error;
 *   await client.session.loginSecondFactor({ challenge: error.challenge, code: await askForCode() });
 * }
 * ```
 */
export class SecondFactorRequiredError extends Error {
  readonly challenge: string;
  readonly expiresIn: number;
  readonly methods: SecondFactorChallenge['methods'];

  constructor(answer: SecondFactorChallenge) {
    super('This account has a second factor: complete the sign-in with a code');
    this.name = 'SecondFactorRequiredError';
    this.challenge = answer.challenge;
    this.expiresIn = answer.expiresIn;
    this.methods = answer.methods;
  }
}
