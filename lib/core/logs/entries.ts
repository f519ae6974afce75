// Log lines as the triage's log tool shows them, from Loki or from local
// JSON-lines files alike: `<ISO time> {labels} <line>`, newest first. And what
// one local line says about itself: its time, service and level.

export interface LogEntry {
  /** Nanoseconds since the epoch (Loki's unit; local lines have milliseconds). */
  timeNs: bigint;
  labels: Record<string, string>;
  line: string;
}

export function formatLogEntries(entries: LogEntry[]): string {
  if (!entries.length) return 'no matching log lines';
  const sorted = [...entries].sort((a, b) => (a.timeNs < b.timeNs ? 1 : a.timeNs > b.timeNs ? -1 : 0));
  return `${sorted.length} lines, newest first\n${sorted.map((entry) => `${new Date(Number(entry.timeNs / 1_000_000n)).toISOString()} ${labelText(entry.labels)} ${entry.line}`).join('\n')}`;
}

export function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(',')}}`;
}

// pino's numeric levels (Vigil's own log is pino's JSON).
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface LocalLine {
  /** Undefined for a line that is not a JSON object with a time: a stack trace or a crash message between JSON lines. */
  timeMs?: number;
  service?: string;
  level?: string;
}

/** What one line of a JSON-lines log says about itself: `time` (ISO or epoch ms), `service`, `level` (a name, or pino's number). */
export function parseLocalLine(line: string): LocalLine {
  if (!line.startsWith('{')) return {};
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
  if (!record || typeof record !== 'object') return {};
  const time = record.time ?? record.ts ?? record.timestamp;
  const timeMs = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN;
  const level = typeof record.level === 'number' ? PINO_LEVELS[record.level] : typeof record.level === 'string' ? record.level.toLowerCase() : undefined;
  return {
    timeMs: Number.isFinite(timeMs) ? timeMs : undefined,
    service: typeof record.service === 'string' ? record.service : undefined,
    level,
  };
}
