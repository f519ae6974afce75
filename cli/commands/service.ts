// `vigil service …` (the health loops), `vigil actions` (the audit trail) and
// `vigil apply` (re-read the service definitions), over the HTTP API.
import type { PauseAnswer, ResumeAnswer } from '../../api/schemas/common';
import type { ActionRecord, Remediation, ServiceDetail, ServiceHistory, ServiceSummary } from '../../api/schemas/services';
import type { ApplyReport } from '../../api/schemas/system';
import { iso, isoOf, limitOf, print, required, table, untilOf, type Subcommand } from '../operator';

/** A remediation may run an action for minutes; the API waits for its result. */
const REMEDIATE_TIMEOUT_MS = 10 * 60_000;

export const SERVICE: Record<string, Subcommand> = {
  list: {
    usage: 'service list',
    args: 0,
    async run(context) {
      const services = await context.api.get<ServiceSummary[]>('/services');
      // A defined service whose loop is not running says so (the supervisor starts it again).
      const loopOf = ({ loop, loopSince }: (typeof services)[number]) => (loop === 'running' || !loop ? 'running' : `${loop}${loopSince ? ` since ${isoOf(loopSince)}` : ''}`);
      const pausedOf = ({ paused }: (typeof services)[number]) =>
        paused ? `${paused.until ? `until ${isoOf(paused.until)}` : 'until resumed'}${paused.by ? ` by ${paused.by}` : ''}: ${paused.reason}` : '-';
      return print(context, services, () =>
        services.length
          ? table(
              ['NAME', 'STATUS', 'LOOP', 'REMEDIATION PAUSED'],
              services.map((service) => [service.name, service.status, loopOf(service), pausedOf(service)]),
            )
          : 'no services are being watched\n',
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
      const history = await context.api.get<ServiceHistory>(`${servicePath(context.args[0])}/history`, { query: { limit: limitOf(context.values) } });
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
      const answer = await context.api.post<PauseAnswer>(`${servicePath(name)}/pause`, { body: { reason, until } });
      return print(context, answer, () => `paused remediation of ${name} ${until ? `until ${until}` : 'until resumed'} (checks go on)\n`);
    },
  },
  resume: {
    usage: 'service resume NAME',
    args: 1,
    async run(context) {
      const [name] = context.args;
      const answer = await context.api.post<ResumeAnswer>(`${servicePath(name)}/resume`, { body: {} });
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
      const result = await context.api.post<Remediation>(`${servicePath(context.args[0])}/remediate`, {
        body: { reason, action },
        timeoutMs: REMEDIATE_TIMEOUT_MS,
      });
      print(context, result, () => `${result.step} ${result.status} at ${iso(result.at)} (decided by ${result.decidedBy})${result.detail ? `: ${result.detail}` : ''}\n`);
      // The step ran but did not succeed: a failure for scripts too.
      return result.status === 'succeeded' ? 0 : 1;
    },
  },
};

export const ACTIONS: Subcommand = {
  usage: 'actions [--service NAME] [--limit N]',
  options: { service: { type: 'string' }, limit: { type: 'string' } },
  args: 0,
  async run(context) {
    const actions = await context.api.get<ActionRecord[]>('/actions', { query: { service: context.values.service as string | undefined, limit: limitOf(context.values) } });
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

export const APPLY: Subcommand = {
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

const servicePath = (name: string) => `/services/${encodeURIComponent(name)}`;

// ---- human-readable output ----

/** What `vigil service show` prints (exported for its test). */
export function formatService(status: ServiceDetail): string {
  const { paused, remediation } = status;
  const pausedLine = paused ? `yes, ${paused.until ? `until ${iso(paused.until)}` : 'until resumed'}${paused.by ? ` by ${paused.by}` : ''}: ${paused.reason}` : 'no';
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
    // Only while PostgreSQL is away: probing goes on, storing waits.
    ...(status.storage ? [['storage', `degraded: storage unavailable since ${iso(status.storage.unavailableSince)} (${status.storage.unstoredRounds} rounds to store)`] as [string, string]] : []),
    ['next check', iso(status.nextCheckAt)],
    ['remediation', remediationLine.join('; ')],
    ['last action', last ? `${last.step} ${last.status} at ${iso(last.at)} by ${last.decidedBy}${last.detail ? `: ${last.detail}` : ''}` : '-'],
    ['workflow', status.temporalUiUrl ? `${status.workflowId}  ${status.temporalUiUrl}` : status.workflowId],
  ];
  const checks = status.checks.map((check) => [check.name, check.up ? 'up' : 'down', `${check.latencyMs} ms`, iso(check.at), check.detail]);
  return `${fields.map(([key, value]) => `${key.padEnd(12)}${value}\n`).join('')}\n${table(['CHECK', 'UP', 'LATENCY', 'AT', 'DETAIL'], checks)}`;
}

function formatHistory(history: ServiceHistory): string {
  const transitions = history.transitions.map((row) => [isoOf(row.at), row.from, row.to, row.reason ?? '']);
  const checks = history.checks.map((row) => [isoOf(row.at), row.check, row.up ? 'up' : 'down', `${row.latencyMs} ms`, String(row.attempts), row.detail]);
  return `Transitions\n${table(['AT', 'FROM', 'TO', 'REASON'], transitions)}\nChecks\n${table(['AT', 'CHECK', 'UP', 'LATENCY', 'ATTEMPTS', 'DETAIL'], checks)}`;
}
