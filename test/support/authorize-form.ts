import * as oauth from 'oauth4webapi';

/**
 * Drives the authorize form the way docs/oauth.md describes a browser (or an outside
 * test suite) doing it: read every hidden input it renders, post them back
 * with email, password and decision, and return where the server redirects.
 */
export async function submitAuthorizeForm(
  authorizeUrl: URL,
  answers: { email: string; password: string; decision: 'approve' | 'deny' },
): Promise<{ status: number; location: string | null; html: string }> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, location: page.headers.get('location'), html };
  const form = new URLSearchParams(readHiddenInputs(html));
  form.set('email', answers.email);
  form.set('password', answers.password);
  form.set('decision', answers.decision);
  const posted = await fetch(new URL('/oauth/authorize', authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: posted.status, location: posted.headers.get('location'), html: await posted.text() };
}

export function readHiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[decodeEntities(match[1] ?? '')] = decodeEntities(match[2] ?? '');
  }
  return fields;
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_entity, code: string) => String.fromCharCode(Number(code)));
}

/**
 * The browser half of the authorization code flow with PKCE, as a user who
 * approves: returns the callback parameters validated by oauth4webapi (state
 * and iss), the code verifier for the exchange, and the authorize URL used.
 */
export async function authorizeWithPkce(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  options: { readonly redirectUri: string; readonly user: { email: string; password: string }; readonly scope?: string },
): Promise<{ params: URLSearchParams; codeVerifier: string; url: URL }> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'users:read orders:read',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  }).toString();
  const result = await submitAuthorizeForm(url, { ...options.user, decision: 'approve' });
  return { params: oauth.validateAuthResponse(as, client, new URL(result.location!), state), codeVerifier, url };
}
