/** Where Gatehouse is and who this app is to it, read at run time from /config.json. */
export interface AppConfig {
  /** Gatehouse's base URL, which is also its issuer (`iss`). */
  readonly gatehouseUrl: string;
  readonly clientId: string;
  /** The scopes asked for at sign-in. */
  readonly scope: string;
}

export async function loadAppConfig(): Promise<AppConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const value: unknown = await response.json();
  if (!isAppConfig(value)) throw new Error('/config.json needs gatehouseUrl, clientId and scope (strings)');
  return { ...value, gatehouseUrl: value.gatehouseUrl.replace(/\/+$/, '') };
}

function isAppConfig(value: unknown): value is AppConfig {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record['gatehouseUrl'] === 'string' && typeof record['clientId'] === 'string' && typeof record['scope'] === 'string';
}
