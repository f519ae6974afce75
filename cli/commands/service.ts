// Operator commands over the HTTP API: `vigil service …`, `vigil actions`,
// `vigil apply`. Human-readable output by default (times as ISO), `--json`
// prints the API's answer as is. Exit codes: 0 ok, 1 the API said no (or could
// not be reached), 2 usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toMs } from '../../lib/config/duration';
import { loadConfig } from '../../lib/config/load';
import type { HealthStatusView, RemediationView } from '../../workflows/messages';
import { createApiClient, resolveApiTarget, type ApiClient } from '../api-client';

import { UsageError } from '../usage-error';
import { AGENT } from './agent';

export { UsageError };

/** A remediation may run an action for minutes; the API waits for its result. */
const REMEDIATE_TIMEOUT_MS = 10 * 60_000;

const COMMON = {
  api: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = Record<string, string | boolean | undefined>;

interface Context {
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

const print = (context: Context, body: unknown, human: () => string): number => {
  context.out(context.values.json ? `${JSON.stringify(body, null, 2)}\n` : human());
  return 0;
};

const SERVICE: Record<string, Subcommand> = {
  list: {
    usage: 'service list',
    args: 0,
    async run(context) {
      const services = await context.api.get<{ name: string; status: string }[]>('/services');
      return print(context, services, () =>
        services.length ? table(['NAME', 'STATUS'], services.map((service) => [service.name, service.status])) : 'no services are being watched\n',
      );
    },
  },
  show: {
    usage: 'service show NAME',
    args: 1,
    async run(context) {
      const status = await context.api.get<ServiceDetail>(servicePath(context.args[0]));
      return print(context, status, () => formatService(status));
    },
  },
  history: {
    usage: 'service history NAME [--limit N]',
    options: { limit: { type: 'string' } },
    args: 1,
    async run(context) {
      const history = await context.api.get<History>(`${servicePath(context.args[0])}/history`, { query: { limit: limitOf(context.values) } });
      return print(context, history, () => formatHistory(history));
    },
  },
  pause: {
    usage: 'service pause NAME --reason TEXT [--until ISO|DURATION]',
    options: { reason: { type: 'string' }, until: { type: 'string' } },
    args: 1,
    async run(context) {
      const [name] = context.args;
      const reason = required(context.values, 'reason', 'service pause');
      const until = context.values.until === undefined ? undefined : untilOf(String(context.values.until));
      const answer = await context.api.post<{ paused: boolean; until?: string }>(`${servicePath(name)}/pause`, { body: { reason, until } });
      return print(context, answer, () => `paused remediation of ${name} ${until ? `until ${until}` : 'until resumed'} (checks go on)\n`);
    },
  },
  resume: {
    usage: 'service resume NAME',
    args: 1,
    async run(context) {
      const [name] = context.args;
      const answer = await context.api.post<{ paused: boolean }>(`${servicePath(name)}/resume`, { body: {} });
      return print(context, answer, () => `resumed remediation of ${name}\n`);
    },
  },
  remediate: {
    usage: 'service remediate NAME --reason TEXT [--action STEP]',
    options: { reason: { type: 'string' }, action: { type: 'string' } },
    args: 1,
    async run(context) {
      const reason = required(context.values, 'reason', 'service remediate');
      const action = context.values.action as string | undefined;
      const result = await context.api.post<RemediationView>(`${servicePath(context.args[0])}/remediate`, {
        body: { reason, action },
        timeoutMs: REMEDIATE_TIMEOUT_MS,
      });
      print(context, result, () => `${result.step} ${result.status} at ${iso(result.at)} (decided by ${result.decidedBy})${result.detail ? `: ${result.detail}` : ''}\n`);
      // The step ran but did not succeed: a failure for scripts too.
      return result.status === 'succeeded' ? 0 : 1;
    },
  },
};

const ACTIONS: Subcommand = {
  usage: 'actions [--service NAME] [--limit N]',
  options: { service: { type: 'string' }, limit: { type: 'string' } },
  args: 0,
  async run(context) {
    const actions = await context.api.get<ActionRow[]>('/actions', { query: { service: context.values.service as string | undefined, limit: limitOf(context.values) } });
    return print(context, actions, () =>
      actions.length
        ? table(
            ['STARTED', 'SERVICE', 'STEP', 'STATUS', 'BY', 'TOOK', 'REASON'],
            actions.map((row) => [isoOf(row.startedAt), row.service, row.step, row.status, row.decidedBy, row.durationMs === null ? '-' : `${Math.round(row.durationMs)} ms`, row.reason]),
          )
        : 'no remediation actions\n',
    );
  },
};

const APPLY: Subcommand = {
  usage: 'apply',
  args: 0,
  async run(context) {
    const report = await context.api.post<ApplyReport>('/config/apply');
    const lines = (['started', 'reconfigured', 'unchanged', 'stopped'] as const).map((key) => `${`${key}:`.padEnd(14)}${report[key].join(', ') || '-'}\n`);
    print(context, report, () => lines.join('') + report.rejected.map((problem) => `rejected:     ${problem}\n`).join(''));
    // The other definitions were applied; a rejected one still needs fixing.
    return report.rejected.length ? 1 : 0;
  },
};

export const API_USAGE = [
  ...Object.values(SERVICE).map((command) => command.usage),
  ACTIONS.usage,
  APPLY.usage,
  AGENT.usage,
];

/** `argv` as given to `vigil`; the command words are its first positionals. */
export async function apiCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, sub] = leadingPositionals(argv);
  const found = command === 'service' ? SERVICE[sub ?? ''] : command === 'actions' ? ACTIONS : command === 'apply' ? APPLY : command === 'agent' ? AGENT : undefined;
  if (!found) {
    const usage = `Usage:\n${API_USAGE.map((line) => `  vigil ${line}\n`).join('')}`;
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(usage);
      return 0;
    }
    throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"\n${usage}`);
  }
  const commandWords = command === 'service' ? 2 : 1;
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, ...found.options } });
  if (values.help) {
    process.stdout.write(`Usage: vigil ${found.usage} [--api URL] [--json]\n`);
    return 0;
  }
  const args = positionals.slice(commandWords);
  if (args.length !== found.args) throw new UsageError(`usage: vigil ${found.usage}`);
  const target = resolveApiTarget({ api: values.api as string | undefined, env, load: () => loadConfig({ dir: values.config as string | undefined, env }) });
  return found.run({ api: createApiClient(target), values, args, out: (text) => process.stdout.write(text) });
}

