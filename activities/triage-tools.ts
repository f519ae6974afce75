// Triage tools: one activity call runs one tool call. The full result is stored
// keyed by the tool_use id (a retry that finds it returns the stored outcome
// without running the tool again); the model is later sent the output capped
// with a note, and the workflow gets only a bounded summary. A tool's failure
// (bad query, Prometheus down) is a result the model sees with is_error, never
// a workflow failure.
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { Context } from '@temporalio/activity';
import { capOutput, parseTime, rangeStep, TOOL_DEFINITIONS, toolDefinition } from '../lib/core/triage/tools';
import type { ToolCall } from '../lib/core/triage/types';
import type { ActivityDeps } from './deps';
import { rankSuspectsAnswer } from './rank-suspects';
import type { ObjectDrift } from '../lib/core/drift/compare';
import { formatLogEntries, labelText } from '../lib/core/logs/entries';
import { LogQueryError, parseLogQuery } from '../lib/core/logs/logql';
import { LogDirUnavailable, readLocalLogs } from '../lib/adapters/logs/local-reader';

export interface ToolCallInput {
  triageId: string;
  turn: number;
  call: ToolCall;
  /** The alert's labels: defaults for runbooks and past triages. */
  labels: Record<string, string>;
  /** The alert's start: what rank_suspects looks around by default. */
  startsAt?: string;
}

export interface ToolOutcome {
  id: string;
  name: string;
  status: 'ok' | 'error';
  /** First line(s) of the output, at most SUMMARY_CHARS. */
  summary: string;
  truncated: boolean;
}

const SUMMARY_CHARS = 300;
const FULL_OUTPUT_CHARS = 1_000_000;

class ToolError extends Error {}

type Handler = (input: Record<string, unknown>, context: { signal: AbortSignal; call: ToolCallInput }) => Promise<string>;

