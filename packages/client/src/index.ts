export { createGatehouseClient, MAX_BATCH_ITEMS } from './create-gatehouse-client.js';
export type { AccessTokenSource, GatehouseClient, GatehouseClientOptions, LinkFetch } from './create-gatehouse-client.js';
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
  UnauthorizedError,
  ValidationError,
  isGatehouseError,
  toGatehouseError,
} from './errors.js';
export type { AnyGatehouseError, ServerErrorCode } from './errors.js';
export { createMemoryTokenStorage } from './session/token-storage.js';
export type { SessionTokens, TokenStorage } from './session/token-storage.js';
export type { GatehouseSession, SessionOptions } from './session/gatehouse-session.js';
export type { GatehouseSessionClient, GatehouseSessionClientOptions } from './session/create-session-client.js';
export { sessionRefreshLink } from './session/session-refresh-link.js';
