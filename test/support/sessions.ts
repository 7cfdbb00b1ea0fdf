import { randomUUID } from 'node:crypto';
import { callProcedure, type RawResponse } from './http.js';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** A fresh account, so a test that revokes sessions touches no one else's. */
export async function registerUser(baseUrl: string): Promise<Credentials & { readonly id: string }> {
  const credentials = { email: `s-${randomUUID()}@test.gatehouse`, password: 'session test password' };
  const response = await callProcedure(baseUrl, 'auth.register', { kind: 'mutation', input: { ...credentials, name: 'Session' } });
  if (response.status !== 200) throw new Error(`register failed: ${response.status}`);
  return { ...credentials, id: response.body.result.data.id };
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
}

/** auth.login with the refresh token in the body. */
export async function loginForSession(baseUrl: string, credentials: Credentials): Promise<Session> {
  const input = { email: credentials.email, password: credentials.password };
  const response = await callProcedure(baseUrl, 'auth.login', { kind: 'mutation', input });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  const grant = response.body.result.data;
  return { accessToken: grant.accessToken, refreshToken: grant.refreshToken, userId: grant.user.id };
}

export function refreshWithBody(baseUrl: string, refreshToken: string): Promise<RawResponse> {
  return callProcedure(baseUrl, 'auth.refresh', { kind: 'mutation', input: { refreshToken } });
}

/** The 401/403 reason of a failed call. */
export function authReason(response: RawResponse): string | undefined {
  return response.body?.error?.data?.auth?.reason;
}
