// What Temporal answered, lately, for an alert instance's start. Alertmanager
// sends a group's every alert again with each notification of the group, so
// most firing alerts in a storm are instances whose triage Temporal has already
// acknowledged; asking again gives the same answer. This remembers answers for a
// few minutes in one API process and joins identical starts in flight. It is no
// dedupe table: Temporal's workflow id decides, a failed start is forgotten at
// once, and losing this memory (a restart, another replica) only costs a call.
import type { IntakeOutcome } from './intake';

export class RecentAcks {
  private readonly answers = new Map<string, { at: number; outcome: Promise<IntakeOutcome> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `start()`'s answer, remembered; for an instance already answered (or being
   * answered) within the TTL, 'repeat' once that answer is in.
   */
  answer(workflowId: string, start: () => Promise<IntakeOutcome>): Promise<IntakeOutcome> {
    if (this.ttlMs <= 0) return start();
    const known = this.answers.get(workflowId);
    if (known && this.now() - known.at < this.ttlMs) return known.outcome.then(() => 'repeat');
    const outcome = start();
    this.answers.delete(workflowId); // re-inserted last: the map stays in age order
    this.answers.set(workflowId, { at: this.now(), outcome });
    outcome.catch(() => {
      if (this.answers.get(workflowId)?.outcome === outcome) this.answers.delete(workflowId);
    });
    while (this.answers.size > this.maxEntries) this.answers.delete(this.answers.keys().next().value!);
    return outcome;
  }

  get size(): number {
    return this.answers.size;
  }
}
