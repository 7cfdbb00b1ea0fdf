import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../auth/password-hasher.js';
import { createMemoryOAuthClientStore } from '../stores/memory/memory-oauth-client-store.js';
import {
  AUTHORIZATION_PARAMETER_LIMITS,
  AuthorizationRedirectError,
  echoableState,
  parseAuthorizationRequest,
  parseScopeParameter,
  requireTrustedRedirect,
  UntrustedRedirectError,
} from './authorize-request.js';
import { createClientRegistry, type ClientRegistry } from './client-registry.js';

const ONLY_URI = 'http://127.0.0.1:5173/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * A registry as the authorize endpoint reads it: an app with one redirect URI, one with two (a loopback one
 * without a port among them), a service that may not sign users in, and a disabled app.
 */
async function registry(): Promise<ClientRegistry> {
  const store = createMemoryOAuthClientStore();
  const common = { scopes: ['users:read', 'orders:read'], pinNetwork: false, secret: undefined } as const;
  await store.create({ ...common, clientId: 'single', type: 'public', redirectUris: [ONLY_URI], grantTypes: ['authorization_code', 'refresh_token'] });
  await store.create({
    ...common,
    clientId: 'native',
    type: 'public',
    redirectUris: ['http://127.0.0.1/callback', 'https://app.example/cb'],
    grantTypes: ['authorization_code'],
  });
  await store.create({ ...common, clientId: 'service', type: 'confidential', redirectUris: [ONLY_URI], grantTypes: ['client_credentials'] });
  await store.create({ ...common, clientId: 'retired', type: 'public', redirectUris: [ONLY_URI], grantTypes: ['authorization_code'] });
  await store.disable('retired');
  return createClientRegistry(store, await createPasswordHasher({ cost: 4 }));
}

const VALID = { client_id: 'single', redirect_uri: ONLY_URI, response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'S256' };

async function untrusted(params: Record<string, unknown>): Promise<unknown> {
  return requireTrustedRedirect(await registry(), params).then(
    () => 'trusted',
    (error: unknown) => error,
  );
}

/** The `error` of the AuthorizationRedirectError the request was refused with, or what else happened. */
async function redirectedError(params: Record<string, unknown>): Promise<string> {
  return parseAuthorizationRequest(await registry(), params).then(
    () => 'accepted',
    (error: unknown) => (error instanceof AuthorizationRedirectError ? error.error : `other: ${String(error)}`),
  );
}

describe('requireTrustedRedirect', () => {
  it('trusts a registered client at a registered redirect URI, named or (only one registered) left out', async () => {
    const clients = await registry();
    expect(await requireTrustedRedirect(clients, { client_id: 'single', redirect_uri: ONLY_URI })).toMatchObject({
      redirectUri: ONLY_URI,
      redirectUriOmitted: false,
    });
    const omitted = await requireTrustedRedirect(clients, { client_id: 'single' });
    expect(omitted).toMatchObject({ redirectUri: ONLY_URI, redirectUriOmitted: true });
    expect(omitted.client.clientId).toBe('single');
    // An empty redirect_uri is an omitted one (RFC 6749 section 3.1).
    expect(await requireTrustedRedirect(clients, { client_id: 'single', redirect_uri: '' })).toMatchObject({ redirectUriOmitted: true });
  });

  it('answers a native client’s loopback URI on the port it asked for', async () => {
    const clients = await registry();
    expect(await requireTrustedRedirect(clients, { client_id: 'native', redirect_uri: 'http://127.0.0.1:50123/callback' })).toMatchObject({
      redirectUri: 'http://127.0.0.1:50123/callback',
      redirectUriOmitted: false,
    });
  });

  it('shows a page, never a redirect, for no client, an unknown, disabled or non-interactive one, or an unregistered URI', async () => {
    for (const params of [
      {},
      { client_id: '' },
      { client_id: ['single', 'single'], redirect_uri: ONLY_URI },
      { client_id: 'x'.repeat(129), redirect_uri: ONLY_URI },
      { client_id: 'nobody', redirect_uri: ONLY_URI },
      { client_id: 'retired', redirect_uri: ONLY_URI },
      { client_id: 'service', redirect_uri: ONLY_URI },
      { client_id: 'single', redirect_uri: 'https://evil.example/cb' },
      { client_id: 'single', redirect_uri: `${ONLY_URI}\n` },
      { client_id: 'single', redirect_uri: [ONLY_URI, ONLY_URI] },
      // Two registered: the request must say which.
      { client_id: 'native' },
    ]) {
      expect(await untrusted(params), JSON.stringify(params)).toBeInstanceOf(UntrustedRedirectError);
    }
  });

  it('takes a client_id and redirect_uri up to their limits, and not a character more', async () => {
    expect(AUTHORIZATION_PARAMETER_LIMITS.client_id).toBe(128);
    // 128 characters is still read (and then not found); 129 is refused before the registry is asked.
    const asked: string[] = [];
    const counting: ClientRegistry = { find: async (id) => (asked.push(id), undefined), verifySecret: async () => false };
    await requireTrustedRedirect(counting, { client_id: 'x'.repeat(128) }).catch(() => undefined);
    await requireTrustedRedirect(counting, { client_id: 'x'.repeat(129) }).catch(() => undefined);
    expect(asked).toEqual(['x'.repeat(128)]);
  });
});

