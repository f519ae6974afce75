// The LLM activity on its own, through the real SDK against the fixture: a turn
// is stored once and a repeated call returns it without calling the model again;
// errors are classified for Temporal's retry policy, honouring retry-after.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLlmActivities, type ModelTurnInput, type ModelTurnResult } from '../../activities/llm';
import { createTriageActivities } from '../../activities/triage';
import { createTriageToolActivities, type ToolCallInput, type ToolOutcome } from '../../activities/triage-tools';
import { createLogger } from '../../lib/adapters/log';
import { LLM_REJECTED } from '../../lib/core/triage/types';
import { startAnthropicFixture, type AnthropicFixture } from '../fixtures/anthropic';
import { createTestDatabase, testConfig, uniqueName, type TestDatabase } from '../helpers/harness';

describe('LLM activity', () => {
  let db: TestDatabase;
  let anthropic: AnthropicFixture;
  const keyEnv = uniqueName('TEST_LLM_KEY').toUpperCase();
  let activities: ReturnType<typeof createLlmActivities> & ReturnType<typeof createTriageActivities> & ReturnType<typeof createTriageToolActivities>;

  before(async () => {
    db = await createTestDatabase('llm');
    anthropic = await startAnthropicFixture();
    process.env[keyEnv] = 'sk-ant-test-llm';
    const config = testConfig({ llm: { baseUrl: anthropic.baseURL, apiKeyEnv: keyEnv } });
    const deps = { pool: db.pool, config, log: createLogger('silent'), identity: 'test' };
    activities = { ...createLlmActivities(deps), ...createTriageActivities(deps), ...createTriageToolActivities(deps) };
  });
  after(async () => {
    await anthropic.close();
    await db.close();
  });

  async function triage(scenario: string): Promise<string> {
    const triageId = `manual~${uniqueName(scenario)}`;
    await activities.startTriageRun({
      triageId,
      workflowId: `triage/${triageId}`,
      source: 'manual',
      alert: { labels: { alertname: 'X', scenario }, annotations: {} },
      gate: { investigate: true, reason: 'test' },
    });
    return triageId;
  }
  const turn = (triageId: string, number = 1): Promise<ModelTurnResult> =>
    new MockActivityEnvironment().run(activities.triageModelTurn, { triageId, turn: number, model: 'claude-test', maxTokens: 1000, mode: 'tools' } satisfies ModelTurnInput);
  const messages = async (triageId: string) =>
    (
      await db.pool.query<{ turn: number; role: string; content: { type: string; tool_use_id?: string }[] }>(
        `SELECT turn, role, content FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`,
        [triageId],
      )
    ).rows;
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => assert.fail('expected a failure'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ApplicationFailure, String(error));
    return error;
  };

  it('stores the assistant turn once; a repeated call returns it without calling the model', async () => {
    anthropic.script('once', [
      {
        content: [{ type: 'tool_use', id: 'toolu_once', name: 'get_runbook', input: {} }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, cache_creation_input_tokens: 500, cache_read_input_tokens: 0, output_tokens: 20 },
      },
    ]);
    const triageId = await triage('once');
    const first = await turn(triageId);
    const again = await turn(triageId);
    assert.deepEqual(first, {
      stopReason: 'tool_use',
      toolCalls: [{ id: 'toolu_once', name: 'get_runbook', input: {} }],
      usage: { input: 10, cacheCreation: 500, cacheRead: 0, output: 20 },
      textChars: 0,
      replayed: false,
    });
    assert.deepEqual(again, { ...first, replayed: true });
    assert.equal(anthropic.billed('once').length, 1);
    const request = anthropic.billed('once')[0].body;
    assert.equal(request.model, 'claude-test');
    assert.equal(request.max_tokens, 1000);
    assert.equal(request.tool_choice?.type, 'auto');
  });

  it("stores a turn's user message with its answer; a failed call keeps what it sent, and the retry sends the same", async () => {
    anthropic.script('pair', [
      { content: [{ type: 'tool_use', id: 'toolu_pair', name: 'vigil_recent_actions', input: { service: 'shop' } }], stop_reason: 'tool_use' },
      { status: 529, type: 'overloaded_error', message: 'overloaded' },
      { content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' },
    ]);
    const triageId = await triage('pair');
    const first = await turn(triageId);
    const [call] = first.toolCalls;
    const outcome: ToolOutcome = await new MockActivityEnvironment().run(activities.runTriageTool, { triageId, turn: 1, call, labels: {} } satisfies ToolCallInput);
    assert.equal(outcome.status, 'ok');

    assert.equal((await failure(turn(triageId, 2))).nonRetryable, false);
    const afterFailure = await messages(triageId);
    assert.deepEqual(
      afterFailure.map((row) => `${row.turn}:${row.role}`),
      ['1:user', '1:assistant', '2:user'],
    );
    assert.deepEqual(
      afterFailure[2].content.map((block) => [block.type, block.tool_use_id]),
      [['tool_result', 'toolu_pair']],
    );

    assert.equal((await turn(triageId, 2)).stopReason, 'end_turn');
    assert.deepEqual(
      (await messages(triageId)).map((row) => `${row.turn}:${row.role}`),
      ['1:user', '1:assistant', '2:user', '2:assistant'],
    );
    const turnTwo = anthropic.requests.filter((request) => request.scenario === 'pair').slice(1);
    assert.deepEqual(
      turnTwo.map((request) => request.status),
      [529, 200],
    );
    const lastUserMessage = (request: (typeof turnTwo)[number]) => request.body.messages.at(-1)!;
    assert.deepEqual(lastUserMessage(turnTwo[0]), lastUserMessage(turnTwo[1]));
    const [result] = lastUserMessage(turnTwo[1]).content;
    assert.equal(result.tool_use_id, 'toolu_pair');
    assert.match(String(result.content), /no remediation actions on shop/);
  });

  it('each turn reads from the cache everything the turn before it wrote (the transcript is sent in the same bytes every turn)', async () => {
    const asks = (index: number) => ({
      content: [{ type: 'tool_use' as const, id: `toolu_cache_${index}`, name: 'vigil_recent_actions', input: { service: 'shop', hours: index } }],
      stop_reason: 'tool_use' as const,
    });
    anthropic.script('cache', [asks(1), asks(2), { content: [{ type: 'text', text: 'done' }], stop_reason: 'end_turn' }]);
    const triageId = await triage('cache');
    const usage: ModelTurnResult['usage'][] = [];
    for (const number of [1, 2, 3]) {
      const result = await turn(triageId, number);
      usage.push(result.usage);
      for (const call of result.toolCalls) await new MockActivityEnvironment().run(activities.runTriageTool, { triageId, turn: number, call, labels: {} } satisfies ToolCallInput);
    }
    for (const number of [1, 2]) {
      const written = usage[number - 1].cacheRead + usage[number - 1].cacheCreation;
      assert.ok(usage[number].cacheRead >= written, `turn ${number + 1} read ${usage[number].cacheRead} cached tokens, turn ${number} had cached ${written}`);
    }
  });

  it('429 and 529 are retryable with retry-after as the next retry delay; other 4xx are not', async () => {
    anthropic.script('errors', [
      { status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } },
      { status: 529, type: 'overloaded_error', message: 'overloaded' },
      { status: 408, type: 'timeout_error', message: 'timeout' },
      { status: 400, type: 'invalid_request_error', message: 'bad' },
      { status: 401, type: 'authentication_error', message: 'no' },
    ]);
    const triageId = await triage('errors');
    const limited = await failure(turn(triageId));
    assert.equal(limited.nonRetryable, false);
    assert.equal(limited.nextRetryDelay, 7000);
    const overloaded = await failure(turn(triageId));
    assert.equal(overloaded.nonRetryable, false);
    assert.equal(overloaded.nextRetryDelay, undefined);
    assert.equal((await failure(turn(triageId))).nonRetryable, false);
    for (const status of [400, 401]) {
      const rejected = await failure(turn(triageId));
      assert.equal(rejected.nonRetryable, true);
      assert.equal(rejected.type, LLM_REJECTED);
      assert.match(rejected.message, new RegExp(`answered ${status}`));
    }
    assert.equal(anthropic.billed('errors').length, 0);
  });

  it('an unreachable API is retryable', async () => {
    const config = testConfig({ llm: { baseUrl: 'http://127.0.0.1:1', apiKeyEnv: keyEnv } });
    const offline = createLlmActivities({ pool: db.pool, config, log: createLogger('silent'), identity: 'test' });
    const triageId = await triage('unreachable');
    const error = await failure(new MockActivityEnvironment().run(offline.triageModelTurn, { triageId, turn: 1, model: 'm', maxTokens: 100, mode: 'tools' } satisfies ModelTurnInput));
    assert.equal(error.nonRetryable, false);
    assert.equal(error.type, 'LlmUnavailable');
  });
});
