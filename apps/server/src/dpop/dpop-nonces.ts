import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Server-provided DPoP nonces (RFC 9449 sections 8 and 9), stateless: a
 * nonce is a time window's number and an HMAC of it, so every process that
 * shares the key (derived from the signing keys) accepts every other's, and
 * nothing is stored. A nonce holds for its window and the next, so one handed
 * out just before a window ends still works for at least `windowSeconds`.
 */
export interface DpopNonces {
  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(): string;
  /** Whether a proof's `nonce` is one this server handed out recently. */
  isFresh(nonce: string): boolean;
}

export interface DpopNonceOptions {
  readonly key: Uint8Array;
  readonly windowSeconds?: number;
  readonly now?: () => number;
}

const WINDOW_BYTES = 6;
const MAC_BYTES = 16;

export function createDpopNonces(options: DpopNonceOptions): DpopNonces {
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  if (!Number.isInteger(windowMs) || windowMs <= 0) throw new RangeError('DPoP nonce window must be a positive number of seconds');
  if (options.key.byteLength < 32) throw new RangeError('DPoP nonce key must have at least 32 bytes');
  const key = Buffer.from(options.key);
  const now = options.now ?? Date.now;

  function nonceFor(window: number): Buffer {
    const counter = Buffer.alloc(WINDOW_BYTES);
    counter.writeUIntBE(window, 0, WINDOW_BYTES);
    const mac = createHmac('sha256', key).update('gatehouse dpop nonce\0').update(counter).digest().subarray(0, MAC_BYTES);
    return Buffer.concat([counter, mac]);
  }

  return {
    current: () => nonceFor(Math.floor(now() / windowMs)).toString('base64url'),
    isFresh(nonce) {
      if (!/^[A-Za-z0-9_-]{30}$/.test(nonce)) return false;
      const presented = Buffer.from(nonce, 'base64url');
      if (presented.length !== WINDOW_BYTES + MAC_BYTES) return false;
      const window = presented.readUIntBE(0, WINDOW_BYTES);
      const currentWindow = Math.floor(now() / windowMs);
      if (window !== currentWindow && window !== currentWindow - 1) return false;
      return timingSafeEqual(presented, nonceFor(window));
    },
  };
}
