import { createHash } from 'node:crypto';
import { SCOPE_DESCRIPTIONS, type Scope } from '@gatehouse/contracts';

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

// One stylesheet, inline, allowed by its hash alone (no 'unsafe-inline'): the pages load nothing from anywhere.
const STYLE = `:root{color-scheme:light;--ink:#17202a;--muted:#5b6673;--line:#d9dee5;--brand:#2f5bd3;--brand-dark:#2349b0;--danger:#a40e26}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:2rem 1rem;background:linear-gradient(160deg,#eef2fb,#f8f9fb 60%);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink)}
main{width:100%;max-width:26rem;background:#fff;border:1px solid var(--line);border-radius:14px;box-shadow:0 10px 30px rgba(23,32,42,.08);padding:2rem}
.brand{display:flex;align-items:center;gap:.6rem;font-weight:600;color:var(--muted);margin-bottom:1.4rem}
.logo{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:8px;background:var(--brand);color:#fff;font-weight:700}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}h2{font-size:1rem;margin:1.2rem 0 .4rem}
.scopes{list-style:none;padding:0;margin:0 0 1rem;border:1px solid var(--line);border-radius:10px}
.scopes li{padding:.55rem .8rem;border-top:1px solid var(--line)}.scopes li:first-child{border-top:0}
.scopes li::before{content:"\\2713";color:var(--brand);font-weight:700;margin-right:.6rem}
.scopes small{color:var(--muted)}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #aeb6c1;border-radius:8px}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #8fb0ff;outline-offset:2px}
input[aria-invalid=true]{border-color:var(--danger)}
.account{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.7rem .8rem;border:1px solid var(--line);border-radius:10px;background:#f8f9fb}
.account strong{display:block}.account span{color:var(--muted);font-size:.9rem}
a{color:var(--brand-dark)}.switch{display:flex;flex-direction:column;align-items:flex-end;gap:.2rem;white-space:nowrap}
.actions{display:flex;gap:.8rem;margin-top:1.4rem}
button{flex:1;padding:.7rem 1rem;font:inherit;font-weight:600;border-radius:8px;cursor:pointer;border:1px solid var(--brand)}
.primary{background:var(--brand);color:#fff}.primary:hover{background:var(--brand-dark)}
.secondary{background:#fff;color:var(--brand-dark)}.secondary:hover{background:#eef2fb}
.error{color:var(--danger);background:#ffebe9;border:1px solid #f5c2c7;padding:.6rem .8rem;border-radius:8px;margin:0 0 1rem}
.link{flex:none;background:none;border:0;padding:0;font-weight:400;color:var(--brand-dark);text-decoration:underline}
.fine{color:var(--muted);font-size:.85rem;margin:1.2rem 0 0}
.hint{color:var(--muted);font-size:.9rem;margin:.3rem 0 0}`;

/** The CSP source that allows exactly the pages' stylesheet. */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main aria-labelledby="title"><div class="brand"><span class="logo" aria-hidden="true">G</span>Gatehouse</div>${body}</main></body></html>`;
}

interface AuthorizePageOptions {
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** Every parameter the POST must carry back, including the CSRF token. */
  readonly hiddenFields: Readonly<Record<string, string>>;
  readonly error?: string;
}

export interface SignInPageOptions extends AuthorizePageOptions {
  readonly email?: string;
}

export interface ConsentPageOptions extends AuthorizePageOptions {
  /** Who is signed in (the sign-in session). */
  readonly user: { readonly email: string; readonly name: string };
  /** The same request with prompt=login: signs in as someone else. */
  readonly switchAccountUrl: string;
}

/** No password yet: who asks, for what in plain words, the sign-in fields and the two choices. */
export function renderSignInPage(options: SignInPageOptions): string {
  const invalid = options.error === undefined ? '' : ' aria-invalid="true" aria-describedby="form-error"';
  // Focus lands where the user types next: the password when the email is already there.
  const emailFocus = options.email === undefined || options.email === '' ? ' autofocus' : '';
  const passwordFocus = emailFocus === '' ? ' autofocus' : '';
  return page(
    `Sign in to continue to ${options.clientId}`,
    `<h1 id="title">Sign in to continue to <strong>${escapeHtml(options.clientId)}</strong></h1>
