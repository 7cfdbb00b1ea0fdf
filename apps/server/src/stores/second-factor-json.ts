import { z } from 'zod';
import type { SecondFactorRecord } from './user-store.js';

/**
 * A second factor as the Redis and PostgreSQL user stores keep it: one JSON
 * value, so a Lua script or one UPDATE changes it whole. Lua's cjson writes
 * an empty array as `{}`, which reads back here as no recovery codes left.
 */
export const secondFactorJsonSchema = z.object({
  method: z.literal('totp'),
  sealedSecret: z.string().min(1),
  confirmedAtMs: z.number().int().nonnegative().optional(),
  recoveryCodeHashes: z.preprocess(
    (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0 ? [] : value),
    z.array(z.string()),
  ),
  lastTimeStep: z.number().int().nonnegative(),
});

/** The stored form of a record, ready for JSON. */
export function secondFactorToJson(factor: SecondFactorRecord): string {
  return JSON.stringify(secondFactorJsonSchema.parse(factor));
}

/** A stored value back to a frozen record; throws on anything this server did not write. */
export function secondFactorFromJson(value: unknown): SecondFactorRecord {
  const parsed = secondFactorJsonSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
  const { confirmedAtMs, ...rest } = parsed;
  return Object.freeze({ ...rest, recoveryCodeHashes: Object.freeze(rest.recoveryCodeHashes), ...(confirmedAtMs === undefined ? {} : { confirmedAtMs }) });
}
