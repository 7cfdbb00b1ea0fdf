import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { DEMO_SEED } from './demo-seed.js';
import { seedSchema, type Seed } from './seed-schema.js';

export class SeedError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid seed:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'SeedError';
  }
}

export interface LoadedSeed {
  readonly seed: Seed;
  /** True only for the built-in demo seed, whose credentials may be printed. */
  readonly isDemo: boolean;
}

/** Parses a seed the way config is parsed: every issue names its place in the file. */
export function parseSeed(raw: unknown): Seed {
  const result = seedSchema.safeParse(raw);
  if (!result.success) {
    throw new SeedError(describeIssues(result.error.issues, []));
  }
  return result.data;
}

/**
 * One line per issue, naming its field. A user or client is a union (password
 * or passwordHash, secret or secretHash) and zod reports a union that no
 * branch matched as one "Invalid input" on the whole entry; the branch
 * with the fewest issues is the one the author meant, so its issues are named.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]): string[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      if (closest.length > 0) return describeIssues(closest, path);
    }
    return [`${path.map(String).join('.') || '(root)'}: ${issue.message}`];
  });
}

/** The seed file, the demo seed in development, or nothing (test and production without a file). */
export async function loadSeed(config: Config): Promise<LoadedSeed | undefined> {
  if (config.seedFile !== undefined) {
    let text: string;
    try {
      text = await readFile(config.seedFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new SeedError([`GATEHOUSE_SEED_FILE: cannot read ${config.seedFile} (${code})`]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      // JSON.parse quotes the text around the error, and a seed holds passwords: say only where.
      throw new SeedError([`GATEHOUSE_SEED_FILE: ${config.seedFile} is not valid JSON`]);
    }
    return { seed: parseSeed(raw), isDemo: false };
  }
  if (config.env === 'development') return { seed: parseSeed(DEMO_SEED), isDemo: true };
  return undefined;
}
