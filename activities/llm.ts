// The LLM activity (on the llm task queue): one model turn of a triage. It reads
// the transcript from PostgreSQL, calls the model with this turn's user message
// (tool results, notes), stores that message and the assistant's answer in one
// statement, idempotently keyed by turn number, and returns only what the
// workflow decides on: stop reason, tool calls, usage.
// A retry that finds the assistant turn stored returns it without calling the
// model again, so no turn is billed twice. The SDK's own retries are off: the
// workflow's retry policy is the only one (retry-after is honoured through
// nextRetryDelay).
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { FAILURES, llmHttpFailure } from '../lib/core/failures';
import type { Refusal } from '../lib/core/triage/budget';
import { GATE_PROMPT, initialMessage, parseGateAnswer, SYSTEM_PROMPT } from '../lib/core/triage/prompt';
import { REPORT_TOOL } from '../lib/core/triage/report-tool';
import { TOOL_DEFINITIONS } from '../lib/core/triage/tools';
import { answerContent, apiMessages, textOf, toolUses, type Block, type StoredMessage, type StoredToolResult } from '../lib/core/triage/transcript';
import { LLM_REJECTED, type GateDecision, type StopReason, type TokenUsage, type ToolCall, type TriageAlert } from '../lib/core/triage/types';
import type { ActivityDeps } from './deps';

export interface ModelTurnInput {
  triageId: string;
  /** 1-based; turn 1's user message is the alert, written when the triage started. */
  turn: number;
  model: string;
  maxTokens: number;
  /** final: tools stay defined (the transcript has tool blocks) and tool_choice forces submit_report. */
  mode: 'tools' | 'final';
  /** Tool calls of the previous turn that were not run, with why. */
  refused?: Refusal[];
  /** Text added to this turn's user message (the final-answer request, "the alert resolved"). */
  notes?: string[];
  /** pause_turn: send the transcript as it is, with no new user message. */
  continuation?: boolean;
}

export interface ModelTurnResult {
  /**
   * Set when this worker has no API key: the model was not called and the workflow
   * runs the offline investigator. A result, not a failure, so the Temporal UI shows
   * no red activity for what is a choice (the starter cannot know: in Kubernetes only
   * the workers have the key).
   */
  noModel?: string;
  stopReason: StopReason | null;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  textChars: number;
  /** True when the turn was already stored (a retry after the call succeeded) and the model was not called. */
  replayed: boolean;
}

const HEARTBEAT_MS = 5_000;
const NO_USAGE: TokenUsage = { input: 0, cacheCreation: 0, cacheRead: 0, output: 0 };
const MAX_TOOL_INPUT_CHARS = 4000;

