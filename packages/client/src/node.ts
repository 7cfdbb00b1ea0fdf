/**
 * `@gatehouse/client/node`: the parts that only run on Node (TLS options
 * through undici). Kept off the main entry so browser bundles never see them.
 *
 * @example
 * ```ts
 * import { createGatehouseClient } from '@gatehouse/client';
 * import { createTlsFetch } from '@gatehouse/client/node';
 *
 * const gatehouse = createGatehouseClient({
 *   url: 'https://gatehouse.internal:8443',
 *   fetch: createTlsFetch({ ca: readFileSync('ca.crt'), cert: readFileSync('reports.crt'), key: readFileSync('reports.key') }),
 * });
 * ```
 */
export { createTlsFetch } from './tls-fetch.js';
export type { GatehouseTlsOptions } from './tls-fetch.js';
