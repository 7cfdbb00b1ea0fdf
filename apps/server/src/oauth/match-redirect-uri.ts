/** The loopback hosts of RFC 8252 section 7.3, as the URL parser spells them. "localhost" is not one: DNS may say otherwise. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * The redirect URI to use for a request that names `requested`, or
 * undefined. Compared as exact strings, port and path included (RFC 6749
 * section 3.1.2.3), except for a native client's loopback URI registered
 * without a port (`http://127.0.0.1/cb`, `http://[::1]/cb`): the request may
 * name any port there, because the app listens on whatever port the OS gave
 * it (RFC 8252 section 7.3). A loopback URI registered with a port (a dev
 * server's) stays exact. Returns the requested URI, port and all.
 */
export function matchRedirectUri(registered: readonly string[], requested: string): string | undefined {
  if (registered.includes(requested)) return requested;
  const candidate = parseLoopback(requested);
  if (candidate === undefined) return undefined;
  for (const uri of registered) {
    const allowed = parseLoopback(uri);
    if (allowed !== undefined && allowed.port === '' && withoutPort(allowed) === withoutPort(candidate)) return requested;
  }
  return undefined;
}

function parseLoopback(uri: string): URL | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  // Only the canonical spelling: no "0x7f.1", "127.1", dot-segments or userinfo slip through normalisation.
  if (url.href !== uri || url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || url.username !== '' || url.password !== '' || url.hash !== '') {
    return undefined;
  }
  return url;
}

function withoutPort(url: URL): string {
  const copy = new URL(url.href);
  copy.port = '';
  return copy.href;
}
