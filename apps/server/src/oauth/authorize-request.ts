import { isScope, type Scope } from '@gatehouse/contracts';
import type { OAuthClient, ClientRegistry } from './client-registry.js';
import { isS256Challenge } from './pkce.js';
import { matchRedirectUri } from './match-redirect-uri.js';

/** A problem with the client or redirect URI: shown as a page, never redirected (RFC 6749 section 4.1.2.1). */
export class UntrustedRedirectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedRedirectError';
  }
}

/** A problem the client should hear about: redirected back with `error` (RFC 6749 section 4.1.2.1). */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error:
      | 'invalid_request'
      | 'unsupported_response_type'
      | 'invalid_scope'
      | 'access_denied'
      | 'unauthorized_client'
      // OpenID Connect Core section 3.1.2.6, for prompt=none
      | 'login_required'
      | 'consent_required',
    readonly description: string,
  ) {
    super(description);
    this.name = 'AuthorizationRedirectError';
  }
}

export interface AuthorizationRequest {
  readonly client: OAuthClient;
  /** Where the answer goes: the requested URI, or the only registered one when the request named none. */
  readonly redirectUri: string;
  /** True when the request named no redirect_uri: the token request must then name none or the same one. */
  readonly redirectUriOmitted: boolean;
  readonly state: string | undefined;
  readonly codeChallenge: string;
  /** The scopes asked for, or undefined to ask for everything the client may have. */
  readonly requestedScopes: readonly Scope[] | undefined;
  /** The parameters as received (validated), for the form's hidden inputs. */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The parameters of an authorization request, carried through the form as
 * hidden inputs, each with the most characters it may have. Every one is
 * checked for size and for printable ASCII (RFC 6749 Appendix A: VSCHAR)
 * before anything else reads it, so nothing unbounded or with control
 * characters is echoed into the page, a redirect, a log line or a record.
 */
export const AUTHORIZATION_PARAMETER_LIMITS = {
  response_type: 32,
  client_id: 128,
  redirect_uri: 2048,
  scope: 1024,
  state: 512,
  code_challenge: 128,
  code_challenge_method: 16,
  // OpenID Connect Core section 3.1.2.1 (oauth/authorize-prompt.ts)
  prompt: 64,
  max_age: 10,
  acr_values: 256,
} as const;

export type AuthorizationParameter = keyof typeof AUTHORIZATION_PARAMETER_LIMITS;
export const AUTHORIZATION_PARAMETERS = Object.keys(AUTHORIZATION_PARAMETER_LIMITS) as readonly AuthorizationParameter[];

const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * One parameter as a single bounded printable string, or undefined when
 * absent. RFC 6749 section 3.1: a parameter sent without a value is treated
 * as omitted; one sent twice is an error.
 */
function readParameter(params: Readonly<Record<string, unknown>>, name: AuthorizationParameter): string | undefined | 'invalid' {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return 'invalid';
  return value.length <= AUTHORIZATION_PARAMETER_LIMITS[name] && VISIBLE_ASCII.test(value) ? value : 'invalid';
}

/** Step one, before anything else: a known client and a redirect URI registered for it. */
export async function requireTrustedRedirect(
  registry: ClientRegistry,
  params: Readonly<Record<string, unknown>>,
): Promise<{ client: OAuthClient; redirectUri: string; redirectUriOmitted: boolean }> {
  const clientId = readParameter(params, 'client_id');
  const redirectUri = readParameter(params, 'redirect_uri');
  if (clientId === undefined || clientId === 'invalid') throw new UntrustedRedirectError('The request names no client.');
  const client = await registry.find(clientId);
  if (client === undefined) throw new UntrustedRedirectError('The application asking to sign you in is not registered.');
  if (!client.grantTypes.includes('authorization_code')) {
    throw new UntrustedRedirectError('This application may not ask users to sign in.');
  }
  // RFC 6749 section 3.1.2.3: with exactly one registered, the request may leave it out.
  if (redirectUri === undefined && client.redirectUris.length === 1) {
    return { client, redirectUri: client.redirectUris[0]!, redirectUriOmitted: true };
  }
  const matched = redirectUri === undefined || redirectUri === 'invalid' ? undefined : matchRedirectUri(client.redirectUris, redirectUri);
  if (matched === undefined) throw new UntrustedRedirectError('The redirect address is not registered for this application.');
  return { client, redirectUri: matched, redirectUriOmitted: false };
}

/** The request's `state` when it is one the client could have sent (bounded, printable): only such a state is ever echoed. */
export function echoableState(params: Readonly<Record<string, unknown>>): string | undefined {
  const state = readParameter(params, 'state');
  return state === 'invalid' ? undefined : state;
}

/** Step two: the rest of the request, whose errors go back to the now-trusted redirect URI. */
export async function parseAuthorizationRequest(registry: ClientRegistry, params: Readonly<Record<string, unknown>>): Promise<AuthorizationRequest> {
  const { client, redirectUri, redirectUriOmitted } = await requireTrustedRedirect(registry, params);
  const parameters: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = readParameter(params, name);
    if (value === 'invalid') {
      throw new AuthorizationRedirectError('invalid_request', `${name} must appear once, as at most ${AUTHORIZATION_PARAMETER_LIMITS[name]} printable characters`);
    }
    if (value !== undefined) parameters[name] = value;
  }

  if (parameters['response_type'] !== 'code') {
    throw new AuthorizationRedirectError('unsupported_response_type', 'Only response_type=code is supported');
  }
  // PKCE is always required, so state is optional (OAuth 2.1; RFC 9700 section 2.1.1): PKCE already binds the code to its requester.
  const challenge = parameters['code_challenge'];
  if (challenge === undefined) throw new AuthorizationRedirectError('invalid_request', 'PKCE is required: send code_challenge');
  if (parameters['code_challenge_method'] !== 'S256') {
    throw new AuthorizationRedirectError('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  }
  if (!isS256Challenge(challenge)) throw new AuthorizationRedirectError('invalid_request', 'code_challenge is not an S256 challenge');

  return {
    client,
    redirectUri,
    redirectUriOmitted,
    state: parameters['state'],
    codeChallenge: challenge,
    requestedScopes: parseScopeParameter(parameters['scope']),
    parameters,
  };
}

/** RFC 6749 section 3.3: space-delimited; an unknown scope is invalid_scope. */
export function parseScopeParameter(scope: string | undefined): Scope[] | undefined {
  if (scope === undefined || scope.trim() === '') return undefined;
  const names = scope.split(' ').filter((name) => name !== '');
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) throw new AuthorizationRedirectError('invalid_scope', 'The request names a scope this server does not have');
  return [...new Set(names)] as Scope[];
}
