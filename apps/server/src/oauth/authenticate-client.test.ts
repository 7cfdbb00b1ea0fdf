import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../auth/password-hasher.js';
import { createMemoryOAuthClientStore } from '../stores/memory/memory-oauth-client-store.js';
import { authenticateClient, type AuthenticatedClient } from './authenticate-client.js';
import { clientSecretDigest, createClientRegistry, type ClientRegistry } from './client-registry.js';
import { OAuthError } from './oauth-error.js';

const SECRET = 'service-secret-0123456789';
/** A client id and secret that need RFC 6749 section 2.3.1's form-encoding inside Basic: spaces, '+', ':' and '%'. */
const ODD_ID = 'batch job';
const ODD_SECRET = 'a+b c:d%e+f';

/** The registry the token endpoint uses, on a memory store: a public app, a confidential service and an odd one. */
async function registry(): Promise<ClientRegistry> {
  const store = createMemoryOAuthClientStore();
  const common = { redirectUris: [], scopes: ['orders:read'], pinNetwork: false } as const;
  await store.create({ ...common, clientId: 'app', type: 'public', grantTypes: ['authorization_code'], secret: undefined });
  await store.create({ ...common, clientId: 'service', type: 'confidential', grantTypes: ['client_credentials'], secret: sha256Secret(SECRET) });
  await store.create({ ...common, clientId: ODD_ID, type: 'confidential', grantTypes: ['client_credentials'], secret: sha256Secret(ODD_SECRET) });
  return createClientRegistry(store, await createPasswordHasher({ cost: 4 }));
}

const sha256Secret = (secret: string) => ({ kind: 'sha256', digest: clientSecretDigest(secret) }) as const;

/** `Basic` as RFC 6749 section 2.3.1 builds it: each part form-urlencoded, then joined by ':' and base64-encoded. */
const basic = (id: string, secret: string) => `Basic ${base64(`${formEncode(id)}:${formEncode(secret)}`)}`;
const formEncode = (text: string) => new URLSearchParams({ x: text }).toString().slice(2);
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

async function authenticate(
  headers: IncomingHttpHeaders,
  body: Record<string, string> = {},
  requireConfidential = false,
): Promise<AuthenticatedClient> {
  return authenticateClient(await registry(), headers, body, { requireConfidential });
}

/** The OAuth error the call was refused with, as the endpoint would answer it. */
async function refusal(call: Promise<unknown>): Promise<{ error: string; status: number }> {
  const error: unknown = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OAuthError)) throw new Error(`expected an OAuthError, got ${String(error)}`);
  return { error: error.error, status: error.status };
}

const INVALID_CLIENT = { error: 'invalid_client', status: 401 };
const INVALID_REQUEST = { error: 'invalid_request', status: 400 };

