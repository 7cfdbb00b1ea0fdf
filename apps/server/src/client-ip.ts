/**
 * The address a client is known by. IPv4-mapped IPv6 (`::ffff:1.2.3.4`)
 * becomes plain IPv4, so one client has one key whichever stack accepted it.
 */
export function normaliseIp(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}
