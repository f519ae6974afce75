// Signals belong to Vigil. Each long-running command (`up`, `worker`, `api`)
// takes SIGINT and SIGTERM first thing, before it starts anything, and registers
// the stop of each thing as soon as it has started. A signal at any moment then
// stops what has started, in reverse order, and the process exits 0 (1 if the
// stop failed). The Temporal runtime is installed without signal handlers of its
// own (lib/adapters/temporal/runtime.ts): when it had them, a SIGTERM during
// start-up stopped the workers behind Vigil's back and left a process that
// answered "ready" with no workers.
//
// A Ctrl-C under npm arrives twice within milliseconds: the terminal signals the
// whole foreground group, and npm forwards its own copy to us. A repeat inside
// SAME_SIGNAL_MS is that copy and is ignored; a later one (a second Ctrl-C by
// someone who will not wait) exits at once.
const SAME_SIGNAL_MS = 1_000;

/** Thrown by a start-up step once a stop has been requested: start-up ends there. */
export class StopRequested extends Error {
  constructor(signal: string) {
    super(`${signal}: start-up stopped`);
  }
}

interface StopStep {
  /** Said while stopping ("stopping <what> ..."); undefined: a quiet step (closing a pool). */
  what?: string;
  stop: () => Promise<unknown>;
}

export interface ShutdownOptions {
  /**
   * Told as each named step of the stop begins (`ms` undefined) and ends (`ms`
   * it took), and once everything is stopped (`what` undefined): the user of
   * `vigil up` waits for it.
   */
  progress?: (what: string | undefined, ms?: number) => void;
  /** Told of the first signal, before the stop begins. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Ends the process; tests pass their own. */
  exit?: (code: number) => void;
}

export class Shutdown {
  /** The signal that asked for the stop, if one did. */
  signal?: NodeJS.Signals;
  private readonly steps: StopStep[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped?: Promise<void>;
  private exiting = false;
  private readonly requested: Promise<never>;
  private rejectRequested!: (error: Error) => void;

  constructor(private readonly options: ShutdownOptions = {}) {
    this.requested = new Promise<never>((_resolve, reject) => (this.rejectRequested = reject));
    this.requested.catch(() => {}); // only start-up steps race it
  }

  /** True from the moment a stop (by signal or failure) begins. */
  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** Registers the stop of something that has started; stops run in reverse order of registration. */
  onStop(what: string | undefined, stop: () => Promise<unknown>): void {
    this.steps.push({ what, stop });
  }

  /**
   * One start-up step that makes something to stop later. A stop waits for the
   * step to settle, so what it started is stopped too, never orphaned; start-up
   * itself gets StopRequested at once, and goes no further.
   */
  start<T>(what: string | undefined, begin: Promise<T>, stopOf: (started: T) => (() => Promise<unknown>) | undefined): Promise<T> {
    const registered = begin.then((started) => {
      const stop = stopOf(started);
      if (stop) this.onStop(what, stop);
    });
    const settled = registered.catch(() => {});
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return this.step(registered.then(() => begin));
  }

  /** A start-up step that leaves nothing to stop (bundling, applying): rejects with StopRequested once a stop is requested. */
  step<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.requested]);
  }

  /** Stops everything registered, once: waits for steps still starting, then stops in reverse order. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  /** Stops, then ends the process with `code` (1 instead of 0 if the stop failed). */
  async exit(code: number): Promise<void> {
    // A failure stop keeps its code when a signal comes in during it; one exit only.
    if (this.exiting) return;
    this.exiting = true;
    const exit = this.options.exit ?? ((status: number) => process.exit(status));
    try {
      await this.stop();
    } catch (error) {
      process.stderr.write(`shutdown failed: ${(error as Error).stack ?? error}\n`);
      exit(1);
      return;
    }
    this.options.progress?.(undefined);
    exit(code);
  }

  /** Takes SIGINT and SIGTERM for this process: the first stops everything and exits 0. */
  ownSignals(): this {
    let firstAt: number | undefined;
    const handle = (signal: NodeJS.Signals) => {
      if (firstAt !== undefined) {
        if (Date.now() - firstAt < SAME_SIGNAL_MS) return;
        process.stderr.write(`\n${signal} again: exiting without waiting\n`);
        (this.options.exit ?? ((status: number) => process.exit(status)))(1);
        return;
      }
      firstAt = Date.now();
      this.signal = signal;
      this.options.onSignal?.(signal);
      this.rejectRequested(new StopRequested(signal));
      void this.exit(0);
    };
    process.on('SIGINT', handle);
    process.on('SIGTERM', handle);
    return this;
  }

  private async stopAll(): Promise<void> {
    this.rejectRequested(new StopRequested('stop'));
    const failures: unknown[] = [];
    for (;;) {
      // What is still starting registers its stop once it is up (or has failed to start).
      if (this.inFlight.size) {
        await Promise.all(this.inFlight);
        continue;
      }
      const step = this.steps.pop();
      if (!step) break;
      const startedAt = Date.now();
      if (step.what) this.options.progress?.(step.what);
      try {
        await step.stop();
      } catch (error) {
        failures.push(error);
      }
      if (step.what) this.options.progress?.(step.what, Date.now() - startedAt);
    }
    // Every step ran even if one failed: a failed API close must not leave PostgreSQL running.
    if (failures.length) throw failures[0];
  }
}
