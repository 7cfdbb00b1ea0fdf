import type { DpopSigner } from './dpop-signer.js';
import type { LinkFetch } from './link-fetch.js';

/**
 * A fetch for `createGatehouseClient({ fetch })` that sends every request with
 * a DPoP proof of `signer` (RFC 9449): auth.login and auth.refresh then issue
 * tokens bound to its key (`tokenType: 'DPoP'`), and an `Authorization: Bearer`
 * header the client adds is sent as `Authorization: DPoP` with a proof about
 * that token (`ath`). When the server asks for its nonce (`use_dpop_nonce`
 * with a `DPoP-Nonce` header, GATEHOUSE_DPOP_NONCE), the request is signed
 * again with it and retried once; the nonce is kept for later requests.
 */
export function createDpopFetch(signer: DpopSigner, fetchImpl: typeof fetch = globalThis.fetch): LinkFetch {
  let nonce: string | undefined;
  const send = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    const accessToken = /^Bearer (.+)$/i.exec(headers.get('authorization') ?? '')?.[1];
    const sign = async () => {
      headers.set('dpop', await signer.proof(method, url, { ...(accessToken === undefined ? {} : { accessToken }), ...(nonce === undefined ? {} : { nonce }) }));
      if (accessToken !== undefined) headers.set('authorization', `DPoP ${accessToken}`);
      return fetchImpl(input, { ...init, headers });
    };
    const response = await sign();
    const offered = response.headers.get('dpop-nonce');
    if (offered !== null) {
      const asked = nonce !== offered && (response.status === 400 || response.status === 401) && /use_dpop_nonce/.test(response.headers.get('www-authenticate') ?? (await response.clone().text()));
      nonce = offered;
      if (asked) return sign();
    }
    return response;
  };
  // tRPC's links type fetch narrowly (FetchEsque); this is a whole fetch, as createTlsFetch's is.
  return send as unknown as LinkFetch;
}