${errorBlock(options.error)}${scopeList(options)}
<form method="post" action="/oauth/authorize" autocomplete="on">
${hiddenInputs(options.hiddenFields)}
<label for="email">Email</label><input id="email" type="email" name="email" autocomplete="username" required${emailFocus}${invalid} value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required${passwordFocus}${invalid}>
${actions()}
</form>${finePrint(options.clientId)}`,
  );
}

/** Signed in already (a sign-in session): who, for what, and the two choices, without the password. */
export function renderConsentPage(options: ConsentPageOptions): string {
  return page(
    `Allow ${options.clientId} to use your account?`,
    `<h1 id="title">Allow <strong>${escapeHtml(options.clientId)}</strong> to use your account?</h1>
${errorBlock(options.error)}<div class="account"><div><strong>${escapeHtml(options.user.name)}</strong><span>${escapeHtml(options.user.email)}</span></div>
<div class="switch"><a href="${escapeHtml(options.switchAccountUrl)}">Use another account</a>
<button class="link" type="submit" form="consent" name="decision" value="sign_out" formnovalidate>Sign out</button></div></div>
${scopeList(options)}
<form id="consent" method="post" action="/oauth/authorize">
${hiddenInputs(options.hiddenFields)}
${actions(' autofocus')}
</form>${finePrint(options.clientId)}`,
  );
}

export interface SecondFactorPageOptions extends AuthorizePageOptions {
  /** Whose password is already proven (just now, or by the sign-in session). */
  readonly user: { readonly email: string; readonly name: string };
  /** The same request with prompt=login: signs in as someone else. */
  readonly switchAccountUrl: string;
}

/**
 * The second step: the password is proven, the code from the authenticator
 * app (or a recovery code) is asked for, with the same choices as the first
 * page. `autocomplete=one-time-code` lets phones offer the code; the field
 * takes a recovery code too, so it is text with a numeric keyboard hint.
 */
export function renderSecondFactorPage(options: SecondFactorPageOptions): string {
  const described = options.error === undefined ? 'code-hint' : 'form-error code-hint';
  const invalid = options.error === undefined ? '' : ' aria-invalid="true"';
  return page(
    `Enter your verification code to continue to ${options.clientId}`,
    `<h1 id="title">Enter your verification code to continue to <strong>${escapeHtml(options.clientId)}</strong></h1>
${errorBlock(options.error)}<div class="account"><div><strong>${escapeHtml(options.user.name)}</strong><span>${escapeHtml(options.user.email)}</span></div>
<div class="switch"><a href="${escapeHtml(options.switchAccountUrl)}">Use another account</a></div></div>
${scopeList(options)}
<form method="post" action="/oauth/authorize" autocomplete="off">
${hiddenInputs(options.hiddenFields)}
<label for="code">Verification code</label><input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required autofocus aria-describedby="${described}"${invalid}>
<p class="hint" id="code-hint">The 6-digit code from your authenticator app, or one of your recovery codes.</p>
${actions()}
</form>${finePrint(options.clientId)}`,
  );
}

/** Shown instead of redirecting when the request cannot be answered to the client (RFC 6749 section 4.1.2.1). */
export function renderErrorPage(message: string, heading = 'This sign-in link is not valid'): string {
  return page(heading, `<h1 id="title">${escapeHtml(heading)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`);
}

function errorBlock(error: string | undefined): string {
  // role=alert: a screen reader announces the problem as soon as the page shows it.
  return error === undefined ? '' : `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>`;
}

function scopeList(options: AuthorizePageOptions): string {
  const items = options.scopes.map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope])} <small>(${escapeHtml(scope)})</small></li>`).join('');
  return `<h2 id="scopes-title">${escapeHtml(options.clientId)} is asking to:</h2><ul class="scopes" aria-labelledby="scopes-title">${items}</ul>`;
}

function hiddenInputs(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

function actions(allowFocus = ''): string {
  // Allow first: Enter in a field submits it, and the tab order reads fields, Allow, Deny.
  return `<div class="actions"><button class="primary" type="submit" name="decision" value="approve"${allowFocus}>Allow</button>
<button class="secondary" type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>`;
}

function finePrint(clientId: string): string {
  return `<p class="fine">Gatehouse never shares your password with ${escapeHtml(clientId)}. Choosing Deny sends you back without signing in.</p>`;
}
