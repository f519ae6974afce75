// Log evidence for root-cause ranking: error templates that appeared or surged
// around the time of interest. Counting is by template (the message without
// its variable parts), which the log reader extracts; here it is only counted.
import type { LogLine, LogTemplateCount, RcaWindow } from './types';

/** Counts raw lines per service and template into [at − before, at) and [at, at + after]; lines outside are ignored. */
export function countLogTemplates(lines: readonly LogLine[], at: number, window: RcaWindow): LogTemplateCount[] {
  const counts = new Map<string, LogTemplateCount>();
  for (const line of lines) {
    if (line.at < at - window.before || line.at > at + window.after) continue;
    const key = JSON.stringify([line.service, line.template, line.level ?? null]);
    const count = counts.get(key) ?? { service: line.service, template: line.template, ...(line.level ? { level: line.level } : {}), before: 0, after: 0 };
    if (line.at < at) count.before++;
    else count.after++;
    counts.set(key, count);
  }
  return [...counts.values()];
}

/**
 * The error and warning templates that are new (none before) or surging (at
 * least 5× the rate before) after `at`. A template with no level counts: a
 * reader that cannot tell levels apart should not hide a burst.
 */
export function movedLogTemplates(logs: readonly LogTemplateCount[], window: RcaWindow, minLines: number): LogTemplateCount[] {
  return logs.filter((log) => {
    if (log.level === 'info' || log.level === 'debug' || log.after < minLines) return false;
    const rateBefore = Math.max(log.before, 1) / (log.beforeS ?? window.before);
    return log.before === 0 || log.after / (log.afterS ?? window.after) >= 5 * rateBefore;
  });
}
