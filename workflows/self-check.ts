// The smallest real loop: a workflow that asks a worker to write to PostgreSQL.
// `vigil selfcheck` and POST /api/v1/selfcheck use it to prove that the API,
// Temporal, a worker and the database all work together.
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from './messages';
import { selfCheck } from './proxies';

export interface SelfCheckInput {
  requestedBy: string;
  note?: string;
}

export interface SelfCheckResult {
  workflowId: string;
  worker: string;
  databaseTime: string;
  attempts: number;
}

export async function selfCheckWorkflow(input: SelfCheckInput): Promise<SelfCheckResult> {
  const info = workflowInfo();
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'selfcheck' },
    { key: SEARCH_ATTRIBUTES.status, value: 'running' },
  ]);
  const recorded = await selfCheck().recordSelfCheck({ workflowId: info.workflowId, requestedBy: input.requestedBy, note: input.note ?? '' });
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: 'ok' }]);
  return { workflowId: info.workflowId, ...recorded };
}
