import { ConfigError, parseConfig } from '../src/config.js';

/** The issues parseConfig refuses an environment with, word for word as the user sees them; none when it accepts it. */
export function configIssues(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}