describe('authenticateClient', () => {
  it('accepts a confidential client by HTTP Basic, and says so', async () => {
    const authenticated = await authenticate({ authorization: basic('service', SECRET) });
    expect(authenticated.client.clientId).toBe('service');
    expect(authenticated.method).toBe('client_secret_basic');
  });

  it('accepts a confidential client by client_id and client_secret in the body, and says so', async () => {
    const authenticated = await authenticate({}, { client_id: 'service', client_secret: SECRET });
    expect(authenticated.client.clientId).toBe('service');
    expect(authenticated.method).toBe('client_secret_post');
  });

  it('accepts a public client that only names itself, with method none', async () => {
    const authenticated = await authenticate({}, { client_id: 'app' });
    expect(authenticated.client.clientId).toBe('app');
    expect(authenticated.method).toBe('none');
  });

  it('decodes form-encoded Basic credentials: spaces as + or %20, and +, : and % inside them', async () => {
    const authenticated = await authenticate({ authorization: basic(ODD_ID, ODD_SECRET) });
    expect(authenticated.client.clientId).toBe(ODD_ID);
    const percentSpaces = `Basic ${base64(`batch%20job:${encodeURIComponent(ODD_SECRET)}`)}`;
    expect((await authenticate({ authorization: percentSpaces })).client.clientId).toBe(ODD_ID);
  });

  it('reads the Basic scheme case-insensitively, with any run of spaces and surrounding whitespace', async () => {
    const encoded = basic('service', SECRET).slice('Basic '.length);
    for (const header of [`basic ${encoded}`, `BASIC ${encoded}`, `Basic   ${encoded}`, `  Basic ${encoded}  `]) {
      expect((await authenticate({ authorization: header })).method).toBe('client_secret_basic');
    }
  });

  it('ignores an Authorization header that is not exactly Basic and base64, and judges the body instead', async () => {
    const encoded = basic('service', SECRET).slice('Basic '.length);
    for (const header of [`Bearer ${encoded}`, `XBasic ${encoded}`, `Basic ${encoded}!`, `Basic${encoded}`, 'Basic ', `Basic ${encoded} x`]) {
      // The header is not a credential: a public client naming itself in the body is what is judged.
      expect((await authenticate({ authorization: header }, { client_id: 'app' })).method).toBe('none');
      // And with nothing in the body there is no client at all.
      expect(await refusal(authenticate({ authorization: header }))).toEqual(INVALID_CLIENT);
    }
  });

  it('refuses a wrong secret, a missing secret and an unknown client alike, with 401 invalid_client', async () => {
    expect(await refusal(authenticate({ authorization: basic('service', `${SECRET}x`) }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, { client_id: 'service', client_secret: 'wrong' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, { client_id: 'service' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({ authorization: basic('nobody', SECRET) }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, { client_id: 'nobody' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, {}))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, { client_secret: SECRET }))).toEqual(INVALID_CLIENT);
  });

  it('refuses Basic credentials without a colon, or whose parts are not valid percent-encoding, with 401 invalid_client', async () => {
    expect(await refusal(authenticate({ authorization: `Basic ${base64('service')}` }, { client_id: 'app' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({ authorization: `Basic ${base64(`service:%E0%A4%A`)}` }, { client_id: 'app' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({ authorization: `Basic ${base64(`%zz:${SECRET}`)}` }, { client_id: 'app' }))).toEqual(INVALID_CLIENT);
  });

  it('refuses Basic together with a client_secret in the body: one method, not several', async () => {
    expect(await refusal(authenticate({ authorization: basic('service', SECRET) }, { client_secret: SECRET }))).toEqual(INVALID_REQUEST);
    // Even when the body names the same client.
    expect(await refusal(authenticate({ authorization: basic('service', SECRET) }, { client_id: 'service', client_secret: SECRET }))).toEqual(
      INVALID_REQUEST,
    );
  });

  it('lets Basic come with the same client_id in the body, and refuses another one', async () => {
    expect((await authenticate({ authorization: basic('service', SECRET) }, { client_id: 'service' })).method).toBe('client_secret_basic');
    expect(await refusal(authenticate({ authorization: basic('service', SECRET) }, { client_id: 'app' }))).toEqual(INVALID_REQUEST);
  });

  it('refuses a public client that presents a secret, in the body or by Basic', async () => {
    expect(await refusal(authenticate({}, { client_id: 'app', client_secret: 'anything' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({}, { client_id: 'app', client_secret: '' }))).toEqual(INVALID_CLIENT);
    expect(await refusal(authenticate({ authorization: basic('app', '') }))).toEqual(INVALID_CLIENT);
  });

  it('refuses a public client where the endpoint requires a confidential one, and still accepts a confidential one there', async () => {
    expect(await refusal(authenticate({}, { client_id: 'app' }, true))).toEqual(INVALID_CLIENT);
    expect((await authenticate({}, { client_id: 'service', client_secret: SECRET }, true)).method).toBe('client_secret_post');
  });

  it('refuses a disabled client as if it were unknown', async () => {
    const store = createMemoryOAuthClientStore();
    await store.create({
      clientId: 'retired',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      secret: sha256Secret(SECRET),
      redirectUris: [],
      scopes: ['orders:read'],
      pinNetwork: false,
    });
    const clients = createClientRegistry(store, await createPasswordHasher({ cost: 4 }));
    expect((await authenticateClient(clients, { authorization: basic('retired', SECRET) }, {}, { requireConfidential: true })).method).toBe(
      'client_secret_basic',
    );
    await store.disable('retired');
    expect(await refusal(authenticateClient(clients, { authorization: basic('retired', SECRET) }, {}, { requireConfidential: true }))).toEqual(
      INVALID_CLIENT,
    );
  });
});
