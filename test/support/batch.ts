import type { RawResponse } from './http.js';

/** A raw tRPC batch (`?batch=1`): every call in one HTTP request, as httpBatchLink sends it. */
export async function callBatch(
  baseUrl: string,
  calls: ReadonlyArray<{ readonly path: string; readonly input?: unknown }>,
  options: { kind?: 'query' | 'mutation'; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const paths = calls.map((call) => call.path).join(',');
  // Calls without input are left out, as httpBatchLink does.
  const inputs = Object.fromEntries(calls.flatMap((call, index) => (call.input === undefined ? [] : [[String(index), call.input]])));
  const response =
    options.kind === 'mutation'
      ? await fetch(`${baseUrl}/trpc/${paths}?batch=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(inputs),
        })
      : await fetch(`${baseUrl}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`, {
          headers: options.headers ?? {},
        });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}
