import { describeConfigVariables, parseConfig, type Config, type ConfigVariableValue } from '@gatehouse/server/operator';
import { Command } from 'commander';
import type { CliContext } from '../cli-context.js';

/** Shown instead of a secret's value: that it is set, and how long it is, never what it is. */
const REDACTED = '<redacted>';

interface PrintedVariable {
  readonly name: string;
  readonly value: string | null;
  readonly source: 'env' | 'default' | 'derived' | 'unset';
}

/** `config print`: the configuration a server started with this environment would run on. */
export function configCommand(context: CliContext): Command {
  const config = new Command('config').description('Show the configuration a server started in this environment would use');
  config
    .command('print')
    .description('Print every variable’s effective value and where it came from (env, default, derived); secrets redacted')
    .option('--json', 'one JSON array instead of a table', false)
    .action((options: { json: boolean }) => {
      // Both throw ConfigError for an environment the server would refuse; main.ts prints its issues.
      const parsed = parseConfig(context.env);
      const rows = describeConfigVariables(context.env).map((variable) => printable(variable, context.env, parsed));
      if (options.json) {
        context.terminal.out(JSON.stringify(rows, null, 2));
        return;
      }
      const nameWidth = Math.max(...rows.map((row) => row.name.length));
      const valueWidth = Math.min(60, Math.max(...rows.map((row) => (row.value ?? '(unset)').length)));
      for (const row of rows) {
        context.terminal.out(`${row.name.padEnd(nameWidth)}  ${(row.value ?? '(unset)').padEnd(valueWidth)}  ${row.source}`);
      }
    });
  return config;
}

/** Variables with no default whose effective value the server works out from others (config.ts). */
const DERIVED: Readonly<Record<string, (config: Config) => string>> = {
  GATEHOUSE_ISSUER: (config) => config.issuer,
  GATEHOUSE_AUDIENCE: (config) => config.audience,
  GATEHOUSE_METRICS_PORT: (config) => (config.metrics === undefined ? 'off' : String(config.metrics.port)),
  GATEHOUSE_RATE_LIMIT_STORE: (config) => config.rateLimitStore.kind,
  GATEHOUSE_PASSWORD_WORKERS: (config) => String(config.passwordWorkers.threads),
};

function printable(variable: ConfigVariableValue, env: CliContext['env'], config: Config): PrintedVariable {
  const { name, source } = variable;
  if (source === 'unset') {
    const derive = DERIVED[name];
    return derive === undefined ? { name, value: null, source } : { name, value: derive(config), source: 'derived' };
  }
  if (variable.secret) return { name, value: REDACTED, source };
  const raw = env[name];
  // Paths are shown resolved (where the server will look); other values as the user wrote them.
  const value = source === 'env' && typeof variable.value !== 'string' && raw !== undefined ? raw : format(variable.value);
  return { name, value: name === 'REDIS_URL' ? redactUrlPassword(value) : value, source };
}

/** Back to the syntax the variable takes: lists comma-separated, budgets `points/seconds`. */
function format(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (value !== null && typeof value === 'object') {
    const parts = Object.values(value as Record<string, unknown>);
    if (parts.every((part) => typeof part === 'number')) return parts.join('/');
    return JSON.stringify(value);
  }
  return String(value);
}

/** redis://user:password@host keeps the user, never the password. */
function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, `$1:${REDACTED}@`);
}
