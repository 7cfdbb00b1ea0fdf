/**
 * A header parameter value in double quotes, with `"` and `\` backslash-escaped,
 * so a value cannot end its parameter early. The same escaping serves an
 * RFC 9110 quoted-string (section 5.6.4: `WWW-Authenticate` parameters) and
 * an RFC 8941 sf-string (section 3.3.3: the `RateLimit` fields' names), which
 * agree for the printable ASCII Gatehouse puts there.
 */
export function quotedString(value: string): string {
  return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}