export function createTriageToolActivities({ pool, config, metrics, definitions }: ActivityDeps) {
  const ajv = new Ajv({ strict: false, allErrors: false });
  const validators: Record<string, ValidateFunction> = Object.fromEntries(TOOL_DEFINITIONS.map((tool) => [tool.name, ajv.compile(tool.input_schema)]));
  const sources = config.llm.sources;

  async function getJson(base: string, setting: string, path: string, params: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    if (!base) throw new ToolError(`not configured: set ${setting}`);
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(sources.toolTimeoutMs)]) });
    const text = await response.text();
    if (!response.ok) throw new ToolError(`${url.host} answered ${response.status}: ${text.slice(0, 500)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new ToolError(`${url.host} answered with something other than JSON: ${text.slice(0, 200)}`);
    }
  }

  const prometheus = (path: string, params: Record<string, string>, signal: AbortSignal) => getJson(sources.prometheusUrl, 'llm.sources.prometheusUrl', path, params, signal);

  /** The log tool without Loki: the same query surface on local files, as far as the subset goes (lib/core/logs/logql.ts). */
  async function localLogs(query: string, start: number, end: number, limit: number, signal: AbortSignal): Promise<string> {
    let parsed;
    try {
      parsed = parseLogQuery(query);
    } catch (error) {
      if (error instanceof LogQueryError) throw new ToolError(error.message);
      throw error;
    }
    try {
      const read = await readLocalLogs({ dir: sources.logDir, query: parsed, startMs: start * 1000, endMs: end * 1000, limit, signal });
      return [formatLogEntries(read.entries), ...read.notes.map((note) => `note: ${note}`)].join('\n');
    } catch (error) {
      if (error instanceof LogDirUnavailable) throw new ToolError(error.message);
      throw error;
    }
  }

  const handlers: Record<string, Handler> = {
    async query_metrics(input, { signal }) {
      const params: Record<string, string> = { query: String(input.query) };
      if (input.time !== undefined) params.time = String(parseTime(input.time) ?? input.time);
      return formatPrometheus(await prometheus('api/v1/query', params, signal));
    },
    async query_metrics_range(input, { signal }) {
      const end = parseTime(input.end) ?? Date.now() / 1000;
      const start = parseTime(input.start);
      if (start === undefined || start >= end) throw new ToolError('start must be a time before end (RFC 3339 or unix seconds)');
      const step = rangeStep(start, end, input.step === undefined ? undefined : Number(input.step));
      const data = await prometheus('api/v1/query_range', { query: String(input.query), start: String(start), end: String(end), step: String(step) }, signal);
      return `step ${step}s\n${formatPrometheus(data)}`;
    },
    async query_logs(input, { signal }) {
      const end = parseTime(input.end) ?? Date.now() / 1000;
      const start = parseTime(input.start) ?? end - 3600;
      const limit = Number(input.limit ?? 100);
      if (!sources.lokiUrl && sources.logDir) return localLogs(String(input.query), start, end, limit, signal);
      if (!sources.lokiUrl) throw new ToolError('not configured: set llm.sources.lokiUrl (Loki) or llm.sources.logDir (a directory of JSON-lines log files)');
      const ns = (seconds: number) => BigInt(Math.round(seconds * 1000)) * 1_000_000n;
      const data = (await getJson(
        sources.lokiUrl,
        'llm.sources.lokiUrl',
        'loki/api/v1/query_range',
        {
          query: String(input.query),
          start: ns(start).toString(),
          end: ns(end).toString(),
          limit: String(limit),
          direction: 'backward',
        },
        signal,
      )) as { data?: { resultType?: string; result?: { stream?: Record<string, string>; values?: [string, string][] }[] } };
      return formatLogEntries((data.data?.result ?? []).flatMap((stream) => (stream.values ?? []).map(([time, line]) => ({ timeNs: BigInt(time), labels: stream.stream ?? {}, line }))));
    },
    async vigil_service_status(input) {
      const service = String(input.service);
      const [transitions, checks] = await Promise.all([
        pool.query(`SELECT at, from_status, to_status, reason FROM health_transitions WHERE service = $1 ORDER BY at DESC, round DESC LIMIT 10`, [service]),
        pool.query(`SELECT DISTINCT ON (check_name) check_name, checked_at, up, latency_ms, detail FROM check_results WHERE service = $1 ORDER BY check_name, checked_at DESC`, [service]),
      ]);
      if (!transitions.rows.length && !checks.rows.length) return `Vigil has no record of a service "${service}"`;
      return [
        `service ${service}: ${transitions.rows[0]?.to_status ?? 'unknown'}`,
        'transitions (newest first):',
        ...transitions.rows.map((row) => `  ${iso(row.at)} ${row.from_status} -> ${row.to_status}: ${row.reason}`),
        'latest check results:',
        ...checks.rows.map((row) => `  ${row.check_name} ${row.up ? 'up' : 'DOWN'} ${Math.round(row.latency_ms)} ms at ${iso(row.checked_at)}: ${String(row.detail).split('\n')[0]}`),
      ].join('\n');
    },
    async vigil_recent_actions(input) {
      const service = String(input.service);
      const hours = Number(input.hours ?? 24);
      const { rows } = await pool.query(
        `SELECT started_at, step, action_type, decided_by, reason, status, exit_code, http_status FROM remediation_actions
          WHERE service = $1 AND started_at >= now() - make_interval(secs => $2) ORDER BY started_at DESC LIMIT 50`,
        [service, hours * 3600],
      );
      if (!rows.length) return `no remediation actions on ${service} in the last ${hours} h`;
      return rows
        .map(
          (row) =>
            `${iso(row.started_at)} ${row.step} (${row.action_type}) by ${row.decided_by}: ${row.status}${row.exit_code !== null ? ` exit ${row.exit_code}` : ''}${row.http_status !== null ? ` HTTP ${row.http_status}` : ''}; reason: ${row.reason}`,
        )
        .join('\n');
    },
    async vigil_drift_status(input) {
      if (typeof input.app !== 'string' || !input.app) {
        const { rows } = await pool.query(`SELECT app, mode, status, checked_at, revision, fields, error FROM drift_state WHERE status <> 'in-sync' ORDER BY app`);
        return rows.length
          ? rows
              .map((row) => `${row.app} (${row.mode}): ${row.status} at ${iso(row.checked_at)}, revision ${row.revision ?? '?'}, ${row.fields} fields differ${row.error ? `; ${row.error}` : ''}`)
              .join('\n')
          : 'every drift app is in sync (or none is defined)';
      }
      const app = input.app;
      const [state, syncs] = await Promise.all([
        pool.query(`SELECT mode, status, checked_at, revision, drifted, error FROM drift_state WHERE app = $1`, [app]),
        pool.query(`SELECT started_at, kind, trigger, decided_by, status, revision, detail FROM drift_syncs WHERE app = $1 ORDER BY started_at DESC LIMIT 10`, [app]),
      ]);
      const last = state.rows[0];
      if (!last) return `Vigil has no drift app "${app}"`;
      const fields = (last.drifted as ObjectDrift[]).flatMap((object) =>
        object.changes.map((change) => `  ${object.target} ${change.path} ${change.kind}: live ${JSON.stringify(change.live)}, desired ${JSON.stringify(change.desired)}`),
      );
      return [
        `drift app ${app} (${last.mode}): ${last.status} at ${iso(last.checked_at)}, desired revision ${last.revision ?? '?'}${last.error ? `; error: ${last.error}` : ''}`,
        ...(fields.length ? ['fields that differ from the desired state:', ...fields] : []),
        'recent syncs (newest first):',
        ...(syncs.rows.length
          ? syncs.rows.map((row) => `  ${iso(row.started_at)} ${row.kind} ${row.trigger} by ${row.decided_by}: ${row.status} at ${row.revision}${row.detail ? ` (${row.detail})` : ''}`)
          : ['  none']),
      ].join('\n');
    },
    async get_runbook(input, { call }) {
      const dir = isAbsolute(sources.runbooksDir) ? sources.runbooksDir : resolve(process.cwd(), sources.runbooksDir);
      let files: string[];
      try {
        files = (await readdir(dir)).filter((file) => file.toLowerCase().endsWith('.md'));
      } catch {
        throw new ToolError(`no runbooks directory (${sources.runbooksDir}, llm.sources.runbooksDir)`);
      }
      const wanted = [input.name, call.labels.runbook, call.labels.alertname, call.labels.service].filter((name): name is string => typeof name === 'string' && name !== '');
      for (const name of wanted) {
        // Only names that are listed files: no path from the model reaches the file system.
        const file = files.find((candidate) => candidate.toLowerCase() === `${name.toLowerCase()}.md`);
        if (file) return `runbook ${file}\n\n${await readFile(join(dir, file), 'utf8')}`;
      }
      return `no runbook matches ${wanted.map((name) => `"${name}"`).join(', ') || 'this alert'}; available: ${files.join(', ') || 'none'}`;
    },
    async rank_suspects(input, { call, signal }) {
      const at = input.at === undefined ? undefined : parseTime(input.at);
      if (input.at !== undefined && at === undefined) throw new ToolError('at must be an RFC 3339 time or unix seconds');
      return rankSuspectsAnswer({ pool, prometheus, definitions, logDir: sources.logDir }, { alert: { labels: call.labels, annotations: {}, startsAt: call.startsAt }, at }, signal);
    },
    async past_triages(input, { call }) {
      const alertname = typeof input.alertname === 'string' ? input.alertname : (call.labels.alertname ?? '');
      const service = typeof input.service === 'string' ? input.service : (call.labels.service ?? '');
      const { rows } = await pool.query(
        `SELECT id, started_at, status, alertname, service, report FROM triage_runs
          WHERE id <> $1 AND status IN ('completed', 'refused') AND ((alertname <> '' AND alertname = $2) OR (service <> '' AND service = $3))
          ORDER BY started_at DESC LIMIT $4`,
        [call.triageId, alertname, service, Number(input.limit ?? 5)],
      );
      if (!rows.length) return 'no earlier triages of this alertname or service';
      return rows
        .map(
          (row) =>
            `${iso(row.started_at)} ${row.id} (${row.alertname || row.service}, ${row.status}): ${row.report?.summary ?? ''} | root cause: ${row.report?.rootCause ?? ''} | confidence ${row.report?.confidence ?? '?'}`,
        )
        .join('\n');
    },
  };

  async function stored(triageId: string, id: string): Promise<ToolOutcome | undefined> {
    const { rows } = await pool.query<{ name: string; status: 'ok' | 'error'; output: string; truncated: boolean }>(
      'SELECT name, status, output, truncated FROM triage_tool_calls WHERE triage_id = $1 AND tool_use_id = $2',
      [triageId, id],
    );
    const row = rows[0];
    return row && { id, name: row.name, status: row.status, summary: row.output.slice(0, SUMMARY_CHARS), truncated: row.truncated };
  }

  return {
    async runTriageTool(input: ToolCallInput): Promise<ToolOutcome> {
      const { call } = input;
      // Only a retry can find its result stored. A first attempt after a worker
      // crash runs the tool again (it only reads) and gets the stored row from the insert below.
      const already = Context.current().info.attempt > 1 ? await stored(input.triageId, call.id) : undefined;
      if (already) return already;
      const started = performance.now();
      let status: 'ok' | 'error' = 'ok';
      let full: string;
      try {
        const handler = handlers[call.name];
        if (!handler) throw new ToolError(`unknown tool "${call.name}"; the tools are ${TOOL_DEFINITIONS.map((tool) => tool.name).join(', ')}`);
        if (call.input.oversized === true) throw new ToolError('the input was too large; send a shorter query');
        const validate = validators[call.name];
        if (!validate(call.input)) throw new ToolError(`invalid input: ${ajv.errorsText(validate.errors, { dataVar: 'input' })}`);
        full = await handler(call.input, { signal: Context.current().cancellationSignal, call: input });
      } catch (error) {
        // Our own database failing is not the model's business: retry the activity.
        if (!(error instanceof ToolError) && !(error instanceof Error && /fetch failed|abort|timeout|ECONN/i.test(`${error.message} ${String(error.cause ?? '')}`))) throw error;
        status = 'error';
        full = error instanceof ToolError ? error.message : `request failed: ${error.message}${error.cause ? ` (${String((error.cause as Error).message ?? error.cause)})` : ''}`;
      }
      const chars = toolDefinition(call.name)?.maxOutputChars || sources.maxToolOutputChars;
      const { text, truncated } = capOutput(full, { chars, tokens: sources.maxToolOutputTokens });
      const name = call.name.slice(0, 100);
      const { rowCount } = await pool.query(
        `INSERT INTO triage_tool_calls (triage_id, tool_use_id, turn, name, input, status, output, full_output, truncated, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (triage_id, tool_use_id) DO NOTHING`,
        [input.triageId, call.id, input.turn, name, JSON.stringify(call.input), status, text, full.slice(0, FULL_OUTPUT_CHARS), truncated, performance.now() - started],
      );
      // Another attempt stored this call first: what is stored is what the model sees.
      if (!rowCount) return (await stored(input.triageId, call.id))!;
      metrics?.triageToolCalls.inc({ tool: toolDefinition(call.name) ? call.name : 'unknown', outcome: status });
      return { id: call.id, name, status, summary: text.slice(0, SUMMARY_CHARS), truncated };
    },
  };
}

const iso = (value: Date | string) => new Date(value).toISOString();

interface PrometheusAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Prometheus' JSON as compact text: one line per series (instant) or series with its points (range). */
export function formatPrometheus(body: unknown): string {
  const answer = body as PrometheusAnswer;
  if (answer.status !== 'success') throw new ToolError(`Prometheus: ${answer.error ?? 'query failed'}`);
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar' || resultType === 'string') {
    const [time, value] = result as [number, string];
    return `${resultType} ${value} at ${new Date(time * 1000).toISOString()}`;
  }
  const series = (result ?? []) as { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  if (!series.length) return 'no series matched';
  if (resultType === 'vector') return `${series.length} series\n${series.map((item) => `${labelText(item.metric)} ${item.value?.[1]}`).join('\n')}`;
  return `${series.length} series\n${series
    .map((item) => {
      const values = item.values ?? [];
      const numbers = values.map(([, value]) => Number(value));
      return `${labelText(item.metric)} ${values.length} points from ${values.length ? new Date(values[0][0] * 1000).toISOString() : '-'}, min ${Math.min(...numbers)}, max ${Math.max(...numbers)}, last ${values.at(-1)?.[1]}\n  ${values.map(([, value]) => value).join(' ')}`;
    })
    .join('\n')}`;
}
