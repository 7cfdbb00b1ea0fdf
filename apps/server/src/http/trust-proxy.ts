import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyServerOptions } from 'fastify';
import type { TrustProxySetting } from './trust-proxy-setting.js';

/** Whether the hop at `hopIndex` (0: the socket's peer) is a proxy whose X-Forwarded-* may be believed. */
export type ProxyTrust = (address: string, hopIndex: number) => boolean;

/**
 * Which X-Forwarded-For hops Fastify (proxy-addr) may believe. proxy-addr
 * walks from the socket towards the client and stops at the first untrusted
 * hop, so the leftmost, client-written entry is never taken on trust, and a
 * client that connects directly (its address not a listed proxy) is its
 * own IP whatever it writes.
 */
export function trustProxyOption(setting: TrustProxySetting): NonNullable<FastifyServerOptions['trustProxy']> {
  if (setting === false) return false;
  // Fastify compiles an address list with proxy-addr itself; only a hop cap needs our predicate.
  if (setting.hops === undefined) return [...setting.addresses];
  return proxyTrustFor(setting);
}

/**
 * The predicate Fastify derives from trustProxyOption (its getTrustProxyFn),
 * for code that reads a raw Node request before Fastify does (the tRPC fast
 * lane): both must agree on who the client is.
 */
export function proxyTrustFor(setting: TrustProxySetting): ProxyTrust {
  if (setting === false) return trustNoProxy;
  const listed = proxyAddr.compile([...setting.addresses]);
  const hops = setting.hops;
  if (hops === undefined) return listed;
  // Both: a hop is believed only if it is a listed proxy AND within the first `hops` (0 is the socket's peer).
  return (address, hopIndex) => hopIndex < hops && listed(address, hopIndex);
}

/** Fastify's request.ip: the nearest address not vouched for by a trusted proxy. */
export function clientAddressOf(request: IncomingMessage, trust: ProxyTrust): string | undefined {
  // No trusted proxy: the socket's peer, without parsing an X-Forwarded-For nobody may believe.
  if (trust === trustNoProxy) return request.socket.remoteAddress;
  const addresses = proxyAddr.all(request, trust);
  return addresses[addresses.length - 1];
}

/** Fastify's request.protocol: X-Forwarded-Proto (its last entry) only from a trusted peer. */
export function protocolOf(request: IncomingMessage, trust: ProxyTrust): string {
  const forwarded = joined(request.headers['x-forwarded-proto']);
  if (forwarded !== undefined && forwarded !== '' && isTrustedPeer(request, trust)) return lastEntry(forwarded);
  return 'encrypted' in request.socket && request.socket.encrypted === true ? 'https' : 'http';
}

/** Fastify's request.host: X-Forwarded-Host (its last entry) only from a trusted peer. */
export function hostOf(request: IncomingMessage, trust: ProxyTrust): string {
  const forwarded = joined(request.headers['x-forwarded-host']);
  if (forwarded !== undefined && forwarded !== '' && isTrustedPeer(request, trust)) return lastEntry(forwarded);
  return request.headers.host ?? '';
}

function isTrustedPeer(request: IncomingMessage, trust: ProxyTrust): boolean {
  const peer = request.socket.remoteAddress;
  return peer !== undefined && trust(peer, 0);
}

function trustNoProxy(): boolean {
  return false;
}

/** Node joins a repeated X-Forwarded-* with ", " already; its types still allow a list. */
function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A header sent more than once arrives comma-joined: the proxy nearest to us wrote the last entry. */
function lastEntry(value: string): string {
  const lastComma = value.lastIndexOf(',');
  return (lastComma === -1 ? value : value.slice(lastComma + 1)).trim();
}
