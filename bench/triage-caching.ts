// Prompt caching on a scripted 10-turn triage: billed input with caching on
// (breakpoints on the system prompt, the tool definitions and the growing
// transcript) versus off. The LLM activity runs for real (real SDK, real
// PostgreSQL transcript) against the Messages API fixture, which emulates the
// cache from the breakpoints (prefixes of at least 1,024 tokens, like Sonnet).
// Each of turns 1–9 calls one tool whose ~3,000-character result is stored as
// the tool activity would store it; turn 10 answers.
//   node --import tsx bench/triage-caching.ts -- [--turns 10] [--json]
// Billed input counts input + cache creation + cache read tokens; the cost
// weighs them 1 / 1.25 / 0.1, as Anthropic prices them.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLlmActivities, type ModelTurnInput, type ModelTurnResult } from '../activities/llm';
import { createTriageActivities } from '../activities/triage';
import { configFromObject } from '../lib/adapters/config/load';
import { migrate } from '../lib/adapters/db/migrate';
import { createPool } from '../lib/adapters/db/pool';
import { createLogger } from '../lib/adapters/log';
import { startEmbeddedPostgres } from '../lib/adapters/postgres/embedded';
import { startAnthropicFixture } from '../test/fixtures/anthropic';
import { freePort } from '../test/helpers/ports';
import { describeMachine, intFlag, runBench, table } from './lib';

const args = process.argv.slice(2);
const turns = intFlag(args, 'turns', 10);

void runBench({
  name: 'triage-caching',
  limitMs: 300_000,
  async body(cleanup) {
    const machine = await describeMachine();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-cache-'));
    chmodSync(dir, 0o755);
    cleanup.defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));
    const postgres = await startEmbeddedPostgres({ dir, port: await freePort() });
    cleanup.defer('PostgreSQL', () => postgres.stop());
    const pool = createPool({ url: postgres.url, schema: 'bench', max: 4 });
    cleanup.defer('pool', () => pool.end());
    await migrate(pool, 'bench');
    const anthropic = await startAnthropicFixture({ minCacheTokens: 1024 });
    cleanup.defer('fixture', () => anthropic.close());
    process.env.BENCH_ANTHROPIC_KEY = 'sk-ant-bench';

    const toolOutput = (turn: number) =>
      Array.from(
        { length: 40 },
        (_, line) => `2026-11-23T10:${String(line).padStart(2, '0')}:00Z {service="shop",pod="shop-${turn}"} level=error msg="connection pool exhausted" waited_ms=${1000 + line * 37}`,
      )
        .join('\n')
        .slice(0, 3000);

    async function triage(caching: boolean) {
      const scenario = caching ? 'cached' : 'uncached';
      const config = configFromObject({ log: { level: 'silent' }, llm: { baseUrl: anthropic.baseURL, apiKeyEnv: 'BENCH_ANTHROPIC_KEY', promptCaching: caching } }, 'bench');
      const deps = { pool, config, log: createLogger('silent'), identity: 'bench' };
      const activities = { ...createLlmActivities(deps), ...createTriageActivities(deps) };
      anthropic.script(scenario, [
        ...Array.from({ length: turns - 1 }, (_, index) => ({
          content: [
            { type: 'text' as const, text: `Turn ${index + 1}: checking the logs of pod ${index + 1}.` },
            { type: 'tool_use' as const, id: `toolu_${scenario}_${index + 1}`, name: 'query_logs', input: { query: `{service="shop",pod="shop-${index + 1}"}` } },
          ],
          stop_reason: 'tool_use' as const,
        })),
        {
          content: [{ type: 'text' as const, text: '```json\n{"summary":"pool exhausted","rootCause":"leak","evidence":[],"confidence":"medium","nextSteps":[]}\n```' }],
          stop_reason: 'end_turn' as const,
        },
      ]);
      const triageId = `manual~bench-${scenario}`;
      await activities.startTriageRun({
        triageId,
        workflowId: `triage/manual/bench-${scenario}`,
        source: 'manual',
        alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario }, annotations: { summary: 'shop answers 503' } },
        gate: { investigate: true, reason: 'bench' },
      });
      const totals = { input: 0, cacheCreation: 0, cacheRead: 0, output: 0 };
      for (let turn = 1; turn <= turns; turn += 1) {
        const result = (await new MockActivityEnvironment().run(activities.triageModelTurn, {
          triageId,
          turn,
          model: 'claude-sonnet-5-5',
          maxTokens: 4096,
          mode: 'tools',
        } satisfies ModelTurnInput)) as ModelTurnResult;
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.usage[key];
        for (const call of result.toolCalls) {
          await pool.query(`INSERT INTO triage_tool_calls (triage_id, tool_use_id, turn, name, input, status, output, full_output) VALUES ($1, $2, $3, $4, $5, 'ok', $6, $6)`, [
            triageId,
            call.id,
            turn,
            call.name,
            JSON.stringify(call.input),
            toolOutput(turn),
          ]);
        }
      }
      const billed = totals.input + totals.cacheCreation + totals.cacheRead;
      const cost = totals.input + 1.25 * totals.cacheCreation + 0.1 * totals.cacheRead;
      return { caching, ...totals, billed, cost: Math.round(cost) };
    }

    const off = await triage(false);
    const on = await triage(true);
    const ratio = Math.round((on.cost / off.cost) * 1000) / 10;
    if (args.includes('--json')) {
      console.log(JSON.stringify({ machine, turns, off, on, costRatioPercent: ratio }, null, 2));
      return;
    }
    console.log(`Triage prompt caching, ${turns} turns (${machine.date}, ${machine.cpuModel}, node ${machine.node})`);
    console.log(
      table([
        ['caching', 'input', 'cache creation', 'cache read', 'billed input', 'cost-weighted input', 'output'],
        ...[off, on].map((row) => [row.caching ? 'on' : 'off', row.input, row.cacheCreation, row.cacheRead, row.billed, row.cost, row.output]),
      ]),
    );
    console.log(`cost-weighted input with caching: ${ratio} % of without (goal ≤ 40 %)`);
  },
});