export function createLlmActivities({ pool, config, metrics }: ActivityDeps) {
  let client: Anthropic | undefined;
  let clientKey = '';
  /** Why there is no model to ask, or undefined when the API key is set. */
  const noModel = () => (process.env[config.llm.apiKeyEnv] ? undefined : `no API key: env var ${config.llm.apiKeyEnv} (llm.apiKeyEnv) is not set`);
  function anthropic(): Anthropic {
    const apiKey = process.env[config.llm.apiKeyEnv] ?? '';
    if (!client || clientKey !== apiKey) {
      client = new Anthropic({ apiKey, baseURL: config.llm.baseUrl || undefined, maxRetries: 0, timeout: config.llm.requestTimeoutMs });
      clientKey = apiKey;
    }
    return client;
  }

  type Row = StoredMessage & { stop_reason: StopReason | null; usage: TokenUsage | null };
  type ToolResultRow = { tool_use_id: string } & StoredToolResult;

  /** The transcript up to `turn`, in API order (each turn's user message before its answer). */
  async function transcript(triageId: string, turn: number): Promise<Row[]> {
    const { rows } = await pool.query<Row>(
      `SELECT turn, role, content, stop_reason, usage FROM triage_messages WHERE triage_id = $1 AND turn BETWEEN 1 AND $2 ORDER BY turn, CASE role WHEN 'user' THEN 0 ELSE 1 END`,
      [triageId, turn],
    );
    return rows;
  }

  /** What the tools of one turn stored (the next turn's user message answers them). */
  async function toolResults(triageId: string, turn: number): Promise<ToolResultRow[]> {
    if (turn < 1) return [];
    const { rows } = await pool.query<ToolResultRow>(`SELECT tool_use_id, status, output FROM triage_tool_calls WHERE triage_id = $1 AND turn = $2`, [triageId, turn]);
    return rows;
  }

  const answerOf = (rows: Row[], turn: number) => rows.find((row) => row.turn === turn && row.role === 'assistant');

  function replayed(row: Row): ModelTurnResult {
    return { stopReason: row.stop_reason, toolCalls: boundCalls(toolUses(row.content)), usage: row.usage!, textChars: textOf(row.content).length, replayed: true };
  }

  /**
   * This turn's user message (tool results, refusals, notes), or undefined when
   * the turn has none or it is stored already. It is built from what the tools
   * stored and this activity's input, so every attempt builds the same one; it
   * is stored with the answer, in one statement.
   */
  function userTurn(input: ModelTurnInput, rows: Row[], results: ToolResultRow[]): Block[] | undefined {
    if (input.turn <= 1 || input.continuation || rows.some((row) => row.turn === input.turn && row.role === 'user')) return undefined;
    const previous = answerOf(rows, input.turn - 1)?.content ?? [];
    const byId = Object.fromEntries(results.map((row) => [row.tool_use_id, { status: row.status, output: row.output }]));
    return answerContent(previous, byId, input.refused ?? [], input.notes ?? []);
  }

  /**
   * Turn 1's message is the alert, stored when the triage started; notes for
   * turn 1 (the alert resolved during the gate) are added to it, once: a retry
   * finds them there.
   */
  async function withFirstTurnNotes(input: ModelTurnInput, rows: Row[]): Promise<Row[]> {
    const first = input.turn === 1 ? rows.find((row) => row.turn === 1 && row.role === 'user') : undefined;
    if (!first) return rows;
    const missing = (input.notes ?? []).filter((note) => !first.content.some((block) => block.type === 'text' && block.text === note));
    if (!missing.length) return rows;
    const content = [...first.content, ...missing.map((text) => ({ type: 'text', text }))];
    await pool.query(`UPDATE triage_messages SET content = $3 WHERE triage_id = $1 AND turn = $2 AND role = 'user'`, [input.triageId, input.turn, JSON.stringify(content)]);
    return rows.map((row) => (row === first ? { ...row, content } : row));
  }

  /** A turn's message to the model, unless it is stored already. */
  async function storeUserTurn(triageId: string, turn: number, content: Block[]): Promise<void> {
    await pool.query(`INSERT INTO triage_messages (triage_id, turn, role, content) VALUES ($1, $2, 'user', $3) ON CONFLICT (triage_id, turn, role) DO NOTHING`, [
      triageId,
      turn,
      JSON.stringify(content),
    ]);
  }

  return {
    /**
     * The cheap model's gate: one call without tools, stored as turn 0 (a retry
     * that finds it returns it without calling again). Unclear answers investigate.
     */
    async triageGateTurn(input: { triageId: string; model: string; alert: TriageAlert }): Promise<GateDecision & { usage: TokenUsage; noModel?: string }> {
      const stored = await pool.query<{ content: Block[]; usage: TokenUsage }>(`SELECT content, usage FROM triage_messages WHERE triage_id = $1 AND turn = 0 AND role = 'assistant'`, [input.triageId]);
      if (stored.rows[0]) return { ...parseGateAnswer(textOf(stored.rows[0].content), input.model), usage: stored.rows[0].usage };
      const missing = noModel();
      if (missing) return { investigate: true, reason: 'rules passed; no model for the gate', usage: NO_USAGE, noModel: missing };
      const api = anthropic();
      const question: Block[] = [{ type: 'text', text: initialMessage(input.alert) }];
      await storeUserTurn(input.triageId, 0, question);
      let message: Anthropic.Message;
      const started = performance.now();
      try {
        message = await api.messages.create(
          { model: input.model, max_tokens: 200, system: GATE_PROMPT, messages: [{ role: 'user', content: question as unknown as Anthropic.TextBlockParam[] }] },
          { signal: Context.current().cancellationSignal },
        );
      } catch (error) {
        throw classify(error);
      }
      const usage: TokenUsage = {
        input: message.usage.input_tokens ?? 0,
        cacheCreation: message.usage.cache_creation_input_tokens ?? 0,
        cacheRead: message.usage.cache_read_input_tokens ?? 0,
        output: message.usage.output_tokens ?? 0,
      };
      await pool.query(`INSERT INTO triage_messages (triage_id, turn, role, content, model, stop_reason, usage, duration_ms) VALUES ($1, 0, 'assistant', $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [
        input.triageId,
        JSON.stringify(message.content),
        message.model,
        message.stop_reason,
        JSON.stringify(usage),
        performance.now() - started,
      ]);
      for (const [kind, value] of Object.entries(usage)) metrics?.triageTokens.inc({ kind }, value);
      return { ...parseGateAnswer(textOf(message.content as unknown as Block[]), input.model), usage };
    },

    async triageModelTurn(input: ModelTurnInput): Promise<ModelTurnResult> {
      const [read, results] = await Promise.all([transcript(input.triageId, input.turn), toolResults(input.triageId, input.turn - 1)]);
      const already = answerOf(read, input.turn);
      if (already) return replayed(already);
      const missing = noModel();
      if (missing) return { noModel: missing, stopReason: null, toolCalls: [], usage: NO_USAGE, textChars: 0, replayed: false };
      const api = anthropic();
      const stored = await withFirstTurnNotes(input, read);
      const question = userTurn(input, stored, results);
      const rows: Row[] = question ? [...stored, { turn: input.turn, role: 'user', content: question, stop_reason: null, usage: null }] : stored;
      const caching = config.llm.promptCaching;
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      const started = performance.now();
      let message: Anthropic.Message;
      try {
        const definitions = [...TOOL_DEFINITIONS, REPORT_TOOL];
        const tools = definitions.map(({ name, description, input_schema }, index) => ({
          name,
          description,
          input_schema,
          // The tool definitions are the first part of every prompt: cache them.
          ...(caching && index === definitions.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
        }));
        message = await api.messages.create(
          {
            model: input.model,
            max_tokens: input.maxTokens,
            system: [{ type: 'text', text: SYSTEM_PROMPT, ...(caching ? { cache_control: { type: 'ephemeral' as const } } : {}) }],
            tools: tools as Anthropic.Tool[],
            // The final call must end with the report: the one tool it may (and must) call.
            tool_choice: input.mode === 'final' ? { type: 'tool', name: REPORT_TOOL.name } : { type: 'auto' },
            messages: apiMessages(rows, caching) as unknown as Anthropic.MessageParam[],
          },
          { signal: context.cancellationSignal },
        );
      } catch (error) {
        // What was asked stays in the transcript, for the report and for a retry (which sends it unchanged).
        if (question) await storeUserTurn(input.triageId, input.turn, question).catch(() => undefined);
        throw classify(error);
      } finally {
        clearInterval(beat);
      }
      const durationMs = performance.now() - started;
      const usage: TokenUsage = {
        input: message.usage.input_tokens ?? 0,
        cacheCreation: message.usage.cache_creation_input_tokens ?? 0,
        cacheRead: message.usage.cache_read_input_tokens ?? 0,
        output: message.usage.output_tokens ?? 0,
      };
      const { rows: inserted } = await pool.query<{ role: string }>(
        `INSERT INTO triage_messages (triage_id, turn, role, content, model, stop_reason, usage, duration_ms)
         SELECT $1, $2, role, content, model, stop_reason, usage, duration_ms FROM (VALUES
           ('user', $8::jsonb, NULL::text, NULL::text, NULL::jsonb, NULL::double precision),
           ('assistant', $3::jsonb, $4::text, $5::text, $6::jsonb, $7::double precision)
         ) AS turn_rows (role, content, model, stop_reason, usage, duration_ms)
         WHERE role = 'assistant' OR $8::jsonb IS NOT NULL
         ON CONFLICT (triage_id, turn, role) DO NOTHING RETURNING role`,
        [input.triageId, input.turn, JSON.stringify(message.content), message.model, message.stop_reason, JSON.stringify(usage), durationMs, question ? JSON.stringify(question) : null],
      );
      // Another attempt stored this turn first: what is stored is the transcript.
      if (!inserted.some((row) => row.role === 'assistant')) return replayed(answerOf(await transcript(input.triageId, input.turn), input.turn)!);
      for (const [kind, value] of Object.entries(usage)) metrics?.triageTokens.inc({ kind }, value);
      const content = message.content as unknown as Block[];
      return { stopReason: message.stop_reason as StopReason | null, toolCalls: boundCalls(toolUses(content)), usage, textChars: textOf(content).length, replayed: false };
    },
  };
}

/** Tool inputs go through history: an oversized one is replaced by a marker the tool activity refuses. */
function boundCalls(calls: ToolCall[]): ToolCall[] {
  return calls.map((call) => (JSON.stringify(call.input).length > MAX_TOOL_INPUT_CHARS ? { ...call, input: { oversized: true } } : call));
}

/** 408/409/429/529/5xx and network errors are retryable (retry-after honoured); any other 4xx is not. */
export function classify(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof Anthropic.APIError && error.status !== undefined) {
    const status = error.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const message = `Messages API answered ${status}: ${error.message}`.slice(0, 500);
    if (!retryable) return ApplicationFailure.nonRetryable(message, LLM_REJECTED);
    const delayMs = retryAfterMs(error.headers);
    return ApplicationFailure.create({ message, type: llmHttpFailure(status), nonRetryable: false, ...(delayMs !== undefined ? { nextRetryDelay: delayMs } : {}) });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.retryable(`Messages API unreachable: ${message}`.slice(0, 500), FAILURES.llmUnavailable);
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (ms > 0) return Math.min(ms, 300_000);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 300_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), 300_000);
}
