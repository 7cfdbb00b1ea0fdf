export { createGatehouseClient, MAX_BATCH_ITEMS } from './create-gatehouse-client.js';
export type { AccessTokenSource, GatehouseClient, GatehouseClientOptions } from './create-gatehouse-client.js';
export { gatehouseErrorLink } from './error-link.js';
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
export type { AnyGatehouseError } from './errors.js';
