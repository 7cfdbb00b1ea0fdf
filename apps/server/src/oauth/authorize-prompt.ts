import type { AcrValue } from '@gatehouse/contracts';
import { hasConfirmedSecondFactor, type UserRecord } from '../stores/user-store.js';
import { AuthorizationRedirectError } from './authorize-request.js';

/** OpenID Connect Core section 3.1.2.1 `prompt` values this server understands. */
const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
type PromptValue = (typeof PROMPT_VALUES)[number];

/** What the request says about signing in again, read from `prompt`, `max_age` and `acr_values`. */
export interface AuthenticationRequirement {
  /** `prompt=none`: answer without showing anything (login_required / consent_required). */
  readonly silent: boolean;
  /** `prompt=login` or `select_account`: the password again, even with a live sign-in session. */
  readonly forceLogin: boolean;
  /** `max_age`: a session signed in longer ago than this many seconds needs the password again. */
  readonly maxAgeSeconds: number | undefined;
  /** `acr_values` naming `mfa`: the sign-in must include a second factor. */
  readonly acr: AcrValue | undefined;
}

/**
 * Reads `prompt` and `max_age` (already bounded printable strings). Invalid
 * combinations are invalid_request, as OIDC Core asks: `none` with anything
 * else, an unknown value, a `max_age` that is not a non-negative integer.
 */
export function readAuthenticationRequirement(parameters: Readonly<Record<string, string>>): AuthenticationRequirement {
  const prompts = (parameters['prompt'] ?? '').split(' ').filter((value) => value !== '');
  const unknown = prompts.filter((value) => !(PROMPT_VALUES as readonly string[]).includes(value));
  if (unknown.length > 0) throw new AuthorizationRedirectError('invalid_request', 'prompt may hold only none, login, consent and select_account');
  const values = new Set(prompts as PromptValue[]);
  if (values.has('none') && values.size > 1) throw new AuthorizationRedirectError('invalid_request', 'prompt=none cannot be combined with other values');

  const maxAge = parameters['max_age'];
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) throw new AuthorizationRedirectError('invalid_request', 'max_age must be a whole number of seconds');
  return {
    silent: values.has('none'),
    forceLogin: values.has('login') || values.has('select_account'),
    maxAgeSeconds: maxAge === undefined ? undefined : Number(maxAge),
    // OIDC Core section 3.1.2.1: a space-separated list in order of preference. Values this server does not
    // define are ignored (acr_values is a request, not an essential claim); `mfa` anywhere in it is honoured,
    // since the password alone (`pwd`) is the only weaker level and asking for mfa at all means pwd is not enough.
    acr: (parameters['acr_values'] ?? '').split(' ').includes('mfa') ? 'mfa' : undefined,
  };
}

/**
 * Whether a sign-in session that began at `authTimeSeconds` may stand in for
 * the password under this requirement. `max_age=0` is a fresh login, like
 * `prompt=login` (OIDC Core section 3.1.2.1).
 */
export function sessionSatisfies(requirement: AuthenticationRequirement, authTimeSeconds: number, nowSeconds: number): boolean {
  if (requirement.forceLogin) return false;
  if (requirement.maxAgeSeconds === undefined) return true;
  return requirement.maxAgeSeconds > 0 && nowSeconds - authTimeSeconds <= requirement.maxAgeSeconds;
}

/**
 * The acr a sign-in on the authorize page must reach for this user: `mfa`
 * when the request asks for it, and always for a user with a confirmed second
 * factor (as at auth.login, their password alone signs nothing in).
 */
export function requiredAcr(requirement: AuthenticationRequirement, user: UserRecord): AcrValue {
  return requirement.acr === 'mfa' || hasConfirmedSecondFactor(user) ? 'mfa' : 'pwd';
}
