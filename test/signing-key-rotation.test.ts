import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { authReason } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

type PrivateJwk = JWK & { kid: string; alg: string };

async function privateJwk(alg: 'ES256' | 'EdDSA' | 'Ed25519'): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `${alg.toLowerCase()}-${(await calculateJwkThumbprint(jwk)).slice(0, 16)}`, alg, use: 'sig' };
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

async function keysFile(keys: readonly PrivateJwk[]): Promise<string> {
  const path = join(directory, `${randomUUID()}.json`);
  await writeFile(path, JSON.stringify({ keys }), { mode: 0o600 });
  return path;
}

const jwksKids = async (url: string): Promise<string[]> => {
  const body = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
  return body.keys.map((key) => key.kid);
};

/**
 * A keys file with two algorithms over the same key type (EdDSA and Ed25519 both name an Ed25519 key). jose
 * accepts either header for an Ed25519 key, so only the server's kid/alg match refuses a token whose header
 * names the other algorithm than the file gave its key: the header is part of what was signed, and a verifier
 * must not let the token choose how it is checked (RFC 8725 section 3.1).
 */
describe('a signing-keys file holding two algorithms', () => {
  let gatehouse: RunningGatehouse;
  let eddsa: PrivateJwk;
  let ed25519: PrivateJwk;

  beforeAll(async () => {
    [eddsa, ed25519] = await Promise.all([privateJwk('EdDSA'), privateJwk('Ed25519')]);
    gatehouse = await startGatehouse({ env: { GATEHOUSE_SIGNING_KEYS_FILE: await keysFile([eddsa, ed25519]) } });
  });
  afterAll(() => gatehouse.close());

  /** A token with every claim the server issues, signed with `signer`'s private key under `header`. */
  async function mint(signer: PrivateJwk, header: { alg: string; kid: string }, subject: string): Promise<string> {
    const key = await importJWK(signer, signer.alg);
    const { issuer, audience } = gatehouse.server.deps.config;
    return new SignJWT({ client_id: 'gatehouse', scope: 'users:read' })
      .setProtectedHeader({ ...header, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(key);
  }

  it('signs with the first key and publishes both, each with its own alg', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'EdDSA', kid: eddsa.kid });
    const body = (await (await fetch(`${gatehouse.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.map(({ kid, alg, kty }) => ({ kid, alg, kty }))).toEqual([
      { kid: eddsa.kid, alg: 'EdDSA', kty: 'OKP' },
      { kid: ed25519.kid, alg: 'Ed25519', kty: 'OKP' },
    ]);
  });

  it('accepts a token each key signs under its own alg, and refuses with 401 invalid_token the same key under the other alg', async () => {
    const { user } = await login(gatehouse.url, TEST_USERS.alice);
    const me = (token: string) => callProcedure(gatehouse.url, 'users.me', { headers: bearer(token) });

    expect((await me(await mint(eddsa, { alg: 'EdDSA', kid: eddsa.kid }, user.id))).status).toBe(200);
    expect((await me(await mint(ed25519, { alg: 'Ed25519', kid: ed25519.kid }, user.id))).status).toBe(200);

    for (const relabelled of [
      await mint(eddsa, { alg: 'Ed25519', kid: eddsa.kid }, user.id),
      await mint(ed25519, { alg: 'EdDSA', kid: ed25519.kid }, user.id),
    ]) {
      const refused = await me(relabelled);
      expect(refused.status).toBe(401);
      expect(authReason(refused)).toBe('invalid_token');
    }
  });
});

/**
 * A rotation as an operator runs it, with sessions in Redis surviving each restart: publish the new key
 * second, then make it first (it signs, the old one still verifies), then drop the old one. A resource server
 * that trusts only the JWKS follows every step.
 */
describe('a key rotation seen through the JWKS', () => {
  let store: StoreVariant;
  let running: RunningGatehouse | undefined;

  beforeAll(() => {
    store = redisVariant('signing-key-rotation');
  });
  afterAll(async () => {
    await running?.close();
    await store.cleanup();
  });

  async function restartWith(keys: readonly PrivateJwk[]): Promise<RunningGatehouse> {
    await running?.close();
    // One issuer across restarts (each gets a new port), as a deployment behind one public name has.
    const env = { ...(await store.env()), GATEHOUSE_ISSUER: 'https://gatehouse.rotation.test', GATEHOUSE_SIGNING_KEYS_FILE: await keysFile(keys) };
    running = await startGatehouse({ env });
    return running;
  }

  const remoteVerify = async (gatehouse: RunningGatehouse, token: string) => {
    const { issuer, audience } = gatehouse.server.deps.config;
    return jwtVerify(token, createRemoteJWKSet(new URL(`${gatehouse.url}/.well-known/jwks.json`)), { issuer, audience, typ: 'at+jwt' });
  };
  const me = (gatehouse: RunningGatehouse, token: string) => callProcedure(gatehouse.url, 'users.me', { headers: bearer(token) });

  it('keeps old tokens valid while the old key is published, signs with the new one, and refuses old tokens once the old key is gone', async () => {
    const [oldKey, newKey] = await Promise.all([privateJwk('ES256'), privateJwk('EdDSA')]);

    let gatehouse = await restartWith([oldKey]);
    const before = await login(gatehouse.url, TEST_USERS.alice);
    expect(decodeProtectedHeader(before.accessToken)).toMatchObject({ alg: 'ES256', kid: oldKey.kid });

    gatehouse = await restartWith([oldKey, newKey]);
    expect(await jwksKids(gatehouse.url)).toEqual([oldKey.kid, newKey.kid]);
    expect((await me(gatehouse, before.accessToken)).status).toBe(200);

    gatehouse = await restartWith([newKey, oldKey]);
    const during = await login(gatehouse.url, TEST_USERS.alice);
    expect(decodeProtectedHeader(during.accessToken)).toMatchObject({ alg: 'EdDSA', kid: newKey.kid });
    expect((await remoteVerify(gatehouse, during.accessToken)).payload.sub).toBe(during.user.id);
    expect((await remoteVerify(gatehouse, before.accessToken)).payload.sub).toBe(before.user.id);
    expect((await me(gatehouse, before.accessToken)).status).toBe(200);

    gatehouse = await restartWith([newKey]);
    expect(await jwksKids(gatehouse.url)).toEqual([newKey.kid]);
    const retired = await me(gatehouse, before.accessToken);
    expect(retired.status).toBe(401);
    expect(authReason(retired)).toBe('invalid_token');
    await expect(remoteVerify(gatehouse, before.accessToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect((await me(gatehouse, during.accessToken)).status).toBe(200);
    await expect(remoteVerify(gatehouse, during.accessToken)).resolves.toBeDefined();
  });
});
