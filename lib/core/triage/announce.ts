// What a triage tells the notifiers: its report once written, and a follow-up
// when the alert resolves after that. Pure, so the workflow and tests share it.
import type { HealthEvent } from '../notify/types';
import { executionUrl } from '../ui-links';
import type { TriageSettings } from './settings';
import type { TriageAlert, TriageReport, TriageStatus } from './types';

export interface TriageLinks {
  vigil?: string;
  temporal?: string;
}

export function triageLinks(settings: TriageSettings, triageId: string, workflowId: string): TriageLinks {
  // The dashboard opens the triage named in its fragment (after sign-in).
  const vigil = settings.publicUrl ? `${settings.publicUrl.replace(/\/$/, '')}/#triage=${encodeURIComponent(triageId)}` : undefined;
  return { vigil, temporal: executionUrl(settings.temporalUiUrl, settings.namespace, workflowId) };
}

/** "payments (latency): …" when the report names the service and the kind. */
const rootCauseLine = (report: TriageReport) => (report.rootCauseService ? `${report.rootCauseService}${report.causeKind ? ` (${report.causeKind})` : ''}: ${report.rootCause}` : report.rootCause);

const subjectOf = (alert: TriageAlert) => alert.labels.service ?? alert.labels.alertname ?? 'alert';

export function reportEvent(alert: TriageAlert, report: TriageReport, outcome: TriageStatus, links: TriageLinks, at: number): HealthEvent {
  const { labels } = alert;
  const details = [
    `Alert: ${labels.alertname ?? '(manual)'}${alert.startsAt ? ` since ${alert.startsAt}` : ''}`,
    `Root cause: ${rootCauseLine(report)}`,
    `Confidence: ${report.confidence}${report.offline ? ' (offline investigator)' : ''}${report.partial ? ` (partial: ${report.limitedBy ?? ''})` : ''}${report.unstructured ? ' (the model answered in prose, without a report)' : ''}`,
    ...report.evidence.map((item) => `Evidence: ${item.claim}${item.toolUseId ? ` [${item.toolUseId}]` : ''}`),
    ...report.nextSteps.map((step) => `Next: ${step}`),
    ...(report.remediation ? [`Proposed: ${report.remediation.action ?? 'remediate'} ${report.remediation.service} (${report.remediation.reason}); needs approval`] : []),
  ];
  const summary = `${outcome === 'refused' ? '(refused) ' : ''}${report.summary}`;
  return { kind: 'triaged', service: subjectOf(alert), status: outcome, at, summary, details, links };
}

/** The follow-up when the alert resolves after the report went out. */
export function resolvedEvent(alert: TriageAlert, report: TriageReport, resolvedAt: number, links: TriageLinks): HealthEvent {
  const firedAt = alert.startsAt ? Date.parse(alert.startsAt) : Number.NaN;
  const lasted = Number.isFinite(firedAt) && resolvedAt > firedAt ? ` after ${spoken(resolvedAt - firedAt)}` : '';
  const details = [
    `Alert: ${alert.labels.alertname ?? '(manual)'}${alert.startsAt ? ` since ${alert.startsAt}` : ''}`,
    `Resolved: ${new Date(resolvedAt).toISOString()}`,
    `Triage said: ${report.summary}`,
    `Root cause: ${rootCauseLine(report)}`,
  ];
  return { kind: 'triage-resolved', service: subjectOf(alert), status: 'resolved', at: resolvedAt, summary: `${alert.labels.alertname ?? 'The alert'} resolved${lasted}.`, details, links };
}

/** 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function spoken(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}
