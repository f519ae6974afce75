// The root-cause evaluation on the live shop (issue 17, item 4): `vigil up` as
// a user runs it (the shop under load, its Prometheus and Alertmanager, the
// shipped health and drift loops, the offline investigator), and per case a
// fault injected with vigil-demo, the alert it fires, the triage Alertmanager
// starts and the report it stores (bench/rca-live.ts). Each case is recorded
// (test/rca/cases/) with the RcaInput the triage's rank_suspects read; the
// ranking and the baselines are scored on the very same inputs and the figures
// over every recorded case go to docs/RCA-EVAL.md.
//   npm run eval:rca -- [--quick | --cases latency:payments,dependency:orders:inventory,… | --kinds a,b --services x,y]
//                       [--skip-recorded] [--limit N] [--record test/rca/cases] [--baseline-s 60] [--alert-wait-s 120]
//                       [--distractor-every 3] [--offline | --model NAME] [--llm-base-url URL] [--doc docs/RCA-EVAL.md] [--report-only]
// Mode: with ANTHROPIC_API_KEY in the environment (and no --offline) `vigil up`
// gets the key and the triages ask llm.model (--model NAME, else the config's
// default; --llm-base-url: a proxy in front of the API, llm.baseUrl): the model
// mode, its requests, tokens and dollars recorded per case
// beside the offline ranking replayed on the same input. Without a key the
// offline investigator writes the reports and the report says the model mode
// was skipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CALLEES, DEFAULT_SERVICE, FAULT_KINDS, faultProblem, isFaultKind, isService, SERVICES } from '../demo/shop/topology';
import { PROMETHEUS_BINARY } from '../test/helpers/prometheus';
import { describeMachine, intFlag, runBench } from './lib';
import { readCases } from './rca-cases';
import { caseName, runLiveCases, type PlannedCase } from './rca-live';
import { rcaevalBaro } from './rca-rcaeval';
import { writeReport } from './rca-report';
import { startShopStack } from './shop-stack';

const root = resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? undefined : args[at + 1];
};
const recordDir = resolve(flag('record') ?? join(root, 'test', 'rca', 'cases'));
/** Seconds of normal traffic after the previous case's rates flushed: the ranking's reference. */
const baselineS = intFlag(args, 'baseline-s', 60, 30);
const alertWaitS = intFlag(args, 'alert-wait-s', 120, 30);
const distractorEvery = intFlag(args, 'distractor-every', 3, 0);

/**
 * Every fault kind on every service that allows it (dependency: each callee),
 * kinds taken in turn so that a run cut short still covers every kind.
 */
function allCases(): PlannedCase[] {
  const byKind = FAULT_KINDS.map((fault) =>
    SERVICES.flatMap((service): PlannedCase[] =>
      fault === 'dependency' ? CALLEES[service].map((target) => ({ fault, service, target })) : faultProblem(service, fault, undefined) ? [] : [{ fault, service }],
    ),
  );
  const longest = Math.max(...byKind.map((cases) => cases.length));
  return Array.from({ length: longest }, (_, round) => byKind.flatMap((cases): PlannedCase[] => (cases[round] ? [cases[round]] : []))).flat();
}

/** Eight cases for a sitting (about 25 minutes): most kinds, several services. */
const QUICK = 'latency:payments,errors:inventory,crash:orders,cpu:inventory,memory:inventory,pool:db,dependency:orders:payments,config:payments';

function plannedCases(): PlannedCase[] {
  const list = flag('cases') ?? (args.includes('--quick') ? QUICK : undefined);
  let cases: PlannedCase[];
  if (list) {
    cases = list.split(',').map((text) => {
      const [fault, service = isFaultKind(fault) ? DEFAULT_SERVICE[fault] : '', target] = text.split(':');
      if (!isFaultKind(fault) || !isService(service) || (target !== undefined && !isService(target))) throw new Error(`bad case ${text}: want <kind>:<service>[:<target>]`);
      const problem = faultProblem(service, fault, target);
      if (problem) throw new Error(`bad case ${text}: ${problem}`);
      return { fault, service, ...(target ? { target } : {}) };
    });
  } else {
    const kinds = flag('kinds')?.split(',');
    const services = flag('services')?.split(',');
    cases = allCases().filter((c) => (!kinds || kinds.includes(c.fault)) && (!services || services.includes(c.service)));
  }
  if (args.includes('--skip-recorded')) {
    // A run cut short goes on where it stopped: a case already recorded live is not run again.
    const done = new Set(readCases(recordDir).flatMap((recorded) => (recorded.run.live ? [caseName(recorded.truth as PlannedCase)] : [])));
    cases = cases.filter((c) => !done.has(caseName(c)));
  }
  return cases.slice(0, intFlag(args, 'limit', cases.length));
}

/** The commit the code ran from; `+` when tracked files differed from it. */
function commitOf(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty=+', '--abbrev=7', '--exclude=*'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

void runBench({
  name: 'rca-eval',
  limitMs: 6 * 3600_000,
  async body(cleanup) {
    const say = (line: string) => console.error(`[rca-eval ${new Date().toISOString().slice(11, 19)}] ${line}`);
    const machine = await describeMachine({ prometheus: PROMETHEUS_BINARY });
    if (!args.includes('--report-only')) {
      const cases = plannedCases();
      say(`${cases.length} cases: ${cases.map(caseName).join(', ')}; recording to ${recordDir}`);
      mkdirSync(recordDir, { recursive: true });
      const modelKey = args.includes('--offline') ? undefined : process.env.ANTHROPIC_API_KEY || undefined;
      const model = modelKey ? (flag('model') ?? 'llm.model (the config default)') : undefined;
      say(modelKey ? `model mode: the triages ask ${model}` : 'offline mode: no ANTHROPIC_API_KEY (or --offline); the model mode is skipped');
      const stack = await startShopStack(cleanup, { rps: 10, say, modelKey, model: flag('model'), llmBaseUrl: flag('llm-base-url') });
      say(`vigil up in ${Math.round(stack.bannerMs / 1000)} s (data in ${stack.dataDir})`);
      await runLiveCases(say, stack, cases, { recordDir, commit: commitOf(), baselineS, alertWaitS, distractorEvery, model }, cleanup);
    }
    const recorded = readCases(recordDir);
    const rcaeval = await rcaevalBaro(recorded, say); // BARO by RCAEval itself (bench/rca-rcaeval.ts), an extra baseline column
    const text = writeReport({ recorded, machine, commit: commitOf(), recordDir, docPath: resolve(flag('doc') ?? join(root, 'docs', 'RCA-EVAL.md')) }, rcaeval);
    console.log(text);
  },
});
