// SIGINT/SIGTERM start one graceful shutdown; the process then exits 0 (or 1 if
// the shutdown failed), which `npm start` and `npx vigil up` pass on.
//
// A Ctrl-C under npm arrives twice within milliseconds: the terminal signals the
// whole foreground group, and npm forwards its own copy to us. A repeat inside
// SAME_SIGNAL_MS is that copy and is ignored; a later one (a second Ctrl-C by
// someone who will not wait) exits at once.
const SAME_SIGNAL_MS = 1_000;

export function onShutdownSignal(shutdown: (signal: NodeJS.Signals) => Promise<void>): void {
  let firstAt: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < SAME_SIGNAL_MS) return;
      process.stderr.write(`\n${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    firstAt = Date.now();
    shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`shutdown failed: ${(error as Error).stack ?? error}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
