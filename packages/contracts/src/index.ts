export { contracts } from './contracts.js';
export { RECENT_SIGN_IN_SECONDS } from './procedures/recent-sign-in.js';
export { ADMIN_ACCESS, withRecentSignIn } from './procedures/admin-access.js';
export type { AdminAccess } from './procedures/admin-access.js';
export { defineAdminContracts } from './procedures/admin.js';
export type { Contracts } from './contracts.js';
export { defineMutation, defineQuery, isProcedureContract, listProcedures } from './define-procedure.js';
export type { ContractDefinition, ContractTree, ProcedureContract, ProcedureKind } from './define-procedure.js';
export { ACR_VALUES, isPublic } from './auth-requirement.js';
export type { AcrValue, AuthRequirement, ProtectedAccess, PublicAccess, RequiredScopesOf, StepUpRequirement } from './auth-requirement.js';
export { DEFAULT_RATE_LIMIT_POLICY_NAMES, ENUMERATION_POLICY_NAME, LOGIN_POLICY_NAMES } from './rate-limit-policy.js';
export type { RateLimitDeclaration, RateLimitKey, RateLimitPolicy, RateLimitPolicyNameOf } from './rate-limit-policy.js';
export { ROLES, ROLE_SCOPES, SCOPES, SCOPE_DESCRIPTIONS, isScope, roleSchema, scopeSchema } from './scopes.js';
export type { Role, Scope } from './scopes.js';
export { POLICIES, POLICY_NAMES } from './policies.js';
export type { PolicyDeclaration, PolicyName } from './policies.js';
export { DEPARTMENTS, REGIONS, userAttributesSchema } from './schemas/user-attributes.js';
export type { Department, Region, UserAttributes } from './schemas/user-attributes.js';
export {
  AUTH_FAILURE_DETAILS,
  AUTH_FAILURE_REASONS,
  AUTH_FAILURE_STATUS,
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
  stepUpErrorDataSchema,
  tooManyRequestsErrorDataSchema,
  unauthorizedErrorDataSchema,
} from './errors.js';
export type {
  AuthErrorData,
  AuthFailureDetail,
  AuthFailureReason,
  ErrorData,
  ErrorDataOf,
  FieldIssue,
  OtherErrorCode,
  RateLimitErrorData,
  StepUpErrorData,
} from './errors.js';
export { byIdInput, idSchema, isoTimestamp, noInput, okOutput, pageInput, pageOf } from './schemas/common.js';
export {
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_LENGTH,
  displayNameSchema,
  emailSchema,
  loginPasswordSchema,
  newPasswordSchema,
  normalizePassword,
  passwordByteLength,
  passwordEqualsEmail,
  publicUserSchema,
  userWithAttributesSchema,
} from './schemas/user.js';
export type { PublicUser, UserWithAttributes } from './schemas/user.js';
export { PAYMENT_METHODS, createOrderInput, orderSchema } from './schemas/order.js';
export type { CreateOrderInput, Order, PaymentMethod } from './schemas/order.js';
export { REFRESH_TOKEN_DELIVERIES, loginInput, registerInput, tokenGrantSchema } from './schemas/auth.js';
export { CSRF_HEADER, logoutInput, refreshInput, revokeAllOutput } from './schemas/auth.js';
export type { TokenGrant } from './schemas/auth.js';
export {
  SECOND_FACTOR_METHODS,
  confirmSecondFactorInput,
  isSecondFactorChallenge,
  loginOutput,
  loginSecondFactorInput,
  secondFactorChallengeSchema,
  secondFactorCodeSchema,
  secondFactorEnrolmentSchema,
} from './schemas/second-factor.js';
export type { LoginResult, SecondFactorChallenge } from './schemas/second-factor.js';
export {
  API_KEY_MAX_EXPIRY_DAYS,
  adminApiKeyListInput,
  adminRevokeApiKeyInput,
  apiKeySchema,
  createApiKeyInput,
  createdApiKeySchema,
  revokeUserAccessOutput,
  revokedApiKeySchema,
} from './schemas/api-key.js';
export type { ApiKey, CreateApiKeyInput, CreatedApiKey, RevokeUserAccess, RevokedApiKey } from './schemas/api-key.js';
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
export {
  AUTHORIZATION_MANIFEST_VERSION,
  buildAuthorizationManifest,
  scopesSupported,
} from './manifest/authorization-manifest.js';
export type {
  AuthorizationManifest,
  DefaultRateLimitPolicy,
  ManifestAuth,
  ManifestPolicy,
  ManifestProcedure,
  ManifestRateLimit,
  ManifestRole,
  ManifestScope,
} from './manifest/authorization-manifest.js';
export { TRPC_BASE_PATH, buildOpenApiDocument } from './manifest/openapi-document.js';
export type { OpenApiOptions } from './manifest/openapi-document.js';
export type { JsonSchema, OpenApiDocument, OpenApiOperation, SecuritySchemeName } from './manifest/openapi-types.js';
// Where the committed artefacts live; rendering them is the package's own script's business (scripts/manifest-files.ts).
export { MANIFEST_ARTEFACT_PATHS } from './manifest/manifest-artefacts.js';
export type { ManifestArtefact } from './manifest/manifest-artefacts.js';
