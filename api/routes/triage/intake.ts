// Starting triages with Temporal's dedupe: one workflow id per alert instance,
// USE_EXISTING so a running triage is reused, and REJECT_DUPLICATE first so a
// closed one is found; a closed one younger than the repeat window is not
// started again, an older one is (ALLOW_DUPLICATE). No dedupe table.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { alertWorkflowId, triageIdOf } from '../../../lib/core/triage/ids';
import type { TriageSettings } from '../../../lib/core/triage/settings';
import type { TriageAlert } from '../../../lib/core/triage/types';
import { triageResolvedSignal } from '../../../workflows/messages';
import type { TriageInput } from '../../../workflows/triage';
import { isWorkflowNotFound } from '../../temporal-errors';
import type { RecentAcks } from './recent-acks';

export type IntakeOutcome = 'started' | 'repeat' | 'resolved' | 'resolved-unknown';

export interface StartTriage {
  client: Client;
  taskQueue: string;
  settings: TriageSettings;
  repeatWindowMs: number;
  /** Answers Temporal gave lately for firing alerts; absent: always ask. */
  recentAcks?: RecentAcks;
}

const isAlreadyStarted = (error: unknown) => error instanceof WorkflowExecutionAlreadyStartedError || (error as Error)?.name === 'WorkflowExecutionAlreadyStartedError';

/** Starts the triage (or finds it running); resolves once Temporal has acknowledged. */
export async function startTriage(options: StartTriage, workflowId: string, input: Omit<TriageInput, 'settings'>): Promise<IntakeOutcome> {
  const start = (reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') =>
    options.client.workflow.start('triageWorkflow', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [{ ...input, settings: options.settings } satisfies TriageInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      staticSummary: `Triage of ${input.alert.labels.alertname ?? 'an alert'}${input.alert.labels.service ? ` on ${input.alert.labels.service}` : ''}`,
    });
  try {
    await start('REJECT_DUPLICATE');
    return 'started';
  } catch (error) {
    if (!isAlreadyStarted(error)) throw error;
  }
  // A closed run of this alert instance exists: a repeat within the window starts nothing.
  const description = await options.client.workflow.getHandle(workflowId).describe();
  const closedAt = description.closeTime?.getTime() ?? Date.now();
  if (Date.now() - closedAt < options.repeatWindowMs) return 'repeat';
  await start('ALLOW_DUPLICATE');
  return 'started';
}

export async function intakeAlert(options: StartTriage, alert: { status: 'firing' | 'resolved' } & Required<Pick<TriageAlert, 'labels' | 'annotations' | 'startsAt' | 'fingerprint'>> & TriageAlert): Promise<{ id: string; outcome: IntakeOutcome }> {
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
