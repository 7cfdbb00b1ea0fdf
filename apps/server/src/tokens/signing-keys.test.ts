import { hkdfSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, compactVerify, CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateEphemeralSigningKeys, generatePrivateJwk, loadSigningKeysFile, SigningKeysError } from './signing-keys.js';

async function writeKeysFile(contents: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'gatehouse-signing-keys-')), 'keys.json');
  await writeFile(path, contents);
  return path;
}

const loadKeys = async (keys: unknown) => loadSigningKeysFile(await writeKeysFile(JSON.stringify({ keys })));

describe('signing keys', () => {
  it('generates an ephemeral ES256 key that signs, verifies under its kid, and knows no other kid', async () => {
    const keys = await generateEphemeralSigningKeys();
    expect(keys.ephemeral).toBe(true);
    expect(keys.algorithms).toEqual(['ES256']);
    expect(keys.active.alg).toBe('ES256');
    const published = keys.publicJwks.keys[0];
    expect(keys.publicJwks.keys).toHaveLength(1);
    expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', kid: keys.active.kid, alg: 'ES256', use: 'sig' });
    expect(keys.active.kid).toBe(await calculateJwkThumbprint(published ?? {}));
    const verification = keys.verificationKey(keys.active.kid);
    expect(verification?.alg).toBe('ES256');
    const jws = await new CompactSign(new TextEncoder().encode('payload')).setProtectedHeader({ alg: 'ES256' }).sign(keys.active.privateKey);
    await expect(compactVerify(jws, verification?.key ?? keys.active.privateKey)).resolves.toBeDefined();
    expect(keys.verificationKey('another-kid')).toBeUndefined();
  });

  it('generates private JWKs named by their RFC 7638 thumbprint, for signing', async () => {
    const jwk = await generatePrivateJwk('EdDSA');
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', d: expect.any(String) });
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk));
  });

  it('names no key with a leading "-", which a command line would read as an option', async () => {
    // One thumbprint in 64 begins with "-": among 400 keys, at least one would with probability 0.998.
    const kids = await Promise.all(Array.from({ length: 400 }, async () => (await generatePrivateJwk('EdDSA')).kid));
    expect(kids.filter((kid) => kid.startsWith('-'))).toEqual([]);
    expect(new Set(kids).size).toBe(400);
  });

  it('loads a keys file: the first key signs, every key verifies, each algorithm listed once', async () => {
    const [first, second, third] = await Promise.all([generatePrivateJwk('ES256'), generatePrivateJwk('EdDSA'), generatePrivateJwk('ES256')]);
    const keys = await loadKeys([first, second, third]);
    expect(keys.ephemeral).toBe(false);
    expect(keys.active.kid).toBe(first.kid);
    expect(keys.algorithms).toEqual(['ES256', 'EdDSA']);
    expect(keys.verificationKey(second.kid)?.alg).toBe('EdDSA');
    expect(keys.verificationKey(third.kid)?.alg).toBe('ES256');
    expect(keys.publicJwks.keys.map((jwk) => jwk.kid)).toEqual([first.kid, second.kid, third.kid]);
  });

  it('publishes only the public members of OKP and RSA keys', async () => {
    const [okp, rsa] = await Promise.all([generatePrivateJwk('EdDSA'), generatePrivateJwk('RS256')]);
    const keys = await loadKeys([{ ...okp, note: 'x' }, rsa]);
    expect(keys.publicJwks.keys).toStrictEqual([
      { kty: 'OKP', crv: 'Ed25519', x: okp.x, kid: okp.kid, alg: 'EdDSA', use: 'sig' },
      { kty: 'RSA', n: rsa.n, e: rsa.e, kid: rsa.kid, alg: 'RS256', use: 'sig' },
    ]);
  });

  it('derives the same 32-byte secret per label from the active key on every process, and another per label or key', async () => {
    const [first, second] = await Promise.all([generatePrivateJwk('ES256'), generatePrivateJwk('ES256')]);
    const one = await loadKeys([first, second]);
    const again = await loadKeys([first]);
    const rotated = await loadKeys([second, first]);
    const secret = one.deriveSecret('authorize-csrf');
    expect(secret).toHaveLength(32);
    expect(secret).toEqual(again.deriveSecret('authorize-csrf'));
    expect(secret).toEqual(Buffer.from(hkdfSync('sha256', Buffer.from(first.d ?? '', 'base64url'), 'gatehouse', 'authorize-csrf', 32)));
    expect(secret).not.toEqual(one.deriveSecret('sign-in-session'));
    expect(secret).not.toEqual(rotated.deriveSecret('authorize-csrf'));
  });

  it('refuses a file that is missing or not JSON', async () => {
    await expect(loadSigningKeysFile(join(tmpdir(), 'no-such-dir-gatehouse', 'keys.json'))).rejects.toBeInstanceOf(SigningKeysError);
    await expect(loadSigningKeysFile(await writeKeysFile('{"keys": ['))).rejects.toBeInstanceOf(SigningKeysError);
  });

  it('refuses a file that is not a private JWKS: no keys, a bad kid, an empty d, an unknown key type or algorithm', async () => {
    const key = await generatePrivateJwk('ES256');
    const refused: unknown[] = [
      [],
      [{ ...key, kid: 'with space' }],
      [{ ...key, kid: '' }],
      [{ ...key, kid: 'k'.repeat(129) }],
      [{ ...key, kid: 'kid/../etc' }],
      [{ ...key, d: '' }],
      [{ ...key, kty: 'oct' }],
      [{ ...key, alg: 'HS256' }],
    ];
    for (const keys of refused) {
      await expect(loadKeys(keys), JSON.stringify(keys).slice(0, 80)).rejects.toBeInstanceOf(SigningKeysError);
    }
    await expect(loadSigningKeysFile(await writeKeysFile('[]'))).rejects.toBeInstanceOf(SigningKeysError);
    // Letters, digits, _ . - up to 128 characters are a kid.
    await expect(loadKeys([{ ...key, kid: `${'k'.repeat(125)}_.-` }])).resolves.toBeDefined();
  });

  it('tells the operator at start-up which variable, file and member is wrong (main.ts prints the message alone)', async () => {
    const messageOf = (promise: Promise<unknown>) => promise.then(() => '', (error: unknown) => (error instanceof SigningKeysError ? error.message : 'not a SigningKeysError'));
    const missing = join(tmpdir(), 'no-such-dir-gatehouse', 'keys.json');
    expect(await messageOf(loadSigningKeysFile(missing))).toBe(`GATEHOUSE_SIGNING_KEYS_FILE: cannot read JSON from ${missing}`);
    const key = await generatePrivateJwk('ES256');
    expect(await messageOf(loadKeys([{ ...key, kid: 'with space', d: '' }]))).toBe(
      'GATEHOUSE_SIGNING_KEYS_FILE: not a private JWKS (keys.0.kid: kid: 1 to 128 letters, digits, _ . -; keys.0.d: a private key (with "d") is required)',
    );
    expect(await messageOf(loadKeys([key, key]))).toBe('GATEHOUSE_SIGNING_KEYS_FILE: every kid must be unique');
    expect(await messageOf(loadKeys([{ ...key, alg: 'RS256' }]))).toBe(`signing key ${key.kid}: cannot import it as RS256`);
  });

  it('refuses a key that does not import as its declared algorithm', async () => {
    const key = await generatePrivateJwk('ES256');
    await expect(loadKeys([{ ...key, alg: 'RS256' }])).rejects.toBeInstanceOf(SigningKeysError);
    await expect(loadKeys([{ ...key, alg: 'ES384' }])).rejects.toBeInstanceOf(SigningKeysError);
  });
});
