// `vigil triage …`: alert triage over the HTTP API: list, show (the report, the
// proposal and the tool calls), start a manual one, cancel, and a human's
// approve or reject of a proposed remediation (exit 1 when refused).
import type { Remediation } from '../../api/schemas/services';
import type { TriageCancelled, TriageDecision, TriageDetail, TriageStarted, TriageSummary } from '../../api/schemas/triage';
import { UsageError } from '../usage-error';
import { fields, isoOf, limitOf, print, table, type Subcommand, type Values } from '../operator';

/** An approved remediation runs now; the API waits for its result. */
const APPROVE_TIMEOUT_MS = 10 * 60_000;

export const TRIAGE: Record<string, Subcommand> = {
  list: {
    usage: 'triage list [--status S] [--alertname NAME] [--limit N]',
    options: { status: { type: 'string' }, alertname: { type: 'string' }, limit: { type: 'string' } },
    args: 0,
    async run(context) {
      const query = { status: context.values.status as string | undefined, alertname: context.values.alertname as string | undefined, limit: limitOf(context.values) };
      const triages = await context.api.get<TriageSummary[]>('/triage', { query });
      return print(context, triages, () =>
        triages.length
          ? table(
              ['STARTED', 'ID', 'ALERT', 'SERVICE', 'STATUS', 'SUMMARY'],
              triages.map((row) => [
                isoOf(row.startedAt),
                row.id,
                row.alertname || '-',
                row.service || '-',
                row.awaitingApproval ? `${row.status}, awaiting approval` : row.status,
                oneLine(row.summary ?? ''),
              ]),
            )
          : 'no triages\n',
      );
    },
  },
  show: {
    usage: 'triage show ID',
    args: 1,
    async run(context) {
      const triage = await context.api.get<TriageDetail>(triagePath(context.args[0]));
      return print(context, triage, () => formatTriage(triage));
    },
  },
  start: {
    usage: 'triage start --label KEY=VALUE... [--annotation KEY=VALUE...] [--question TEXT]',
    options: { label: { type: 'string', multiple: true }, annotation: { type: 'string', multiple: true }, question: { type: 'string' } },
    args: 0,
    async run(context) {
      const labels = pairsOf(context.values, 'label');
      if (!Object.keys(labels).length) throw new UsageError('triage start needs at least one --label KEY=VALUE (alertname=…, service=…)');
      const body = { labels, annotations: pairsOf(context.values, 'annotation'), ...(context.values.question ? { question: context.values.question } : {}) };
      const started = await context.api.post<TriageStarted>('/triage', { body });
      return print(context, started, () => `started triage ${started.id}${started.temporalUiUrl ? `  ${started.temporalUiUrl}` : ''}\n`);
    },
  },
  cancel: {
    usage: 'triage cancel ID [--reason TEXT]',
    options: { reason: { type: 'string' } },
    args: 1,
    async run(context) {
      const answer = await context.api.post<TriageCancelled>(`${triagePath(context.args[0])}/cancel`, { body: reasonOf(context.values) });
      return print(context, answer, () => `cancelling triage ${context.args[0]}\n`);
    },
  },
  approve: {
    usage: 'triage approve ID',
    args: 1,
    async run(context) {
      const result = await context.api.post<Remediation>(`${triagePath(context.args[0])}/approve`, { timeoutMs: APPROVE_TIMEOUT_MS });
      print(context, result, () => `approved: ${result.step} ${result.status} (decided by ${result.decidedBy})${result.detail ? `: ${result.detail}` : ''}\n`);
      return result.status === 'succeeded' ? 0 : 1;
    },
  },
  reject: {
    usage: 'triage reject ID [--reason TEXT]',
    options: { reason: { type: 'string' } },
    args: 1,
    async run(context) {
      const answer = await context.api.post<TriageDecision>(`${triagePath(context.args[0])}/reject`, { body: reasonOf(context.values) });
      return print(context, answer, () => `rejected the proposed remediation of triage ${context.args[0]}\n`);
    },
  },
};

// Ids are `<fingerprint>~<startsAt>` or `manual~<uuid>`; encoded all the same, as one path segment.
const triagePath = (id: string) => `/triage/${encodeURIComponent(id)}`;

