import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../auth/password-hasher.js';
import { createMemoryOAuthClientStore } from '../stores/memory/memory-oauth-client-store.js';
import type { StoredClientSecret } from '../stores/oauth-client-store.js';
import { clientSecretDigest, createClientRegistry, type ClientRegistry } from './client-registry.js';

const SECRET = 'service-secret-0123456789';

/** A registry over a memory store holding one confidential client with `secret`, and a public app. */
async function registryWith(secret: StoredClientSecret): Promise<{ clients: ClientRegistry; disable: (id: string) => Promise<unknown> }> {
  const store = createMemoryOAuthClientStore();
  const common = { redirectUris: ['http://127.0.0.1/cb'], scopes: ['orders:read'], pinNetwork: false } as const;
  await store.create({ ...common, clientId: 'service', type: 'confidential', grantTypes: ['client_credentials'], secret });
  await store.create({ ...common, clientId: 'app', type: 'public', grantTypes: ['authorization_code'], secret: undefined });
  return { clients: createClientRegistry(store, await createPasswordHasher({ cost: 4 })), disable: (id) => store.disable(id) };
}

describe('clientSecretDigest', () => {
  it('is the hex SHA-256 of the secret, the form seeded and CLI-made secrets are kept in', () => {
    expect(clientSecretDigest(SECRET)).toBe(createHash('sha256').update(SECRET, 'utf8').digest('hex'));
    // UTF-8, not Latin-1: a secret outside ASCII hashes as its UTF-8 bytes.
    expect(clientSecretDigest('clé')).toBe(createHash('sha256').update(Buffer.from('clé', 'utf8')).digest('hex'));
    expect(clientSecretDigest('clé')).not.toBe(createHash('sha256').update(Buffer.from('clé', 'latin1')).digest('hex'));
  });
});

describe('createClientRegistry', () => {
  it('finds an active client, and nothing for an unknown or disabled one', async () => {
    const { clients, disable } = await registryWith({ kind: 'sha256', digest: clientSecretDigest(SECRET) });
    expect((await clients.find('service'))?.clientId).toBe('service');
    expect(await clients.find('nobody')).toBeUndefined();
    await disable('service');
    expect(await clients.find('service')).toBeUndefined();
    expect((await clients.find('app'))?.clientId).toBe('app');
  });

  it('checks a secret kept as its SHA-256: the right one only', async () => {
    const { clients } = await registryWith({ kind: 'sha256', digest: clientSecretDigest(SECRET) });
    const service = (await clients.find('service'))!;
    expect(await clients.verifySecret(service, SECRET)).toBe(true);
    expect(await clients.verifySecret(service, `${SECRET}x`)).toBe(false);
    expect(await clients.verifySecret(service, '')).toBe(false);
  });

  it('checks a secret seeded as a bcrypt hash with bcrypt', async () => {
    const { clients } = await registryWith({ kind: 'bcrypt', hash: await bcrypt.hash(SECRET, 4) });
    const service = (await clients.find('service'))!;
    expect(await clients.verifySecret(service, SECRET)).toBe(true);
    expect(await clients.verifySecret(service, `${SECRET}x`)).toBe(false);
  });

  it('accepts no secret at all for a client that has none', async () => {
    const { clients } = await registryWith({ kind: 'sha256', digest: clientSecretDigest(SECRET) });
    const app = (await clients.find('app'))!;
    expect(await clients.verifySecret(app, SECRET)).toBe(false);
    expect(await clients.verifySecret(app, '')).toBe(false);
  });
});
