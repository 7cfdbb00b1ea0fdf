import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contracts } from './contracts.js';
import { listProcedures } from './define-procedure.js';

type JsonSchema = { type?: string | string[]; maxLength?: number; pattern?: string; format?: string; enum?: unknown[]; const?: unknown; [key: string]: unknown };

/** Every string schema inside a JSON Schema, with its path. */
function stringsOf(schema: unknown, path: string, found: Array<{ path: string; schema: JsonSchema }>): void {
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as JsonSchema;
  if (node.type === 'string') found.push({ path, schema: node });
  for (const [key, child] of Object.entries(node)) {
    if (Array.isArray(child)) child.forEach((item, index) => stringsOf(item, `${path}.${key}[${index}]`, found));
    else if (typeof child === 'object') stringsOf(child, `${path}.${key}`, found);
  }
}

/** A pattern bounds length when it is anchored and has no unbounded repetition. */
function boundedPattern(pattern: string | undefined): boolean {
  return pattern !== undefined && pattern.startsWith('^') && pattern.endsWith('$') && !/[+*]|\{\d+,\}/.test(pattern.replace(/\\./g, ''));
}

describe('free-text fields', () => {
  const procedures = listProcedures(contracts);
  it.each(procedures.map(({ path, contract }) => [path, contract.input] as const))('%s bounds the length of every string it accepts', (path, input) => {
    const found: Array<{ path: string; schema: JsonSchema }> = [];
    stringsOf(z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }), path, found);
    for (const { path: at, schema } of found) {
      const bounded =
        (schema.maxLength !== undefined && schema.maxLength <= 10_000) ||
        schema.enum !== undefined ||
        schema.const !== undefined ||
        schema.format === 'uuid' ||
        boundedPattern(schema.pattern);
      expect(bounded, `${at} accepts a string of any length`).toBe(true);
    }
  });
});
