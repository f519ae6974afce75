// The Alertmanager webhook's intake: a triage started (lib/client/triage.ts) per
// firing alert instance, a signal to its triage per resolved one. Alerts that
// Alertmanager left out of a payload are counted, logged and noted on the
// triages the payload starts.
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../../lib/adapters/metrics';
import { startTriage, type StartOutcome, type TriageStarter } from '../../../lib/client/triage';
import type { AlertmanagerPayload } from '../../../lib/core/triage/alertmanager';
import { alertWorkflowId, triageIdOf } from '../../../lib/core/triage/ids';
import { truncationNote, withTruncationNote } from '../../../lib/core/triage/truncation';
import type { TriageAlert } from '../../../lib/core/triage/types';
import { triageResolvedSignal } from '../../../workflows/messages';
import { isWorkflowNotFound } from '../../temporal-errors';
import type { RecentAcks } from './recent-acks';

export type IntakeOutcome = StartOutcome | 'resolved' | 'resolved-unknown';

export interface StartTriage extends TriageStarter {
  /** Answers Temporal gave lately for firing alerts; absent: always ask. */
  recentAcks?: RecentAcks;
}

export async function intakeAlert(
  options: StartTriage,
  alert: { status: 'firing' | 'resolved' } & Required<Pick<TriageAlert, 'labels' | 'annotations' | 'startsAt' | 'fingerprint'>> & TriageAlert,
): Promise<{ id: string; outcome: IntakeOutcome }> {
  const workflowId = alertWorkflowId(alert.fingerprint, alert.startsAt);
  const id = triageIdOf(workflowId);
  if (alert.status === 'resolved') {
    try {
      await options.client.workflow.getHandle(workflowId).signal(triageResolvedSignal, { at: Date.now(), endsAt: alert.endsAt });
      return { id, outcome: 'resolved' };
    } catch (error) {
      // Never triaged, or already finished: nothing to tell.
      if (isWorkflowNotFound(error)) return { id, outcome: 'resolved-unknown' };
      throw error;
    }
  }
  const { status: _status, ...rest } = alert;
  const start = () => startTriage(options, workflowId, { alert: rest, source: 'alertmanager' });
  return { id, outcome: await (options.recentAcks ? options.recentAcks.answer(workflowId, start) : start()) };
}

/** Every alert of one webhook payload; resolves once Temporal has acknowledged each. */
export async function intakePayload(options: StartTriage, payload: AlertmanagerPayload, report: { log: FastifyBaseLogger; metrics: Metrics }): Promise<{ id: string; outcome: IntakeOutcome }[]> {
  const note = truncationNote(payload);
  if (note) {
    report.metrics.alertsTruncated.inc(payload.truncatedAlerts);
    report.log.warn(
      { truncatedAlerts: payload.truncatedAlerts, received: payload.alerts.length, groupKey: payload.groupKey },
      'Alertmanager left alerts out of the webhook payload (max_alerts); they are not triaged from it',
    );
  }
  return Promise.all(payload.alerts.map((alert) => intakeAlert(options, withTruncationNote(alert, note))));
}
