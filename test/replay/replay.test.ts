// Every recorded history (test/replay/histories/<release>/*.json) must replay
// against the current workflow code without nondeterminism: a change that would
// break executions already running in production fails here first. The current
// release records one history at least for every workflow the worker registers;
// older releases' folders stay for as long as their executions may still run.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as workflows from '../../workflows';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { testEnvironment } from '../helpers/harness';
import { currentHistories, currentRelease, HISTORIES_ROOT } from './versions';

describe('replay of recorded histories', () => {
  const releases = readdirSync(HISTORIES_ROOT).sort();
  const files = releases
    .flatMap((release) =>
      readdirSync(join(HISTORIES_ROOT, release))
        .filter((file) => file.endsWith('.json'))
        .map((file) => join(release, file)),
    )
    .sort();

  it(`has a history of release ${currentRelease()} for every workflow the worker registers`, async () => {
    const dir = currentHistories();
    const names = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')) : [];
    const recorded = new Set(names.map((file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as History).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
    assert.deepEqual(
      Object.keys(workflows).filter((name) => !recorded.has(name)),
      [],
      'record one: RECORD_HISTORIES=1 npm test -- <its test file>, or test/replay/record-history.ts',
    );
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = JSON.parse(readFileSync(join(HISTORIES_ROOT, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: testEnvironment().workflowBundlePath }, replayName: file }, history);
    });
  }
});

interface History {
  events: { workflowExecutionStartedEventAttributes: { workflowType: { name: string } } }[];
}
