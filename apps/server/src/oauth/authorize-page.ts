import { SCOPE_DESCRIPTIONS, type Scope } from '@gatehouse/contracts';

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}ul{padding-left:1.2rem}label{display:block;margin:.8rem 0 .2rem}
input[type=email],input[type=password]{width:100%;padding:.5rem;font:inherit}
.actions{display:flex;gap:.8rem;margin-top:1.2rem}button{padding:.5rem 1rem;font:inherit}
.error{color:#a40e26;background:#ffebe9;padding:.5rem .8rem;border-radius:4px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export interface ConsentPageOptions {
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** Every parameter the POST must carry back, including the CSRF token. */
  readonly hiddenFields: Readonly<Record<string, string>>;
  readonly email?: string;
  readonly error?: string;
}

/** The login and consent form: who asks, for what in plain words, and the two choices. */
export function renderConsentPage(options: ConsentPageOptions): string {
  const hidden = Object.entries(options.hiddenFields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const scopes = options.scopes.map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope])} <small>(${escapeHtml(scope)})</small></li>`).join('');
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  return page(
    'Sign in to Gatehouse',
    `<h1>Sign in to continue to <strong>${escapeHtml(options.clientId)}</strong></h1>
${error}<p>${escapeHtml(options.clientId)} is asking to:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize" autocomplete="on">
${hidden}
<label for="email">Email</label><input id="email" type="email" name="email" required value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label><input id="password" type="password" name="password" required>
<div class="actions"><button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>`,
  );
}

/** Shown instead of redirecting when the client or redirect URI cannot be trusted (RFC 6749 section 4.1.2.1). */
export function renderErrorPage(message: string): string {
  return page('Authorization error', `<h1>This sign-in link is not valid</h1><p class="error">${escapeHtml(message)}</p>`);
}
