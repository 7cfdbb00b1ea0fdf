/** A raw tRPC-over-HTTP call, for asserting status codes and headers exactly as a non-tRPC client sees them. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export async function callProcedure(
  baseUrl: string,
  path: string,
  options: { kind?: 'query' | 'mutation'; input?: unknown; headers?: Record<string, string>; query?: string } = {},
): Promise<RawResponse> {
  const kind = options.kind ?? 'query';
  const extra = options.query === undefined ? '' : `${options.query}`;
  let response: Response;
  if (kind === 'query') {
    const input = options.input === undefined ? '' : `input=${encodeURIComponent(JSON.stringify(options.input))}`;
    const query = [input, extra].filter(Boolean).join('&');
    response = await fetch(`${baseUrl}/trpc/${path}${query === '' ? '' : `?${query}`}`, { headers: options.headers ?? {} });
  } else {
    response = await fetch(`${baseUrl}/trpc/${path}${extra === '' ? '' : `?${extra}`}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: options.input === undefined ? null : JSON.stringify(options.input),
    });
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function login(baseUrl: string, user: { email: string; password: string }): Promise<{ accessToken: string; user: { id: string } }> {
  const response = await callProcedure(baseUrl, 'auth.login', { kind: 'mutation', input: { email: user.email, password: user.password } });
  if (response.status !== 200) throw new Error(`login failed for ${user.email}: ${response.status}`);
  return response.body.result.data;
}
