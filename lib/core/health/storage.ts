// What the health loop does when PostgreSQL is away: probing goes on, the
// results a round could not store wait in the loop's state (plain JSON, so
// continue-as-new carries them) and go in with the first round that stores
// again. The backlog is bounded: past its bound the oldest rounds are dropped
// and counted, so an outage of days cannot grow the state without limit.

/** What the workflow keeps of a probe: the full detail and output go to PostgreSQL. */
export interface CheckOutcome {
  name: string;
  up: boolean;
  latencyMs: number;
  attempts: number;
  detail: string;
}

/** A round whose results are not in PostgreSQL yet. */
export interface UnstoredRound {
  round: number;
  /** Workflow time of the round, epoch ms: the results' stored time. */
  at: number;
  results: CheckOutcome[];
}

/** The loop's view of its storage; absent while PostgreSQL answers. */
export interface StorageState {
  /** Epoch ms of the first write or read that failed in this outage. */
  unavailableSince: number;
  unstored: UnstoredRound[];
  /** Rounds dropped from the backlog because it was full. */
  dropped?: number;
}

/** An hour of rounds every 10 s. Each is a few hundred bytes, so the bound keeps the carried state near 100 KB. */
export const MAX_UNSTORED_ROUNDS = 360;
/** The backlog keeps a short detail: the stored row of an outage round says what the probe saw, not its output. */
export const UNSTORED_DETAIL_CHARS = 120;

/** Notes a failed write or read at `at`; with `round`, that round's results wait in the backlog. */
export function storageFailed(storage: StorageState | undefined, at: number, round?: UnstoredRound): StorageState {
  const next: StorageState = { unavailableSince: storage?.unavailableSince ?? at, unstored: [...(storage?.unstored ?? [])], ...(storage?.dropped ? { dropped: storage.dropped } : {}) };
  if (round) next.unstored.push({ ...round, results: round.results.map((result) => ({ ...result, detail: result.detail.slice(0, UNSTORED_DETAIL_CHARS) })) });
  const excess = next.unstored.length - MAX_UNSTORED_ROUNDS;
  if (excess > 0) {
    next.unstored.splice(0, excess);
    next.dropped = (next.dropped ?? 0) + excess;
  }
  return next;
}

/**
 * After a write succeeded: the backlog still to flush, or undefined when there is none.
 * Storage counts as available again once the backlog is in (the view says so until then).
 */
export function storageRecovered(storage: StorageState | undefined): StorageState | undefined {
  return storage?.unstored.length ? storage : undefined;
}

/** What the status view shows while storage is away. */
export function storageView(storage: StorageState | undefined): { unavailableSince: number; unstoredRounds: number; droppedRounds?: number } | undefined {
  if (!storage) return undefined;
  return { unavailableSince: storage.unavailableSince, unstoredRounds: storage.unstored.length, ...(storage.dropped ? { droppedRounds: storage.dropped } : {}) };
}
