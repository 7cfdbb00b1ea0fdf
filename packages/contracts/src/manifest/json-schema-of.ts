import { z } from 'zod';
import type { JsonSchema } from './openapi-types.js';

/**
 * zod's JSON Schema of one side of a schema, without `$schema` (OpenAPI 3.1's
 * dialect is 2020-12 already). Unrepresentable types and recursive schemas
 * throw: `$defs` inside an embedded schema would resolve against the
 * document's root, so a wrong description would be worse than none.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', where: string): JsonSchema {
  let converted: JsonSchema;
  try {
    converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw', cycles: 'throw', reused: 'inline' });
  } catch (error) {
    throw new TypeError(`${where}: the ${io} schema has no JSON Schema form (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const { $schema: _dialect, ...rest } = converted;
  if (rest.$defs !== undefined) throw new TypeError(`${where}: the ${io} schema needs $defs, which an embedded OpenAPI schema cannot carry`);
  return rest;
}
