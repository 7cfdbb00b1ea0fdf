/**
 * Query parameters that carry credentials when clients misuse them. URLs end
 * up in proxy logs, browser history and Referer headers, so a credential there
 * is refused outright (RFC 6750 section 5.3) and its value never logged.
 */
export const QUERY_CREDENTIAL_PARAMETERS = ['access_token', 'api_key', 'apiKey', 'token'] as const;

/** The first credential parameter present in a request URL, or undefined. */
export function findQueryCredential(url: string): string | undefined {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return undefined;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  return QUERY_CREDENTIAL_PARAMETERS.find((name) => params.has(name));
}
