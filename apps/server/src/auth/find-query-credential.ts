/**
 * Query parameters that carry credentials when clients misuse them. URLs end
 * up in proxy logs, browser history and Referer headers, so a credential there
 * is refused outright (RFC 6750 section 5.3) and its value never logged.
 */
export const QUERY_CREDENTIAL_PARAMETERS = ['access_token', 'api_key', 'apiKey', 'token'] as const;

/** The first credential parameter present in a request URL (or its parsed query), or undefined. */
export function findQueryCredential(urlOrQuery: string | URLSearchParams): string | undefined {
  let params: URLSearchParams;
  if (typeof urlOrQuery === 'string') {
    const queryStart = urlOrQuery.indexOf('?');
    if (queryStart === -1) return undefined;
    params = new URLSearchParams(urlOrQuery.slice(queryStart + 1));
  } else {
    params = urlOrQuery;
  }
  return QUERY_CREDENTIAL_PARAMETERS.find((name) => params.has(name));
}
