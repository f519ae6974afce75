// Building the Messages API conversation from the stored transcript. Pure: the
// LLM activity reads rows from PostgreSQL and calls these.
import type { Refusal } from './budget';

export type Block = Record<string, unknown> & { type: string };

export interface StoredMessage {
  turn: number;
  role: 'user' | 'assistant';
  content: Block[];
}

export interface StoredToolResult {
  status: 'ok' | 'error';
  output: string;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

export function toolUses(content: Block[]): { id: string; name: string; input: Record<string, unknown> }[] {
  return content.filter((block) => block.type === 'tool_use').map((block) => ({ id: String(block.id), name: String(block.name), input: (block.input ?? {}) as Record<string, unknown> }));
}

/**
 * The user content that answers an assistant turn: a tool_result for every
 * tool_use in it (the API requires one each), from what the tools stored, or the
 * refusal, or "not run"; then any notes as text.
 */
export function answerContent(previous: Block[], results: Record<string, StoredToolResult>, refused: Refusal[], notes: string[]): Block[] {
  const blocks: Block[] = toolUses(previous).map((use) => {
    const stored = results[use.id];
    const refusal = refused.find((item) => item.id === use.id);
    if (stored) return { type: 'tool_result', tool_use_id: use.id, content: stored.output || '(no output)', ...(stored.status === 'error' ? { is_error: true } : {}) };
    return { type: 'tool_result', tool_use_id: use.id, content: refusal?.reason ?? 'not run: the investigation moved on', is_error: true };
  });
  for (const note of notes) blocks.push({ type: 'text', text: note });
  if (!blocks.length) blocks.push({ type: 'text', text: 'Continue.' });
  return blocks;
}

/**
 * The value with every object's keys in one order. A turn's message is sent as
 * built and, on later turns, as read back from jsonb, which reorders keys; a
 * prompt cache matches on the request's bytes, so both must serialize alike.
 */
export function canonicalKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonicalKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonicalKeys((value as Record<string, unknown>)[key]);
  return sorted as T;
}

/**
 * Rows in (turn, user before assistant) order → API messages, each block with
 * its keys in canonical order. Consecutive messages of one role are merged (an
 * assistant turn continued after pause_turn). The last block of the last
 * message carries a cache breakpoint, so each call caches the transcript prefix
 * the next call will read.
 */
export function apiMessages(rows: StoredMessage[], cache = true): { role: 'user' | 'assistant'; content: Block[] }[] {
  const messages: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  for (const row of rows) {
    const last = messages.at(-1);
    const content = row.content.map((block) => canonicalKeys(block));
    if (last && last.role === row.role) last.content = [...last.content, ...content];
    else messages.push({ role: row.role, content });
  }
  const lastMessage = messages.at(-1);
  if (cache && lastMessage?.content.length) {
    const index = lastMessage.content.length - 1;
    lastMessage.content[index] = { ...lastMessage.content[index], cache_control: EPHEMERAL };
  }
  return messages;
}

/** The text of an assistant turn. */
export function textOf(content: Block[]): string {
  return content
    .filter((block) => block.type === 'text')
    .map((block) => String(block.text ?? ''))
    .join('\n')
    .trim();
}
