import type { IncomingHttpHeaders } from 'node:http';
import type { ClientRegistry, OAuthClient } from './client-registry.js';
import { OAuthError } from './oauth-error.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  readonly client: OAuthClient;
  readonly method: ClientAuthMethod;
}

/**
 * RFC 6749 section 2.3.1: a client authenticates with HTTP Basic (id and secret
 * form-urlencoded, then base64) or with client_id/client_secret in the body,
 * never both. A public client only names itself. Every failure is the same
 * invalid_client, so the answer never tells a wrong secret from an unknown client.
 */
export async function authenticateClient(
  registry: ClientRegistry,
  headers: IncomingHttpHeaders,
  body: Readonly<Record<string, string>>,
  options: { readonly requireConfidential: boolean },
): Promise<AuthenticatedClient> {
  const basic = readBasicCredentials(headers.authorization);
  const postedId = body['client_id'];
  const postedSecret = body['client_secret'];
  if (basic !== undefined && postedSecret !== undefined) {
    throw new OAuthError('invalid_request', 'Use one client authentication method, not several');
  }
  if (basic !== undefined && postedId !== undefined && postedId !== basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
  }

  const clientId = basic?.clientId ?? postedId;
  const secret = basic?.secret ?? postedSecret;
  const method: ClientAuthMethod = basic !== undefined ? 'client_secret_basic' : secret !== undefined ? 'client_secret_post' : 'none';
  const invalid = () => new OAuthError('invalid_client', 'Client authentication failed', { status: 401 });
  if (clientId === undefined) throw invalid();
  const client = await registry.find(clientId);
  if (client === undefined) throw invalid();

  if (client.type === 'confidential') {
    if (secret === undefined || !(await registry.verifySecret(client, secret))) throw invalid();
    return { client, method };
  }
  // A public client has no secret to check; presenting one means a confused or hostile caller.
  if (secret !== undefined || options.requireConfidential) throw invalid();
  return { client, method: 'none' };
}

function readBasicCredentials(authorization: string | undefined): { clientId: string; secret: string } | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new OAuthError('invalid_client', 'Client authentication failed', { status: 401 });
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new OAuthError('invalid_client', 'Client authentication failed', { status: 401 });
  }
}
