// The tool registry the model sees: one entry per tool with its description,
// JSON input schema and output cap. The handlers live in activities/triage-tools.ts
// (one activity call per tool call); everything here is pure.
import { estimateTokens, prefixWithinTokens } from './tokens';

export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties: Record<string, unknown>; required?: string[]; additionalProperties?: boolean };
  /** Longest output sent back to the model, in characters; 0: the configured default (llm.sources.maxToolOutputChars). */
  maxOutputChars: number;
}

const str = (description: string) => ({ type: 'string', description });

export const TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    name: 'query_metrics',
    description: 'Run an instant PromQL query against Prometheus. Returns the series and their values at `time` (default: now).',
    input_schema: { type: 'object', properties: { query: str('PromQL expression'), time: str('RFC 3339 time or unix seconds; default now') }, required: ['query'], additionalProperties: false },
    maxOutputChars: 0,
  },
  {
    name: 'query_metrics_range',
    description: 'Run a PromQL range query. The step is raised so that each series has at most about 100 points.',
    input_schema: {
      type: 'object',
      properties: {
        query: str('PromQL expression'),
        start: str('RFC 3339 time or unix seconds'),
        end: str('RFC 3339 time or unix seconds; default now'),
        step: str('seconds between points, e.g. "30"'),
      },
      required: ['query', 'start'],
      additionalProperties: false,
    },
    maxOutputChars: 0,
  },
  {
    name: 'query_logs',
    description:
      'Run a LogQL query against Loki over a time range; returns the newest matching lines first. Where no Loki is configured the same tool reads local JSON-lines log files (one per service) and takes only a subset: a stream selector on the labels service, level and filename (= != =~ !~) followed by line filters (|= != |~ !~), no parser stages (| json), label filters or metric queries; for example {service="payments", level=~"warn|error"} |= "timeout".',
    input_schema: {
      type: 'object',
      properties: {
        query: str('LogQL, e.g. {service="checkout"} |= "error"'),
        start: str('RFC 3339 time; default 1 hour before end'),
        end: str('RFC 3339 time; default now'),
        limit: { type: 'integer', minimum: 1, maximum: 500, description: 'lines, default 100' },
      },
      required: ['query'],
      additionalProperties: false,
    },
    maxOutputChars: 0,
  },
  {
    name: 'vigil_service_status',
    description: "Vigil's own view of a service it watches: status transitions with reasons and the latest check results.",
    input_schema: { type: 'object', properties: { service: str('service name') }, required: ['service'], additionalProperties: false },
    maxOutputChars: 0,
  },
  {
    name: 'vigil_recent_actions',
    description: "Vigil's audit trail: remediation actions (restarts, rollbacks, notifications) it ran on a service recently.",
    input_schema: {
      type: 'object',
      properties: { service: str('service name'), hours: { type: 'number', minimum: 0, maximum: 720, description: 'how far back, default 24' } },
      required: ['service'],
      additionalProperties: false,
    },
    maxOutputChars: 0,
  },
  {
    name: 'vigil_drift_status',
    description:
      "Vigil's drift reconciliation: for one app, its last check (status, desired revision, which fields differ from the desired state, secrets redacted) and recent syncs; without an app, every app that is not in sync.",
    input_schema: { type: 'object', properties: { app: str('drift app name; default: all apps not in sync') }, additionalProperties: false },
    maxOutputChars: 0,
  },
  {
    name: 'get_runbook',
    description: 'The Markdown runbook for this alert, matched by its alertname or service label (or by the name you give).',
    input_schema: { type: 'object', properties: { name: str('runbook name, alertname or service; default: from the alert labels') }, additionalProperties: false },
    maxOutputChars: 0,
  },
  {
    name: 'past_triages',
    description: 'Earlier triages of the same alertname or service, newest first, with their conclusions.',
    input_schema: {
      type: 'object',
      properties: { alertname: str('default: this alert'), service: str('default: this alert'), limit: { type: 'integer', minimum: 1, maximum: 20 } },
      additionalProperties: false,
    },
    maxOutputChars: 4000,
  },
  {
    name: 'rank_suspects',
    description:
      "Vigil's offline root-cause ranking: every watched service's error ratio, latency, CPU, memory, pools, restarts and calls to its dependencies, scored against its own recent baseline (median and IQR), with the call graph (a service whose dependencies are healthy and whose callers degrade after it is the likelier origin), Vigil's changes (drift syncs, remediations) and new error log lines. Returns the candidates best first with their cause kind and evidence. A good first call.",
    input_schema: {
      type: 'object',
      properties: { at: str('RFC 3339 time or unix seconds to look around; default the alert start') },
      additionalProperties: false,
    },
    maxOutputChars: 4000,
  },
];

export const TOOL_NAMES = TOOL_DEFINITIONS.map((tool) => tool.name);

export function toolDefinition(name: string): ToolDefinition | undefined {
  return TOOL_DEFINITIONS.find((tool) => tool.name === name);
}

/** Cuts tool output to `max` characters with a note saying how much was left out. */
/** Room kept for the note that says what was cut. */
const NOTE_CHARS = 120;
const NOTE_TOKENS = 40;

/** Output cut to at most `limits.chars` characters and about `limits.tokens` tokens (estimated), with a note when cut. */
export function capOutput(text: string, limits: { chars: number; tokens: number }): { text: string; truncated: boolean } {
  if (text.length <= limits.chars && estimateTokens(text) <= limits.tokens) return { text, truncated: false };
  const end = Math.min(text.length, Math.max(0, limits.chars - NOTE_CHARS), prefixWithinTokens(text, Math.max(0, limits.tokens - NOTE_TOKENS)));
  const rest = text.slice(end);
  const note = `\n[output cut: ${rest.length} more characters (about ${estimateTokens(rest)} tokens) not shown; narrow the query]`;
  return { text: text.slice(0, end) + note, truncated: true };
}

/** Range-query step in seconds: at least the requested one, raised so that (end - start) / step ≤ maxPoints. */
export function rangeStep(startSeconds: number, endSeconds: number, requestedStep: number | undefined, maxPoints = 100): number {
  const span = Math.max(1, endSeconds - startSeconds);
  const least = Math.ceil(span / maxPoints);
  return Math.max(least, Math.ceil(requestedStep ?? 0), 1);
}

/** "2026-11-23T10:00:00Z" or "1763892000" → unix seconds; undefined for anything else. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
