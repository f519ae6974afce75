// One overview poller per API process, shared by every open event stream: it
// runs only while somebody listens, rebuilds the overview every `pollMs` (or
// less often when a rebuild is slow, see BUSY_SHARE), and tells the listeners
// only when something other than the timestamp changed.
// Polling, because the sources (Temporal's visibility and PostgreSQL) cannot
// push; sharing it keeps the cost flat however many dashboards are open.
import type { Logger } from '../../../lib/adapters/log';
import type { Overview } from '../../schemas/overview';

export type OverviewListener = (overview: Overview) => void;

/**
 * The most of its time the process spends rebuilding: after a rebuild that took
 * t, the next waits at least t × (1 / BUSY_SHARE − 1). A large fleet (about 0.6 s
 * a rebuild at 1,000 services, docs/PERFORMANCE.md) is then refreshed less often
 * instead of taking the API's time.
 */
const BUSY_SHARE = 0.2;

export class OverviewFeed {
  private readonly listeners = new Set<OverviewListener>();
  private latest: { overview: Overview; key: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped at every start and stop, so a poll left over from an earlier run stops itself. */
  private generation = 0;

  constructor(
    private readonly build: () => Promise<Overview>,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with the current overview as soon as it is known, then on every change. */
  subscribe(listener: OverviewListener): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest.overview);
    if (this.listeners.size === 1) void this.poll(++this.generation);
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  /** Forgets every listener and stops polling. */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private stop(): void {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = undefined;
    // A later listener must not be shown what was true when the last one left.
    this.latest = undefined;
  }

  private async poll(generation: number): Promise<void> {
    const startedAt = performance.now();
    try {
      const overview = await this.build();
      const key = JSON.stringify({ ...overview, generatedAt: undefined });
      if (generation === this.generation && key !== this.latest?.key) {
        this.latest = { overview, key };
        for (const listener of this.listeners) listener(overview);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not build the overview for the event streams');
    }
    const tookMs = performance.now() - startedAt;
    const waitMs = Math.max(this.pollMs, tookMs * (1 / BUSY_SHARE - 1));
    if (generation === this.generation) this.timer = setTimeout(() => void this.poll(generation), waitMs);
  }
}
