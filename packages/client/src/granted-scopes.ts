import { isScope, type Scope } from '@gatehouse/contracts';

/**
 * The scopes an OAuth token response granted (its `scope` string, RFC 6749
 * section 3.3), typed as the scopes that were asked for, so a client bound
 * to them compiles only calls within the request. The server may grant
 * fewer than asked, never more: a granted scope outside `requested` is an
 * error, not something to bind silently.
 *
 * @example
 * ```ts
 * const requested = ['orders:read', 'users:read'] as const;
 * const tokens = await oauth.processAuthorizationCodeResponse(...); // scope: 'orders:read'
 * const client = createGatehouseClient({ url, accessToken: tokens.access_token, scopes: grantedScopes(tokens.scope, requested) });
 * ```
 */
export function grantedScopes<const TRequested extends readonly Scope[]>(
  scope: string | undefined,
  requested: TRequested,
): Array<TRequested[number]> {
  // RFC 6749 section 5.1: no `scope` in the response means exactly the requested scopes were granted.
  if (scope === undefined) return [...requested];
  const granted = scope.split(' ').filter((value) => value !== '');
  const outside = granted.filter((value) => !isScope(value) || !(requested as readonly string[]).includes(value));
  if (outside.length > 0) throw new RangeError(`The token grants scopes that were not requested: ${outside.join(' ')}`);
  return granted as Array<TRequested[number]>;
}
