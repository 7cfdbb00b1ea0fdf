export { contracts } from './contracts.js';
export type { Contracts } from './contracts.js';
export { defineMutation, defineQuery, isProcedureContract, listProcedures } from './define-procedure.js';
export type { ContractDefinition, ContractTree, ProcedureContract, ProcedureKind } from './define-procedure.js';
export { isPublic } from './auth-requirement.js';
export type { AuthRequirement, ProtectedAccess, PublicAccess, RequiredScopesOf } from './auth-requirement.js';
export { DEFAULT_RATE_LIMIT_POLICY_NAMES, ENUMERATION_POLICY_NAME, LOGIN_POLICY_NAMES } from './rate-limit-policy.js';
export type { RateLimitDeclaration, RateLimitKey, RateLimitPolicy, RateLimitPolicyNameOf } from './rate-limit-policy.js';
export { ROLES, ROLE_SCOPES, SCOPES, SCOPE_DESCRIPTIONS, isScope, roleSchema, scopeSchema } from './scopes.js';
export type { Role, Scope } from './scopes.js';
export {
  AUTH_FAILURE_REASONS,
  OTHER_ERROR_CODES,
  authErrorDataSchema,
  badRequestErrorDataSchema,
  errorDataSchema,
  fieldIssueSchema,
  forbiddenErrorDataSchema,
  notFoundErrorDataSchema,
  otherErrorDataSchema,
  rateLimitErrorDataSchema,
  serviceUnavailableErrorDataSchema,
  tooManyRequestsErrorDataSchema,
  unauthorizedErrorDataSchema,
} from './errors.js';
export type {
  AuthErrorData,
  AuthFailureReason,
  ErrorData,
  ErrorDataOf,
  FieldIssue,
  OtherErrorCode,
  RateLimitErrorData,
} from './errors.js';
export { byIdInput, idSchema, isoTimestamp, noInput, okOutput, pageInput, pageOf } from './schemas/common.js';
export {
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_LENGTH,
  displayNameSchema,
  emailSchema,
  newPasswordSchema,
  publicUserSchema,
} from './schemas/user.js';
export type { PublicUser } from './schemas/user.js';
export { PAYMENT_METHODS, createOrderInput, orderSchema } from './schemas/order.js';
export type { CreateOrderInput, Order, PaymentMethod } from './schemas/order.js';
export { REFRESH_TOKEN_DELIVERIES, loginInput, registerInput, tokenGrantSchema } from './schemas/auth.js';
export { CSRF_HEADER, refreshInput, revokeAllOutput } from './schemas/auth.js';
export type { TokenGrant } from './schemas/auth.js';
export {
  API_KEY_MAX_EXPIRY_DAYS,
  apiKeySchema,
  createApiKeyInput,
  createdApiKeySchema,
  revokedApiKeySchema,
} from './schemas/api-key.js';
export type { ApiKey, CreateApiKeyInput, CreatedApiKey, RevokedApiKey } from './schemas/api-key.js';
export {
  CHAIN_BREAK_REASONS,
  SECURITY_EVENT_TYPES,
  auditChainVerificationSchema,
  auditLogListInput,
  auditRecordSchema,
  principalKeySchema,
  securityEventTypeSchema,
} from './schemas/audit.js';
export type { AuditChainVerification, AuditRecord, SecurityEventType } from './schemas/audit.js';
