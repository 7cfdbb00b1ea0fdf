import { SeedError } from '@gatehouse/server/operator';

/**
 * Runs a seed-schema check of one entry built from command options and
 * returns its issues as one line (without the `users.0.` place a seed file
 * would need), or undefined when the entry is valid.
 */
export function seedIssues(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof SeedError)) throw error;
    return error.issues.map((issue) => issue.replace(/^(?:users|clients)\.0\.?/, '')).join('; ');
  }
}