describe('parseAuthorizationRequest', () => {
  it('reads a valid request: the client, where to answer, state, challenge, scopes and the parameters to carry', async () => {
    const request = await parseAuthorizationRequest(await registry(), { ...VALID, state: 'st-1', scope: 'orders:read users:read orders:read', extra: 'dropped' });
    expect(request.client.clientId).toBe('single');
    expect(request.redirectUri).toBe(ONLY_URI);
    expect(request.redirectUriOmitted).toBe(false);
    expect(request.state).toBe('st-1');
    expect(request.codeChallenge).toBe(CHALLENGE);
    expect(request.requestedScopes).toEqual(['orders:read', 'users:read']);
    expect(request.parameters).toEqual({ ...VALID, state: 'st-1', scope: 'orders:read users:read orders:read' });
  });

  it('leaves state and scope undefined when they are absent or empty', async () => {
    const request = await parseAuthorizationRequest(await registry(), { ...VALID, state: '', scope: '' });
    expect(request.state).toBeUndefined();
    expect(request.requestedScopes).toBeUndefined();
    // Only what was received: no key at all for an absent or empty parameter.
    expect(request.parameters).toStrictEqual(VALID);
  });

  it('redirects unsupported_response_type for anything but code', async () => {
    expect(await redirectedError({ ...VALID, response_type: 'token' })).toBe('unsupported_response_type');
    const { response_type: _responseType, ...withoutResponseType } = VALID;
    expect(await redirectedError(withoutResponseType)).toBe('unsupported_response_type');
  });

  it('redirects invalid_request without PKCE, with plain PKCE, or with a challenge that is not S256’s', async () => {
    const { code_challenge: _challenge, ...withoutChallenge } = VALID;
    expect(await redirectedError(withoutChallenge)).toBe('invalid_request');
    const { code_challenge_method: _method, ...withoutMethod } = VALID;
    expect(await redirectedError(withoutMethod)).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, code_challenge: 'too-short' })).toBe('invalid_request');
  });

  it('redirects invalid_request for a parameter sent twice, too long or with control characters', async () => {
    expect(await redirectedError({ ...VALID, state: ['a', 'b'] })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, state: 'x'.repeat(AUTHORIZATION_PARAMETER_LIMITS.state + 1) })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, state: 'x'.repeat(AUTHORIZATION_PARAMETER_LIMITS.state) })).toBe('accepted');
    expect(await redirectedError({ ...VALID, state: 'line\nbreak' })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, state: 'tab\there' })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, state: 'del\u007f' })).toBe('invalid_request');
    expect(await redirectedError({ ...VALID, state: 'caf\u00e9' })).toBe('invalid_request');
    // Every printable ASCII character, space and tilde included, is a valid VSCHAR.
    expect(await redirectedError({ ...VALID, state: ' !~az09' })).toBe('accepted');
    expect(await redirectedError({ ...VALID, prompt: 'p'.repeat(65) })).toBe('invalid_request');
  });

  it('redirects invalid_scope for a scope this server does not have', async () => {
    expect(await redirectedError({ ...VALID, scope: 'users:read teleport' })).toBe('invalid_scope');
  });

  it('checks the client and redirect URI first: an untrusted one is never redirected to, whatever else is wrong', async () => {
    const refused = await parseAuthorizationRequest(await registry(), { ...VALID, redirect_uri: 'https://evil.example/cb', response_type: 'token' }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UntrustedRedirectError);
  });
});

describe('echoableState', () => {
  it('echoes a state the client could have sent, and nothing else', () => {
    expect(echoableState({ state: 'abc' })).toBe('abc');
    expect(echoableState({})).toBeUndefined();
    expect(echoableState({ state: '' })).toBeUndefined();
    expect(echoableState({ state: ['a', 'b'] })).toBeUndefined();
    expect(echoableState({ state: 'x'.repeat(513) })).toBeUndefined();
    expect(echoableState({ state: '<script>\n' })).toBeUndefined();
  });
});

describe('parseScopeParameter', () => {
  it('splits on spaces, drops repeats and empty names, and keeps the order asked', () => {
    expect(parseScopeParameter('orders:read  users:read orders:read')).toEqual(['orders:read', 'users:read']);
    expect(parseScopeParameter(' users:read ')).toEqual(['users:read']);
  });

  it('reads absent or blank as “ask for everything”', () => {
    expect(parseScopeParameter(undefined)).toBeUndefined();
    expect(parseScopeParameter('')).toBeUndefined();
    expect(parseScopeParameter('   ')).toBeUndefined();
  });

  it('refuses an unknown scope with invalid_scope', () => {
    const refused = (() => {
      try {
        return parseScopeParameter('users:read Users:Read');
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(AuthorizationRedirectError);
    expect((refused as AuthorizationRedirectError).error).toBe('invalid_scope');
  });
});