/** Is this one of the commands above? (`vigil --config DIR service list` is.) */
export function isApiCommand(argv: string[]): boolean {
  return API_COMMAND_WORDS.has(leadingPositionals(argv)[0]);
}

const API_COMMAND_WORDS = new Set(['service', 'actions', 'apply', 'agent']);

/** The positionals, skipping options and their values, so `--config DIR service list` finds `service list`. */
function leadingPositionals(argv: string[]): string[] {
  const options = Object.assign({}, COMMON, ACTIONS.options, AGENT.options, ...Object.values(SERVICE).map((command) => command.options)) as ParseArgsConfig['options'];
  const { tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options });
  return tokens.filter((token) => token.kind === 'positional').map((token) => token.value);
}

const servicePath = (name: string) => `/services/${encodeURIComponent(name)}`;

function required(values: Values, option: string, command: string): string {
  const value = values[option];
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${command} needs --${option} TEXT`);
  return value;
}

function limitOf(values: Values): number | undefined {
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

// ---- human-readable output ----

type ServiceDetail = HealthStatusView & { workflowId: string; temporalUiUrl?: string };
interface History {
  transitions: { round: number; from: string; to: string; at: string; reason: string | null }[];
  checks: { round: number; check: string; at: string; up: boolean; latencyMs: number; attempts: number; detail: string }[];
}
interface ActionRow {
  service: string;
  step: string;
  status: string;
  decidedBy: string;
  reason: string;
  startedAt: string;
  durationMs: number | null;
}
interface ApplyReport {
  started: string[];
  reconfigured: string[];
  unchanged: string[];
  stopped: string[];
  rejected: string[];
}

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
/** PostgreSQL's `2025-01-31T18:00:00.123456+00:00` → `2025-01-31T18:00:00.123Z`. */
const isoOf = (text: string) => (Number.isNaN(Date.parse(text)) ? text : new Date(text).toISOString());

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd() + '\n').join('');
}

function formatService(status: ServiceDetail): string {
  const { paused, remediation } = status;
  const pausedLine = paused
    ? `yes, ${paused.until ? `until ${iso(paused.until)}` : 'until resumed'}${paused.by ? ` by ${paused.by}` : ''}: ${paused.reason}`
    : 'no';
  const remediationLine = [
    remediation.nextStep ? `next step ${remediation.nextStep}` : 'no next step',
    `${remediation.actionsInWindow} of ${remediation.maxActions} actions used in the window`,
    remediation.suppressed && `suppressed: ${remediation.suppressed}`,
    remediation.waiting && `waiting until ${iso(remediation.waiting.until)}: ${remediation.waiting.reason}`,
    remediation.gaveUp && `gave up at ${iso(remediation.gaveUp.at)}: ${remediation.gaveUp.reason}${remediation.gaveUp.triageId ? ` (triage ${remediation.gaveUp.triageId})` : ''}`,
  ].filter(Boolean);
  const last = remediation.last;
  const fields: [string, string][] = [
    ['service', status.service],
    ['status', `${status.status}${status.since ? ` since ${iso(status.since)}` : ''} (round ${status.round})`],
    ['paused', pausedLine],
    ['next check', iso(status.nextCheckAt)],
    ['remediation', remediationLine.join('; ')],
    ['last action', last ? `${last.step} ${last.status} at ${iso(last.at)} by ${last.decidedBy}${last.detail ? `: ${last.detail}` : ''}` : '-'],
    ['workflow', status.temporalUiUrl ? `${status.workflowId}  ${status.temporalUiUrl}` : status.workflowId],
  ];
  const checks = status.checks.map((check) => [check.name, check.up ? 'up' : 'down', `${check.latencyMs} ms`, iso(check.at), check.detail]);
  return `${fields.map(([key, value]) => `${key.padEnd(12)}${value}\n`).join('')}\n${table(['CHECK', 'UP', 'LATENCY', 'AT', 'DETAIL'], checks)}`;
}

function formatHistory(history: History): string {
  const transitions = history.transitions.map((row) => [isoOf(row.at), row.from, row.to, row.reason ?? '']);
  const checks = history.checks.map((row) => [isoOf(row.at), row.check, row.up ? 'up' : 'down', `${row.latencyMs} ms`, String(row.attempts), row.detail]);
  return `Transitions\n${table(['AT', 'FROM', 'TO', 'REASON'], transitions)}\nChecks\n${table(['AT', 'CHECK', 'UP', 'LATENCY', 'ATTEMPTS', 'DETAIL'], checks)}`;
}
