import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDpopKeyCache } from './dpop-key-cache.js';
import { verifyDpopProof } from './dpop-proof.js';

const HTU = 'https://gatehouse.test/trpc/users.me';
const NOW = 1_800_000_000;
const timing = { nowSeconds: NOW, maxAgeSeconds: 60, maxSkewSeconds: 10 };

async function client(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

function proof(signer: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ htm: 'GET', htu: HTU, iat: NOW, jti: randomUUID(), ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.jwk })
    .sign(signer.privateKey);
}

const request = (value: string) => ({ proof: value, method: 'GET', htu: HTU });

describe('the DPoP key cache', () => {
  it('imports a client’s key once: later proofs reuse it and report the same RFC 7638 thumbprint', async () => {
    const keys = createDpopKeyCache(8);
    const alice = await client();
    const first = await verifyDpopProof(request(await proof(alice)), timing, keys);
    expect(keys.size).toBe(1);
    const second = await verifyDpopProof(request(await proof(alice)), timing, keys);
    expect(keys.size).toBe(1);
    expect(second.jkt).toBe(first.jkt);
    expect(first.jkt).toBe(await calculateJwkThumbprint(alice.jwk, 'sha256'));
    // Found by the proof's protected header as sent: every proof of Alice's client carries the same one.
    const header = (await proof(alice)).split('.')[0] ?? '';
    expect(keys.get(header)?.jkt).toBe(first.jkt);
    expect(keys.get(header.slice(1))).toBeUndefined();
  });

  it('still verifies every signature: a proof under a cached header signed by another key is refused', async () => {
    const keys = createDpopKeyCache(8);
    const alice = await client();
    await verifyDpopProof(request(await proof(alice)), timing, keys);
    const thief = await client();
    // Alice's public key in the header (the cached one), the thief's signature.
    const forged = await proof({ privateKey: thief.privateKey, jwk: alice.jwk });
    await expect(verifyDpopProof(request(forged), timing, keys)).rejects.toMatchObject({ code: 'invalid_dpop_proof' });
    // And a cached key does not excuse the other checks: a proof for another method is refused too.
    await expect(verifyDpopProof(request(await proof(alice, { htm: 'POST' })), timing, keys)).rejects.toMatchObject({ code: 'invalid_dpop_proof' });
  });

  it('stores only keys whose proof verified, and never more than its bound', async () => {
    const keys = createDpopKeyCache(3);
    const mallory = await client();
    await expect(verifyDpopProof(request(await proof(mallory, { iat: NOW - 3600 })), timing, keys)).rejects.toMatchObject({ code: 'invalid_dpop_proof' });
    expect(keys.size).toBe(0);
    for (let index = 0; index < 6; index += 1) await verifyDpopProof(request(await proof(await client())), timing, keys);
    expect(keys.size).toBe(3);
  });

  it('refuses a header carrying a private key, as jose’s EmbeddedJWK does, and caches nothing for it', async () => {
    const keys = createDpopKeyCache(8);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    await expect(verifyDpopProof(request(await proof({ privateKey, jwk: privateJwk })), timing, keys)).rejects.toMatchObject({ code: 'invalid_dpop_proof' });
    expect(keys.size).toBe(0);
  });
});
