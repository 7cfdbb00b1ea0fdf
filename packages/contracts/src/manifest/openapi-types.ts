import type { z } from 'zod';
import type { ManifestProcedure } from './authorization-manifest.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as zod emits it. */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** The parts of an OpenAPI 3.1 document this builder writes; see https://spec.openapis.org/oas/v3.1.1. */
export interface OpenApiDocument {
  readonly openapi: '3.1.1';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: readonly OpenApiServer[];
  readonly tags: readonly { readonly name: string }[];
  readonly paths: Readonly<Record<string, Readonly<Partial<Record<'get' | 'post', OpenApiOperation>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly headers: Readonly<Record<string, OpenApiHeader>>;
    readonly responses: Readonly<Record<string, OpenApiResponse>>;
    readonly securitySchemes: Readonly<Record<SecuritySchemeName, OpenApiSecurityScheme>>;
  };
}

export interface OpenApiServer {
  readonly url: string;
  readonly description: string;
  readonly variables: Readonly<Record<string, { readonly default: string; readonly description: string }>>;
}

/** One procedure as an HTTP operation: its input transport, security alternatives, responses and manifest entry. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: JsonContent };
  /** `[]` for public procedures: no credential is needed. Otherwise alternatives, any one of which suffices. */
  readonly security: readonly Readonly<Partial<Record<SecuritySchemeName, readonly string[]>>>[];
  readonly responses: Readonly<Record<string, OpenApiResponse | Reference>>;
  readonly 'x-gatehouse-procedure': ManifestProcedure;
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'query';
  readonly required: boolean;
  readonly description: string;
  readonly content: JsonContent;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, Reference>>;
  readonly content: JsonContent;
}

export interface OpenApiHeader {
  readonly description: string;
  readonly schema: JsonSchema;
}

export type OpenApiSecurityScheme =
  | {
      readonly type: 'oauth2';
      readonly description: string;
      readonly flows: {
        readonly authorizationCode: {
          readonly authorizationUrl: string;
          readonly tokenUrl: string;
          readonly refreshUrl: string;
          readonly scopes: Readonly<Record<string, string>>;
        };
        readonly clientCredentials: { readonly tokenUrl: string; readonly scopes: Readonly<Record<string, string>> };
      };
    }
  | { readonly type: 'http'; readonly scheme: 'bearer'; readonly bearerFormat: string; readonly description: string }
  | { readonly type: 'apiKey'; readonly in: 'header'; readonly name: string; readonly description: string }
  | { readonly type: 'mutualTLS'; readonly description: string };

export interface Reference {
  readonly $ref: string;
}

export type JsonContent = Readonly<Record<'application/json', { readonly schema: JsonSchema }>>;

/** Names of the document's security schemes. */
export type SecuritySchemeName = 'oauth2' | 'bearerToken' | 'apiKey' | 'mutualTLS';
