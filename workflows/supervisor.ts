// The supervisor (supervisor/<taskQueuePrefix>): every supervisor.intervalMs it
// asks a worker to make the running health and drift loops equal to the
// definitions that worker loaded (a loop missing, failed, timed out or
// terminated by hand is started again, with its carried state where its last
// run had one). Every restart is in its status query, the worker's log and
// vigil_loops_restarted_total. One per installation, started idempotently by
// `vigil up`, `vigil worker` and `vigil api`; lives forever, continuing as new.
import { allHandlersFinished, condition, continueAsNew, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { afterReconcile, afterReconcileError, newSupervisorState, type SupervisorState } from '../lib/core/supervisor';
import { SEARCH_ATTRIBUTES, superviseSignal, supervisorStatusQuery } from './messages';
import { supervision } from './proxies';

export interface SupervisorInput {
  carried?: SupervisorState;
  /** Continue as new after this many reconciles even if the server does not suggest it (tests use a small number). */
  maxReconcilesPerRun?: number;
}

// A reconcile with nothing to do costs about 11 events: 300 of them (5 hours at
// the default period) keep a run's history far below the server's suggestion.
const MAX_RECONCILES_PER_RUN = 300;

export async function supervisorWorkflow(input: SupervisorInput = {}): Promise<never> {
  let state = newSupervisorState(input.carried);
  let wake = false;
  let shown: string | undefined;
  setHandler(superviseSignal, () => {
    wake = true;
  });
  setHandler(supervisorStatusQuery, () => state);
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.kind, value: 'supervisor' }]);

  const { reconcileLoops } = supervision();
  const atStart = state.reconciles;
  for (;;) {
    wake = false;
    state = await reconcile(state);
    if (workflowInfo().continueAsNewSuggested || state.reconciles - atStart >= (input.maxReconcilesPerRun ?? MAX_RECONCILES_PER_RUN)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof supervisorWorkflow>({ ...input, carried: state });
    }
    await condition(() => wake, state.intervalMs);
  }

  /** One reconcile; its failure is shown and the next period tries again: the supervisor never ends. */
  async function reconcile(current: SupervisorState): Promise<SupervisorState> {
    try {
      const next = afterReconcile(current, await reconcileLoops());
      show(next.failing.length ? 'failing' : 'ok');
      return next;
    } catch (error) {
      show('error');
      const { cause, message } = error as Error;
      return afterReconcileError(current, Date.now(), cause instanceof Error ? cause.message : message);
    }
  }

  /** VigilStatus in the Temporal UI; upserted only when it changes (each upsert is a history event). */
  function show(status: string): void {
    if (status === shown) return;
    shown = status;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: status }]);
  }
}
