import { isScope, type Scope } from '@gatehouse/contracts';
import type { OAuthClient, ClientRegistry } from './client-registry.js';
import { isS256Challenge } from './pkce.js';

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
    readonly error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied' | 'unauthorized_client',
    readonly description: string,
  ) {
    super(description);
    this.name = 'AuthorizationRedirectError';
  }
}

export interface AuthorizationRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  /** The scopes asked for, or undefined to ask for everything the client may have. */
  readonly requestedScopes: readonly Scope[] | undefined;
  /** The parameters as received, for the form's hidden inputs. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** The parameters of an authorization request, carried through the form as hidden inputs. */
export const AUTHORIZATION_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

/** Step one, before anything else: a known client and one of its registered redirect URIs, compared exactly. */
export function requireTrustedRedirect(registry: ClientRegistry, params: Readonly<Record<string, unknown>>): { client: OAuthClient; redirectUri: string } {
  const clientId = params['client_id'];
  const redirectUri = params['redirect_uri'];
  if (typeof clientId !== 'string' || clientId === '') throw new UntrustedRedirectError('The request names no client.');
  const client = registry.find(clientId);
  if (client === undefined) throw new UntrustedRedirectError('The application asking to sign you in is not registered.');
  if (!client.grantTypes.includes('authorization_code')) {
    throw new UntrustedRedirectError('This application may not ask users to sign in.');
  }
  // Always required (as in OAuth 2.1), and compared as exact strings, port and path included.
  const registered = typeof redirectUri === 'string' ? client.redirectUris.find((uri) => uri === redirectUri) : undefined;
  if (registered === undefined) throw new UntrustedRedirectError('The redirect address is not registered for this application.');
  return { client, redirectUri: registered };
}

/** Step two: the rest of the request, whose errors go back to the now-trusted redirect URI. */
export function parseAuthorizationRequest(registry: ClientRegistry, params: Readonly<Record<string, unknown>>): AuthorizationRequest {
  const { client, redirectUri } = requireTrustedRedirect(registry, params);
  const parameters: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = params[name];
    if (Array.isArray(value)) throw new AuthorizationRedirectError('invalid_request', `${name} must appear once`);
    if (typeof value === 'string') parameters[name] = value;
  }
  parameters['redirect_uri'] = redirectUri;

  if (parameters['response_type'] !== 'code') {
    throw new AuthorizationRedirectError('unsupported_response_type', 'Only response_type=code is supported');
  }
  const state = parameters['state'];
  if (state === undefined || state === '' || state.length > 512) {
    throw new AuthorizationRedirectError('invalid_request', 'state is required (1 to 512 characters)');
  }
  const challenge = parameters['code_challenge'];
  if (challenge === undefined) throw new AuthorizationRedirectError('invalid_request', 'PKCE is required: send code_challenge');
  if (parameters['code_challenge_method'] !== 'S256') {
    throw new AuthorizationRedirectError('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  }
  if (!isS256Challenge(challenge)) throw new AuthorizationRedirectError('invalid_request', 'code_challenge is not an S256 challenge');

  return { client, redirectUri, state, codeChallenge: challenge, requestedScopes: parseScopeParameter(parameters['scope']), parameters };
}

/** RFC 6749 section 3.3: space-delimited; an unknown scope is invalid_scope. */
export function parseScopeParameter(scope: string | undefined): Scope[] | undefined {
  if (scope === undefined || scope.trim() === '') return undefined;
  const names = scope.split(' ').filter((name) => name !== '');
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) throw new AuthorizationRedirectError('invalid_scope', 'The request names a scope this server does not have');
  return [...new Set(names)] as Scope[];
}
