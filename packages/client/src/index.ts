export { createGatehouseClient, gatehouseLinks, MAX_BATCH_ITEMS } from './create-gatehouse-client.js';
export type {
  AccessTokenSource,
  CredentialOptions,
  GatehouseClient,
  GatehouseClientOptions,
  GatehouseSessionClient,
  GatehouseSessionClientOptions,
  GatehouseTransportOptions,
  LinkFetch,
} from './create-gatehouse-client.js';
export type {
  CallResult,
  GatehouseProcedures,
  MissingScopes,
  MutationClient,
  ProcedureClient,
  ProcedureError,
  ProcedureTree,
  QueryClient,
} from './procedure-client.js';
export { grantedScopes } from './granted-scopes.js';
export { createDpopSigner } from './dpop-signer.js';
export type { DpopSigner } from './dpop-signer.js';
export { createDpopFetch } from './dpop-fetch.js';
export { TokenRequestError } from './client-credentials.js';
export type { ClientCredentialsOptions } from './client-credentials.js';
export { gatehouseErrorLink } from './error-link.js';
export { rateLimitRetryLink } from './rate-limit-retry-link.js';
export type { RateLimitRetryOptions } from './rate-limit-retry-link.js';
export {
  ForbiddenError,
  GatehouseError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  ServiceUnavailableError,
  StepUpRequiredError,
  UnauthorizedError,
  ValidationError,
  isGatehouseError,
  toGatehouseError,
} from './errors.js';
export type { AnyGatehouseError, ServerErrorCode } from './errors.js';
export { SecondFactorRequiredError } from './session/second-factor-required-error.js';
export type { GatehouseRouter } from '@gatehouse/contracts/trpc';
export { createLocalLock, createMemoryTokenStorage, createWebStorageTokenStorage } from './session/token-storage.js';
export type {
  KeyValueStorage,
  LockManagerLike,
  SessionTokens,
  TokenStorage,
  WebStorageTokenStorageOptions,
} from './session/token-storage.js';
export type { GatehouseSession, SessionOptions } from './session/gatehouse-session.js';
export { sessionRefreshLink } from './session/session-refresh-link.js';
