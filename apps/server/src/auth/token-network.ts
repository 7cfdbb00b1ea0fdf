import type { SecurityEvents } from '../audit/security-events.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import type { NetworkHasher } from '../tokens/network-hash.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';

/**
 * Where a call comes from relative to where its access token was issued:
 * the same network, another one, or unknown (the token recorded none).
 */
export type TokenNetwork = 'same' | 'moved' | 'unrecorded';

/** The request facts the check needs. */
export interface CallOrigin {
  readonly ip: string;
  readonly requestId: string;
}

export interface TokenNetworkCheck {
  /**
   * Compares the call's network with the token's. A moved token is counted
   * (every time) and logged as `token.ip_mismatch` (at most once per token
   * per interval); a moved pinned token is refused: 401 invalid_token,
   * `detail: 'network_changed'`. Without a request to compare with, the
   * network is unknown, and a pinned token is refused too (fail closed).
   */
  check(token: VerifiedAccessToken, origin: CallOrigin | undefined): TokenNetwork;
}

export interface TokenNetworkCheckOptions {
  readonly networks: NetworkHasher;
  readonly events: Pick<SecurityEvents, 'emit'>;
  readonly metrics: Pick<Metrics, 'tokenNetworkChanges'>;
  /** At most one `token.ip_mismatch` per token this often (default a minute): a stolen token in a loop is one line, not thousands. */
  readonly signalIntervalMs?: number;
  /** Tokens remembered for that rate limit (default 10,000); past it, the oldest are forgotten and may be logged again. */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

export function createTokenNetworkCheck(options: TokenNetworkCheckOptions): TokenNetworkCheck {
  const { networks, events, metrics } = options;
  const intervalMs = options.signalIntervalMs ?? 60_000;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  // jti -> when it was last logged. Insertion order is age order: re-logging moves a token to the end.
  const lastSignal = new Map<string, number>();

  function shouldSignal(jti: string): boolean {
    const at = now();
    const previous = lastSignal.get(jti);
    if (previous !== undefined && at - previous < intervalMs) return false;
    lastSignal.delete(jti);
    lastSignal.set(jti, at);
    if (lastSignal.size > maxTracked) {
      const oldest = lastSignal.keys().next().value;
      if (oldest !== undefined) lastSignal.delete(oldest);
    }
    return true;
  }

  return {
    check(token, origin) {
      if (token.networkHash === undefined || origin === undefined) {
        // A pin with nothing to compare with never allows.
        if (token.networkPinned === true) throw new AuthFailureError('invalid_token', undefined, { detail: 'network_changed' });
        return 'unrecorded';
      }
      const callNetwork = networks.hashOf(origin.ip);
      if (callNetwork === token.networkHash) return 'same';
      const pinned = token.networkPinned === true;
      metrics.tokenNetworkChanges.inc({ pinned: String(pinned) });
      if (shouldSignal(token.jti)) {
        const principal = token.grant === 'client_credentials' ? `client:${token.clientId}` : `user:${token.subject}`;
        // Hashes only: the log says that the network changed and lets two records be compared, never where anyone is.
        events.emit('token.ip_mismatch', { ip: origin.ip, requestId: origin.requestId, principal }, {
          tokenId: token.jti,
          clientId: token.clientId,
          issuedNetwork: token.networkHash,
          callNetwork,
          pinned,
        });
      }
      if (token.networkPinned === true) throw new AuthFailureError('invalid_token', undefined, { detail: 'network_changed' });
      return 'moved';
    },
  };
}
