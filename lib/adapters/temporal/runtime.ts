// The Temporal SDK's process-wide Runtime, with its logs going into our pino
// logger. The SDK allows one Runtime per process; install it before anything
// that uses it (a worker connection, the SDK's dev-server download): a Runtime
// the SDK creates on its own takes SIGINT/SIGTERM/SIGQUIT/SIGUSR2 and shuts the
// workers down behind the command's back. Later calls are no-ops.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../log';

let installed = false;

const SDK_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

export function installTemporalRuntime(log: Logger): void {
  if (installed) return;
  installed = true;
  // The SDK narrates every worker state change at INFO; Vigil's own logs say what matters.
  const level: LogLevel = log.level === 'silent' || log.level === 'fatal' ? 'ERROR' : log.isLevelEnabled('debug') ? SDK_LEVELS[log.level] : 'WARN';
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    // Signals belong to Vigil (cli/process-signals.ts), which stops the workers in order.
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      // Activity-only workers are Vigil's design, not a problem worth a warning.
      if (entry.message.startsWith('No workflows registered')) return;
      const method = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
      sdkLog[method]({ ...(entry.meta ?? {}) }, entry.message);
    }),
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
  });
}
