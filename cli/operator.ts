// The operator commands' frame: `vigil <group> <command> …` (service, drift,
// triage) and single-word commands (actions, apply, agent) talk to a running
// API over HTTP. Human-readable output by default (times as ISO), `--json`
// prints the API's answer as is. Exit codes: 0 ok, 1 the API said no (or could
// not be reached), 2 usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toMs } from '../lib/core/duration';
import { createApiClient, resolveApiTarget, type ApiClient } from './api-client';
import { UsageError } from './usage-error';
import { announcedApi } from './api-announce';

const COMMON = {
  api: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type Values = Record<string, string | boolean | undefined>;

export interface Context {
  api: ApiClient;
  values: Values;
  /** Positionals after the command words. */
  args: string[];
  out: (text: string) => void;
}

export interface Subcommand {
  usage: string;
  options?: ParseArgsConfig['options'];
  /** How many positionals it takes. */
  args: number;
  run(context: Context): Promise<number>;
}

/** A group's commands by name (`service list`), or a single-word command (`actions`). */
export type OperatorCommand = Record<string, Subcommand> | Subcommand;

const isSingle = (command: OperatorCommand): command is Subcommand => typeof (command as Subcommand).run === 'function';

export function print(context: Context, body: unknown, human: () => string): number {
  context.out(context.values.json ? `${JSON.stringify(body, null, 2)}\n` : human());
  return 0;
}

export function operatorUsage(commands: Record<string, OperatorCommand>): string[] {
  return Object.values(commands).flatMap((command) => (isSingle(command) ? [command.usage] : Object.values(command).map((sub) => sub.usage)));
}

/** `argv` as given to `vigil`; the command words are its first positionals. */
export async function runOperatorCommand(commands: Record<string, OperatorCommand>, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [word, sub] = leadingPositionals(commands, argv);
  const command = commands[word ?? ''];
  const found = command && (isSingle(command) ? command : command[sub ?? '']);
  if (!found) {
    const usage = `Usage:\n${operatorUsage(commands)
      .map((line) => `  vigil ${line}\n`)
      .join('')}`;
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(usage);
      return 0;
    }
    throw new UsageError(`unknown command "${[word, sub].filter(Boolean).join(' ')}"\n${usage}`);
  }
  const commandWords = isSingle(command) ? 1 : 2;
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, ...found.options } });
  if (values.help) {
    process.stdout.write(`Usage: vigil ${found.usage} [--api URL] [--json]\n`);
    return 0;
  }
  const args = positionals.slice(commandWords);
  if (args.length !== found.args) throw new UsageError(`usage: vigil ${found.usage}`);
  // Loaded only when the env does not give both URL and token (the schema builder is most of a command's start-up; see cli/main.ts on `require`).
  const load = async () => (require('../lib/adapters/config/load') as typeof import('../lib/adapters/config/load')).loadConfig({ dir: values.config as string | undefined, env, settingsOnly: true });
  const announced = () => (values.config ? undefined : announcedApi(env));
  const target = await resolveApiTarget({ api: values.api as string | undefined, env, load, announced });
  return found.run({ api: createApiClient(target), values, args, out: (text) => process.stdout.write(text) });
}

/** The positionals, skipping options and their values, so `--config DIR service list` finds `service list`. */
export function leadingPositionals(commands: Record<string, OperatorCommand>, argv: string[]): string[] {
  const every = Object.values(commands).flatMap((command) => (isSingle(command) ? [command] : Object.values(command)));
  const options = Object.assign({}, COMMON, ...every.map((command) => command.options)) as ParseArgsConfig['options'];
  const { tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options });
  return tokens.filter((token) => token.kind === 'positional').map((token) => token.value);
}

export function required(values: Values, option: string, command: string): string {
  const value = values[option];
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${command} needs --${option} TEXT`);
  return value;
}

export function limitOf(values: Values): number | undefined {
  if (values.limit === undefined) return undefined;
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not "${String(values.limit)}"`);
  return limit;
}

/** `--until 30m` (from now) or an ISO time → ISO. */
export function untilOf(value: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) return new Date(now + toMs(value)).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--until must be an ISO time (2025-01-31T18:00:00Z) or a duration (30m, 2h), not "${value}"`);
  return new Date(at).toISOString();
}

export const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
/** PostgreSQL's `2025-01-31T18:00:00.123456+00:00` → `2025-01-31T18:00:00.123Z`. */
export const isoOf = (text: string | null | undefined) => (!text ? '-' : Number.isNaN(Date.parse(text)) ? text : new Date(text).toISOString());

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  return [header, ...rows]
    .map(
      (row) =>
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

/** `key   value` lines, keys padded to one column. */
export function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 2;
  return pairs.map(([key, value]) => `${key.padEnd(width)}${value}\n`).join('');
}
