/**
 * The second entry of @gatehouse/server (`@gatehouse/server/operator`), for
 * operators' tools such as apps/cli: the configuration, stores, keys and
 * password rules a server of the same configuration uses, without the HTTP
 * host. A separate entry because the main one loads Fastify, tRPC and every
 * router, which took a CLI invocation from about half a second to several.
 */
export { parseConfig, ConfigError, describeConfigVariables, CONFIG_VARIABLES } from './config.js';
export type { Config, ConfigVariableValue, ConfigValueSource } from './config.js';
export { createOperatorStores, OperatorStoreError } from './stores/create-operator-stores.js';
export type { OperatorStores } from './stores/create-operator-stores.js';
export { ClientIdTakenError } from './stores/oauth-client-store.js';
export type { OAuthClientRecord, NewOAuthClient, GrantType } from './stores/oauth-client-store.js';
export { EmailTakenError, isActiveUser } from './stores/user-store.js';
export type { UserRecord } from './stores/user-store.js';
export type { ApiKeyRecord } from './stores/api-key-store.js';
export type { SecurityEvent } from './audit/security-events.js';
export { StoreUnavailableError } from './errors/store-unavailable-error.js';
export { StartupError } from './startup-error.js';
export { clientSecretDigest } from './oauth/client-registry.js';
export { createPasswordHasher } from './auth/password-hasher.js';
export { isCommonPassword, COMMON_PASSWORD_MESSAGE } from './auth/password-policy.js';
export { scopesOfRole } from './auth/scopes.js';
export { parseSeed, SeedError } from './seed/load-seed.js';
export { generatePrivateJwk, loadSigningKeysFile, SigningKeysError, SIGNING_ALGORITHMS } from './tokens/signing-keys.js';
export type { SigningAlgorithm } from './tokens/signing-keys.js';