const oneLine = (text: string, max = 100) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const reasonOf = (values: Values) => (typeof values.reason === 'string' && values.reason.trim() ? { reason: values.reason } : {});

/** `--label alertname=Down --label service=web` → {alertname: 'Down', service: 'web'}. */
function pairsOf(values: Values, option: string): Record<string, string> {
  const given = (values[option] as unknown as string[] | undefined) ?? [];
  return Object.fromEntries(
    given.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--${option} must be KEY=VALUE, not "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** A triage's token and tool use; its stored budget is empty ({}) until it finishes. */
export function budgetLine(budget: TriageDetail['budget']): string {
  if (budget?.turns === undefined) return '-';
  const { turns, toolCalls = 0, inputTokens = 0, cacheCreationTokens = 0, cacheReadTokens = 0, outputTokens = 0 } = budget;
  return `${turns} turns, ${toolCalls} tool calls, ${inputTokens + cacheCreationTokens + cacheReadTokens} input and ${outputTokens} output tokens`;
}

/** What a triage's model turns cost at the API's llm.prices; '-' from an API that does not say. */
export function costLine(cost: TriageDetail['cost'] | undefined): string {
  if (!cost) return '-';
  const { requests, inputTokens, cacheWriteTokens, cacheReadTokens, outputTokens, dollars, unpriced } = cost;
  const tokens = `${inputTokens} input, ${cacheWriteTokens} cache-write, ${cacheReadTokens} cache-read and ${outputTokens} output tokens`;
  const priced = unpriced.length ? `, not counting ${unpriced.join(', ')} (no price)` : '';
  // To a millionth of a dollar, without trailing zeros: a short triage costs a fraction of a cent.
  return `${requests} model request${requests === 1 ? '' : 's'}, ${tokens}, $${Number(dollars.toFixed(6))}${priced}`;
}

function formatTriage(triage: TriageDetail): string {
  const { report, approval } = triage;
  const summary = fields([
    ['triage', triage.id],
    ['alert', `${triage.alertname || '-'}${triage.service ? ` on ${triage.service}` : ''} (${triage.source})`],
    ['status', `${triage.status}${triage.awaitingApproval ? ', awaiting approval' : ''}`],
    ['started', isoOf(triage.startedAt)],
    ['finished', isoOf(triage.finishedAt)],
    ['resolved', isoOf(triage.resolvedAt)],
    ['budget', budgetLine(triage.budget)],
    ['cost', costLine(triage.cost)],
    ['workflow', triage.temporalUiUrl ? `${triage.workflowId}  ${triage.temporalUiUrl}` : triage.workflowId],
  ]);
  const sections = [summary];
  if (report) {
    sections.push(`Summary${report.offline ? ' (offline investigator)' : ''}\n  ${report.summary}\n`, `Root cause (confidence ${report.confidence})\n  ${report.rootCause}\n`);
    const toolOf = new Map(triage.toolCalls.map((call) => [call.toolUseId, call.name]));
    if (report.evidence.length)
      sections.push(`Evidence\n${report.evidence.map((item) => `  - ${item.claim}${item.toolUseId && toolOf.has(item.toolUseId) ? ` (from ${toolOf.get(item.toolUseId)})` : ''}\n`).join('')}`);
    if (report.nextSteps.length) sections.push(`Next steps\n${report.nextSteps.map((step, index) => `  ${index + 1}. ${step}\n`).join('')}`);
    if (report.remediation) {
      const { service, action, reason } = report.remediation;
      const fate = approval
        ? `${approval.kind}${approval.by ? ` by ${approval.by}` : ''}${approval.reason ? `: ${approval.reason}` : ''}`
        : triage.awaitingApproval
          ? `awaiting approval: vigil triage approve ${triage.id}`
          : 'not decided';
      sections.push(`Proposed remediation\n  ${action ?? 'the next ladder step'} on ${service}: ${reason}\n  ${fate}\n`);
    }
  } else sections.push(triage.status === 'running' ? 'The report is not written yet.\n' : 'No report.\n');
  if (triage.toolCalls.length)
    sections.push(
      `Tool calls\n${table(
        ['TOOL', 'STATUS', 'INPUT'],
        triage.toolCalls.map((call) => [call.name, call.status, oneLine(JSON.stringify(call.input))]),
      )}`,
    );
  return sections.join('\n');
}
