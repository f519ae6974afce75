// The drift reconcile loop (drift/<app>): every interval (plus jitter) compare
// the desired state with the live state; in detect mode record and notify, in
// self-heal mode apply within the sync windows, backing off and giving up on a
// target that keeps drifting back (contested). Lives forever, continuing as new
// with everything that must survive. Handlers only change state, or run a sync
// through the same lock the loop uses, so a check and a sync never overlap.
// The decisions are pure (lib/core/drift/loop.ts); the steps that do the I/O
// around them are in drift-steps.ts.
import { allHandlersFinished, condition, continueAsNew, log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { NEW_EPISODE } from '../lib/core/drift/heal';
import { pauseOver } from '../lib/core/health/views';
import { newDriftState, shownStatus, statusView, syncRejection, type DriftCarried } from '../lib/core/drift/loop';
import type { DriftSpec } from '../lib/core/drift/spec';
import { driftSteps, publishStatus, type DriftRun } from './drift-steps';
import { driftConfigureUpdate, driftStatusQuery, driftSyncUpdate, pauseSignal, resumeSignal, SEARCH_ATTRIBUTES } from './messages';
import { backlogStorage } from './proxies';
import { showSpecDigest } from './spec-memo';

export interface DriftInput {
  spec: DriftSpec;
  carried?: DriftCarried;
  /** Continue as new after this many checks even if the server does not suggest it (tests use a small number). */
  maxChecksPerRun?: number;
}

const MAX_CHECKS_PER_RUN = 200;
/** As for health loops: a small history replays in well under a second after a worker restart. */
const MAX_HISTORY_EVENTS = 1_000;
const MAX_HISTORY_BYTES = 512 * 1024;

export async function driftWorkflow(input: DriftInput): Promise<never> {
  const run: DriftRun = { spec: input.spec, state: newDriftState(input.carried), hold: {}, wake: false, busy: false };
  const { state } = run;
  const steps = driftSteps(run);
  const { pruneDriftHistory } = backlogStorage();

  setHandler(pauseSignal, (pause) => {
    state.paused = pause;
    publishStatus('paused');
    run.wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = undefined;
    state.episode = NEW_EPISODE;
    publishStatus(state.status);
    run.wake = true;
  });
  setHandler(
    driftConfigureUpdate,
    (next) => {
      const changed = JSON.stringify(next) !== JSON.stringify(run.spec);
      if (changed) {
        run.spec = next;
        state.nextCheckAt = undefined;
        run.wake = true;
      }
      showSpecDigest(next);
      return { changed };
    },
    {
      validator: (next) => {
        if (next.app !== run.spec.app) throw new Error(`this workflow reconciles "${run.spec.app}", not "${next.app}"`);
      },
    },
  );
  setHandler(driftSyncUpdate, async (request) => steps.exclusive(() => steps.manualSync(request)), {
    validator: ({ dryRun }) => {
      const rejection = syncRejection(run.spec.app, state.paused, Boolean(dryRun));
      if (rejection) throw new Error(rejection);
    },
  });
  setHandler(driftStatusQuery, () => statusView(run.spec, state, run.hold));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'drift' },
    { key: SEARCH_ATTRIBUTES.app, value: run.spec.app },
    { key: SEARCH_ATTRIBUTES.status, value: shownStatus(state) },
  ]);

  const checksAtStart = state.checks;
  for (;;) {
    resumeIfPauseEnded();
    // A round: read desired and live, diff and record; set the status and notify; decide (hold or heal); apply.
    if ((state.nextCheckAt ?? 0) <= Date.now()) await steps.exclusive(steps.round);
    const info = workflowInfo();
    const long = info.continueAsNewSuggested || info.historyLength >= MAX_HISTORY_EVENTS || info.historySize >= MAX_HISTORY_BYTES;
    if (long || state.checks - checksAtStart >= (input.maxChecksPerRun ?? MAX_CHECKS_PER_RUN)) await continueWithState();
    await waitForNextCheck();
  }

  async function continueWithState(): Promise<never> {
    await condition(allHandlersFinished);
    // Once a run: the stored history of this app is kept bounded; while PostgreSQL is away, by the next run.
    await pruneDriftHistory({ app: run.spec.app }).catch((error: unknown) => log.warn('drift history not pruned', { app: run.spec.app, error: String(error) }));
    return continueAsNew<typeof driftWorkflow>({ ...input, spec: run.spec, carried: state });
  }

  function resumeIfPauseEnded(): void {
    if (!pauseOver(state.paused, Date.now())) return;
    state.paused = undefined;
    publishStatus(state.status);
  }

  /** Until the next check or the end of a self-heal backoff, or until a handler wakes the loop. */
  async function waitForNextCheck(): Promise<void> {
    run.wake = false;
    const nextAt = Math.min(state.nextCheckAt ?? Date.now(), run.hold.waitingUntil ?? Number.POSITIVE_INFINITY);
    await condition(() => run.wake, Math.max(1, nextAt - Date.now()));
    // A backoff that ended makes a check due now.
    const { waitingUntil } = run.hold;
    if (waitingUntil !== undefined && waitingUntil <= Date.now()) state.nextCheckAt = Math.min(state.nextCheckAt ?? 0, Date.now());
  }
}
