import { ClientIdTakenError, type NewOAuthClient, type OAuthClientRecord, type OAuthClientStore } from '../oauth-client-store.js';
import { StoreFullError } from '../user-store.js';

export interface MemoryOAuthClientStoreOptions {
  /** The store refuses new clients past this many (development store: bounded). */
  readonly maxClients?: number;
  readonly now?: () => Date;
}

export function createMemoryOAuthClientStore(options: MemoryOAuthClientStoreOptions = {}): OAuthClientStore {
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? (() => new Date());
  const clients = new Map<string, OAuthClientRecord>();

  function replace(clientId: string, change: (current: OAuthClientRecord) => OAuthClientRecord): OAuthClientRecord | undefined {
    const current = clients.get(clientId);
    if (current === undefined) return undefined;
    const next = Object.freeze(change(current));
    clients.set(clientId, next);
    return next;
  }

  return {
    async create(client: NewOAuthClient) {
      if (clients.has(client.clientId)) throw new ClientIdTakenError(client.clientId);
      if (clients.size >= maxClients) throw new StoreFullError('OAuth client');
      const record: OAuthClientRecord = Object.freeze({
        ...client,
        redirectUris: Object.freeze([...client.redirectUris]),
        scopes: Object.freeze([...client.scopes]),
        grantTypes: Object.freeze([...client.grantTypes]),
        createdAt: now(),
      });
      clients.set(record.clientId, record);
      return record;
    },
    async find(clientId) {
      return clients.get(clientId);
    },
    async setSecret(clientId, secret) {
      return replace(clientId, (current) => ({ ...current, secret }));
    },
    async disable(clientId) {
      return replace(clientId, (current) => (current.disabledAt === undefined ? { ...current, disabledAt: now() } : current));
    },
  };
}
