// Recording histories for the replay tests from a test run:
//   RECORD_HISTORIES=1 npm test -- test/workflows/health.test.ts
// writes test/replay/histories/<release>/<name>.json for each saveHistory() call.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { currentHistories } from '../replay/versions';

export async function saveHistory(handle: WorkflowHandle, name: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await (runId ? handle.client.getHandle(handle.workflowId, runId) : handle).fetchHistory();
  mkdirSync(currentHistories(), { recursive: true });
  const file = join(currentHistories(), `${name}.json`);
  writeFileSync(file, `${historyToJSON(temporal.api.history.v1.History.fromObject(history))}\n`);
}
