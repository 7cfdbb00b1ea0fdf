/**
 * An `htu` (or the URL it must match) in the form both are compared in:
 * RFC 9449 section 4.3 compares "ignoring any query and fragment parts", after
 * RFC 3986 syntax- and scheme-based normalisation (sections 6.2.2, 6.2.3):
 * lower-case scheme and host, no default port, dot segments removed, an
 * empty path as `/` (WHATWG URL parsing does all of these), and upper-case
 * hex in percent-encodings. Undefined for anything but an absolute http(s) URL.
 */
export function normaliseHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href.replace(/%[0-9a-f]{2}/gi, (escape) => escape.toUpperCase());
}

/** The URL a request to `path` (its query ignored) was sent to, as this server is reached: under its issuer. */
export function requestHtu(issuer: string, path: string): string | undefined {
  const queryStart = path.search(/[?#]/);
  return normaliseHtu(`${issuer}${queryStart === -1 ? path : path.slice(0, queryStart)}`);
}
