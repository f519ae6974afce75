// Orchestration overhead per triage turn: what the investigation loop itself
// costs (Temporal round trips, workflow tasks, the LLM activity's transcript
// reads and writes in PostgreSQL, the SDK call, the tool activity's bookkeeping)
// when the model answers instantly. The project's worker set runs real
// triages (bench/stack.ts: in-memory dev server, embedded PostgreSQL) against
// the Messages API fixture the triage tests use, in this process. Each triage
// is scripted to N turns: turns 1…N−1 call one cheap tool (get_runbook, then
// vigil_recent_actions), turn N answers.
//   node --import tsx bench/triage-turn-overhead.ts -- [--turns 10] [--triages 20] [--warmup 3] [--dynamic-config KEY=VALUE]… [--timeout-s 900] [--json]
// Per triage: (start → workflow result, wall clock) − time inside the fixture
// (its own receivedAt → answeredAt per request) − time inside the tools
// (triage_tool_calls.duration_ms), divided by N. Goal ≤ 30 ms.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { manualWorkflowId, triageIdOf } from '../lib/core/triage/ids';
import { triageSettings } from '../lib/core/triage/settings';
import { startAnthropicFixture, type Reply } from '../test/fixtures/anthropic';
import { triageWorkflow } from '../workflows';
import { taskQueues } from '../workflows/messages';
import { historyTimings, intFlag, runBench, summarize, table, watchCpu, type LatencySummary } from './lib';
import { startBenchStack } from './stack';

const args = process.argv.slice(2);
const settings = {
  turns: Math.max(2, intFlag(args, 'turns', 10)),
  triages: intFlag(args, 'triages', 20),
  warmup: args.includes('--warmup') ? Number(args[args.indexOf('--warmup') + 1]) || 0 : 3,
  /** Dev-server dynamic config (`--dynamic-config KEY=VALUE`, repeatable), for experiments. */
  dynamicConfig: args.flatMap((arg, index) => (arg === '--dynamic-config' && args[index + 1] ? [args[index + 1]] : [])),
};
const json = args.includes('--json');
const GOAL_MS = 30;
const say = (line: string) => console.error(`[triage-turn-overhead] ${line}`);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** One triage's figures, all in ms per turn except where named. */
interface Measured {
  wallMs: number;
  overhead: number;
  wall: number;
  fixture: number;
  tools: number;
  workflowTaskDispatch: number;
  workflowTaskRun: number;
  activityDispatch: number;
  modelActivityMinusFixture: number;
  toolActivityMinusTool: number;
  otherActivities: number;
  outsideHistory: number;
  workflowTasks: number;
  activities: number;
  /** Each dispatch of this triage, ms (not per turn). */
  eachWorkflowTaskDispatch: number[];
  eachActivityDispatch: number[];
}

