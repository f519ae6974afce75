// `vigil drift …`: the drift loops over the HTTP API: list, show (state and the
// redacted diff), history, sync (exit 1 when refused or failed), pause, resume.
import type { PauseAnswer, ResumeAnswer } from '../../api/schemas/common';
import type { DriftAppDetail, DriftAppSummary, DriftHistory, DriftSync } from '../../api/schemas/drift';
import { fields, iso, isoOf, limitOf, print, required, table, untilOf, type Subcommand } from '../operator';

/** An apply may take minutes; the API waits for its result. */
const SYNC_TIMEOUT_MS = 10 * 60_000;

export const DRIFT: Record<string, Subcommand> = {
  list: {
    usage: 'drift list',
    args: 0,
    async run(context) {
      const apps = await context.api.get<DriftAppSummary[]>('/drift');
      return print(context, apps, () =>
        apps.length
          ? table(
              ['APP', 'MODE', 'STATUS', 'REVISION', 'LAST CHECK'],
              apps.map((row) => [row.app, row.mode ?? '-', row.loop && row.loop !== 'running' ? `${row.status} (loop ${row.loop})` : row.status, row.revision ?? '-', isoOf(row.lastCheck)]),
            )
          : 'no apps are being reconciled\n',
      );
    },
  },
  show: {
    usage: 'drift show APP',
    args: 1,
    async run(context) {
      const detail = await context.api.get<DriftAppDetail>(appPath(context.args[0]));
      return print(context, detail, () => formatApp(detail));
    },
  },
  history: {
    usage: 'drift history APP [--limit N]',
    options: { limit: { type: 'string' } },
    args: 1,
    async run(context) {
      const history = await context.api.get<DriftHistory>(`${appPath(context.args[0])}/history`, { query: { limit: limitOf(context.values) } });
      return print(context, history, () => {
        const syncs = history.syncs.map((row) => [isoOf(row.at), row.outcome, row.kind ?? '-', row.trigger, row.by, row.revision, (row.objects ?? []).join(', ') || row.detail]);
        const events = history.events.map((row) => [isoOf(row.at), row.status, row.revision ?? '-', String(row.fields), row.error ?? '']);
        return `Syncs\n${table(['AT', 'OUTCOME', 'KIND', 'TRIGGER', 'BY', 'REVISION', 'OBJECTS'], syncs)}\nChecks that changed the status\n${table(['AT', 'STATUS', 'REVISION', 'FIELDS', 'ERROR'], events)}`;
      });
    },
  },
  sync: {
    usage: 'drift sync APP [--force] [--dry-run]',
    options: { force: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    args: 1,
    async run(context) {
      const body = { ...(context.values.force ? { force: true } : {}), ...(context.values['dry-run'] ? { dryRun: true } : {}) };
      const result = await context.api.post<DriftSync>(`${appPath(context.args[0])}/sync`, { body, timeoutMs: SYNC_TIMEOUT_MS });
      print(context, result, () => {
        const objects = result.objects.length ? `: ${result.objects.join(', ')}` : '';
        return `${result.outcome} ${result.revision}${result.kind ? ` (${result.kind})` : ''}${objects}${result.detail ? `\n${result.detail}` : ''}\n`;
      });
      return result.outcome === 'failed' ? 1 : 0;
    },
  },
  pause: {
    usage: 'drift pause APP --reason TEXT [--until ISO|DURATION]',
    options: { reason: { type: 'string' }, until: { type: 'string' } },
    args: 1,
    async run(context) {
      const [app] = context.args;
      const reason = required(context.values, 'reason', 'drift pause');
      const until = context.values.until === undefined ? undefined : untilOf(String(context.values.until));
      const answer = await context.api.post<PauseAnswer>(`${appPath(app)}/pause`, { body: { reason, until } });
      return print(context, answer, () => `paused applying to ${app} ${until ? `until ${until}` : 'until resumed'} (checks go on)\n`);
    },
  },
  resume: {
    usage: 'drift resume APP',
    args: 1,
    async run(context) {
      const [app] = context.args;
      const answer = await context.api.post<ResumeAnswer>(`${appPath(app)}/resume`, { body: {} });
      return print(context, answer, () => `resumed applying to ${app}\n`);
    },
  },
};

const appPath = (app: string) => `/drift/${encodeURIComponent(app)}`;

/** What `vigil drift show` prints (exported for its test). */
export function formatApp(detail: DriftAppDetail): string {
  const { paused, selfHeal, lastSync, diff } = detail;
  const summary = fields([
    ['app', detail.app],
    ['mode', detail.mode],
    ['status', `${detail.status}${detail.since ? ` since ${iso(detail.since)}` : ''}`],
    ['revision', `${detail.revision ?? '-'}${detail.syncedRevision && detail.syncedRevision !== detail.revision ? ` (last in sync: ${detail.syncedRevision})` : ''}`],
    ['paused', paused ? `yes, ${paused.until ? `until ${iso(paused.until)}` : 'until resumed'}${paused.by ? ` by ${paused.by}` : ''}: ${paused.reason}` : 'no'],
    ['held', detail.held ?? '-'],
    // Only while PostgreSQL is away: checks go on, the history waits.
    ...(detail.storage ? [['storage', `degraded: storage unavailable since ${iso(detail.storage.unavailableSince)} (checks go on; history is recorded once it is back)`] as [string, string]] : []),
    ['self-heal', `${selfHeal.attempts} of ${selfHeal.maxAttempts} attempts${selfHeal.gaveUp ? `; gave up at ${iso(selfHeal.gaveUp.at)}: ${selfHeal.gaveUp.reason}` : ''}`],
    ['last check', detail.lastCheck ? `${iso(detail.lastCheck.at)}: ${detail.lastCheck.status}, ${detail.lastCheck.objects} objects, ${detail.lastCheck.fields} fields drifted` : '-'],
    ['next check', iso(detail.nextCheckAt)],
    ['last sync', lastSync ? `${lastSync.outcome} at ${iso(lastSync.at)} by ${lastSync.by}` : '-'],
    ['workflow', detail.temporalUiUrl ? `${detail.workflowId}  ${detail.temporalUiUrl}` : detail.workflowId],
  ]);
  const drifted = (diff?.drifted ?? []).flatMap((object) =>
    (object.changes?.length ? object.changes : [{ path: '', kind: object.error ? `${object.status}: ${object.error}` : object.status }]).map((change) => [
      object.target,
      change.path || '-',
      change.kind,
    ]),
  );
  return drifted.length ? `${summary}\n${table(['OBJECT', 'FIELD', 'CHANGE'], drifted)}` : `${summary}${diff?.error ? `\nerror: ${diff.error}\n` : ''}`;
}