void runBench({
  name: 'triage-turn-overhead',
  limitMs: intFlag(args, 'timeout-s', 900) * 1000,
  async body(cleanup) {
    const anthropic = await startAnthropicFixture();
    cleanup.defer('Anthropic fixture', () => anthropic.close());
    const runbooks = mkdtempSync(join(tmpdir(), 'vigil-bench-runbooks-'));
    cleanup.defer('runbooks dir', () => rmSync(runbooks, { recursive: true, force: true }));
    writeFileSync(join(runbooks, 'ShopDown.md'), '# ShopDown\n\n1. Check the database pool (shop_db_pool_in_use).\n2. Restart shop if the pool is stuck.\n');
    process.env.BENCH_ANTHROPIC_KEY = 'sk-ant-bench-0123456789';
    const { machine, client, pool, config, prefix, workersStopped } = await startBenchStack(cleanup, {
      say,
      devServerArgs: settings.dynamicConfig.flatMap((setting) => ['--dynamic-config-value', setting]),
      config: { llm: { baseUrl: anthropic.baseURL, apiKeyEnv: 'BENCH_ANTHROPIC_KEY', sources: { runbooksDir: runbooks } } },
    });
    const base = triageSettings(config, { namespace: 'default' });
    const triageSettingsForBench = {
      ...base,
      // Enough budget that no turn is cut short: the script decides when the triage ends.
      budgets: { ...base.budgets, maxToolCalls: Math.max(base.budgets.maxToolCalls, settings.turns + 5), maxInputTokens: Math.max(base.budgets.maxInputTokens, settings.turns * 20_000) },
    };

    const script = (scenario: string): Reply[] => [
      ...Array.from({ length: settings.turns - 1 }, (_, index): Reply => ({
        content: [
          { type: 'text', text: `Turn ${index + 1}: looking.` },
          index === 0
            ? { type: 'tool_use', id: `toolu_${scenario}_${index + 1}`, name: 'get_runbook', input: {} }
            : // A different window each turn: an identical repeated call would be refused, not run.
              { type: 'tool_use', id: `toolu_${scenario}_${index + 1}`, name: 'vigil_recent_actions', input: { service: 'shop', hours: index } },
        ],
        stop_reason: 'tool_use',
      })),
      {
        content: [{ type: 'text', text: 'Done.\n```json\n{"summary":"pool exhausted","rootCause":"connection leak","evidence":[],"confidence":"medium","nextSteps":[]}\n```' }],
        stop_reason: 'end_turn',
      },
    ];

    let serial = 0;
    /** Tools run as local activities (inside workflow tasks), not as activity tasks of their own. */
    let toolsRanLocally = false;
    async function triage(): Promise<Measured> {
      const scenario = `turn-${prefix}-${++serial}`;
      anthropic.script(scenario, script(scenario));
      const workflowId = manualWorkflowId(scenario);
      const triageId = triageIdOf(workflowId);
      const startedAt = performance.now();
      const handle = await client.workflow.start(triageWorkflow, {
        taskQueue: taskQueues(prefix).workflows,
        workflowId,
        args: [{ alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario }, annotations: { summary: 'shop answers 503' } }, source: 'manual', settings: triageSettingsForBench }],
      });
      const result = await Promise.race([handle.result(), workersStopped]);
      const wallMs = performance.now() - startedAt;
      if (result.status !== 'completed') throw new Error(`triage ${triageId} ended ${result.status}, not completed`);
      const requests = anthropic.requests.filter((request) => request.scenario === scenario);
      if (requests.length !== settings.turns || requests.some((request) => request.status !== 200)) {
        throw new Error(`triage ${triageId}: ${requests.length} model requests (statuses ${requests.map((request) => request.status).join(',')}), want ${settings.turns} answered 200`);
      }
      const fixtureMs = sum(requests.map((request) => request.answeredAt! - request.receivedAt));
      const { rows } = await pool.query<{ status: string; duration_ms: number | null }>('SELECT status, duration_ms FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
      if (rows.length !== settings.turns - 1 || rows.some((row) => row.status !== 'ok')) {
        throw new Error(`triage ${triageId}: tool calls ${JSON.stringify(rows)}, want ${settings.turns - 1} ok`);
      }
      const toolMs = sum(rows.map((row) => row.duration_ms ?? 0));

      // The server's view of the same triage.
      const history = await historyTimings(handle);
      const run = (type: string) => sum(history.activityRun[type] ?? []);
      const others = Object.entries(history.activityRun).filter(([type]) => type !== 'triageModelTurn' && type !== 'runTriageTool');
      const perTurn = (ms: number) => ms / settings.turns;
      toolsRanLocally = !history.activityRun.runTriageTool;
      return {
        wallMs,
        overhead: perTurn(wallMs - fixtureMs - toolMs),
        wall: perTurn(wallMs),
        fixture: perTurn(fixtureMs),
        tools: perTurn(toolMs),
        workflowTaskDispatch: perTurn(sum(history.workflowTaskDispatch)),
        workflowTaskRun: perTurn(sum(history.workflowTaskRun) - (toolsRanLocally ? toolMs : 0)),
        activityDispatch: perTurn(sum(history.activityDispatch)),
        modelActivityMinusFixture: perTurn(run('triageModelTurn') - fixtureMs),
        toolActivityMinusTool: toolsRanLocally ? 0 : perTurn(run('runTriageTool') - toolMs),
        otherActivities: perTurn(sum(others.flatMap(([, values]) => values))),
        outsideHistory: perTurn(wallMs - history.spanMs),
        workflowTasks: history.workflowTaskRun.length,
        activities: history.activityDispatch.length,
        eachWorkflowTaskDispatch: history.workflowTaskDispatch,
        eachActivityDispatch: history.activityDispatch,
      };
    }

    say(`${settings.turns}-turn triages (${settings.turns - 1} tool turns + an answer); ${settings.warmup} warm-up, ${settings.triages} measured`);
    for (let index = 0; index < settings.warmup; index++) await triage();
    const measured: Measured[] = [];
    const cpu = watchCpu();
    for (let index = 0; index < settings.triages; index++) {
      measured.push(await triage());
      const last = measured.at(-1)!;
      say(`triage ${index + 1}/${settings.triages}: ${last.wallMs.toFixed(0)} ms, overhead ${last.overhead.toFixed(1)} ms/turn`);
    }
    const cpuShare = cpu();

    const of = (key: Exclude<keyof Measured, `each${string}`>) => summarize(measured.map((m) => m[key]));
    const breakdown = {
      wall: of('wall'),
      fixture: of('fixture'),
      tools: of('tools'),
      workflowTaskDispatch: of('workflowTaskDispatch'),
      workflowTaskRun: of('workflowTaskRun'),
      activityDispatch: of('activityDispatch'),
      modelActivityMinusFixture: of('modelActivityMinusFixture'),
      toolActivityMinusTool: of('toolActivityMinusTool'),
      otherActivities: of('otherActivities'),
      outsideHistory: of('outsideHistory'),
    };
    const overhead = of('overhead');
    const met = overhead.medianMs <= GOAL_MS;
    const result = {
      bench: 'triage-turn-overhead',
      machine,
      settings,
      perTriage: { wallMs: summarize(measured.map((m) => m.wallMs)), workflowTasks: measured[0].workflowTasks, activities: measured[0].activities },
      overheadPerTurn: overhead,
      breakdownPerTurn: breakdown,
      eachDispatch: {
        workflowTask: summarize(measured.flatMap((m) => m.eachWorkflowTaskDispatch)),
        activity: summarize(measured.flatMap((m) => m.eachActivityDispatch)),
      },
      cpu: cpuShare,
      goal: { medianMsPerTurn: GOAL_MS },
      goalMet: met,
    };
    if (json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const m = machine;
    console.log(`date ${m.date} · nproc ${m.nproc} · ${m.cpuModel} · ${m.memoryGiB} GiB · node ${m.node} · ${m.temporal}`);
    console.log(`before start: load average ${m.loadAverage1m}, CPU ${m.cpuBusyPercent}% busy`);
    console.log(
      `${settings.turns}-turn triages (${settings.turns - 1} × one tool_use, then the answer), zero-latency model fixture; ${settings.warmup} warm-up, ${settings.triages} measured; ` +
        `${settings.dynamicConfig.length ? `dynamic config ${settings.dynamicConfig.join(' ')}; ` : ''}` +
        `per triage ${result.perTriage.workflowTasks} workflow tasks and ${result.perTriage.activities} activities; triage wall median ${result.perTriage.wallMs.medianMs} ms\n`,
    );
    const row = (name: string, s: LatencySummary) => [name, s.runs, s.medianMs, s.p90Ms, s.p99Ms, s.maxMs];
    console.log(
      table([
        ['per turn (ms)', 'triages', 'median', 'p90', 'p99', 'max'],
        row('overhead (wall − fixture − tools) / turns', overhead),
        row('wall / turns', breakdown.wall),
        row('inside the model fixture', breakdown.fixture),
        row('inside tools (duration_ms)', breakdown.tools),
        row('history: workflow task dispatch', breakdown.workflowTaskDispatch),
        row(toolsRanLocally ? 'history: workflow task run − tools (local)' : 'history: workflow task run', breakdown.workflowTaskRun),
        row('history: activity dispatch', breakdown.activityDispatch),
        row('history: LLM activity − fixture', breakdown.modelActivityMinusFixture),
        ...(toolsRanLocally ? [] : [row('history: tool activity − tool', breakdown.toolActivityMinusTool)]),
        row('history: other activities', breakdown.otherActivities),
        row('client: outside the history span', breakdown.outsideHistory),
      ]),
    );
    console.log('');
    console.log(
      table([
        ['each dispatch (ms)', 'dispatches', 'median', 'p90', 'p99', 'max'],
        row('workflow task scheduled → started', result.eachDispatch.workflowTask),
        row('activity task scheduled → started', result.eachDispatch.activity),
      ]),
    );
    console.log(`\nCPU while measuring: ${cpuShare.busyPercent}% busy, bench ${cpuShare.ownPercent}%, others ${cpuShare.othersPercent}%`);
    console.log(`goal (overhead median ≤ ${GOAL_MS} ms per turn): ${met ? 'met' : 'not met'}`);
    if (cpuShare.othersPercent > 10) console.log(`warning: other processes used ${cpuShare.othersPercent}% of the CPU while measuring; figures are skewed`);
  },
});
