// Anomaly detection on synthetic series: how many samples after a change the
// detector notices it, and how often it cries wolf on noise. Pure CPU, no
// servers. Each scenario runs over many seeds (a seeded PRNG, so every run
// prints the same figures) with the default rules, direction `up`, on a
// latency-like series around 100 with normal noise of a given coefficient of
// variation (CV = sd / mean), or log-normal noise.
//   node --import tsx bench/anomaly.ts -- [--seeds 200] [--json]
// Columns:
//   flag / degraded delay: samples from the first changed sample up to and
//     including the first `anomalous` verdict / the first `degraded` verdict
//     (so with consecutive = 3 the least possible degraded delay is 3);
//     a change not noticed within 300 samples counts as missed.
//   anomalous / degraded per 10k: on samples where nothing changed (after the
//     warm-up; for drift, the whole drifting series), anomalous verdicts and
//     entries into `degraded` per 10,000 samples.
import { DEFAULT_ANOMALY_RULES, initialBaseline, observe, type AnomalyRules } from '../lib/core/health/anomaly';
import { describeMachine, intFlag, percentile, runBench, table } from './lib';
import { seededRandom as mulberry32 } from '../lib/core/rca/stats';

/** Standard normal samples (Box–Muller) from a seeded PRNG. */
function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

interface Scenario {
  name: string;
  noise: string;
  length: number;
  /** Index of the first changed sample, if the scenario has one to detect. */
  changeAt?: number;
  /** Samples that are not "nothing changed" (the step and after, the spikes). */
  changed: (i: number) => boolean;
  value: (i: number, z: number) => number;
}

const BASE = 100;
const WARMUP = DEFAULT_ANOMALY_RULES.warmupSamples;

function normal(cv: number): { noise: string; at: (level: number, z: number) => number } {
  return { noise: `normal CV ${cv * 100}%`, at: (level, z) => level + cv * BASE * z };
}

function logNormal(sigma: number): { noise: string; at: (level: number, z: number) => number } {
  return { noise: `log-normal σ ${sigma}`, at: (level, z) => level * Math.exp(sigma * z - (sigma * sigma) / 2) };
}

function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  const changeAt = 500;
  // Normal noise: the score is scale-free, so every CV gives the same figures; log-normal's skew grows with σ.
  for (const shape of [normal(0.1), logNormal(0.1), logNormal(0.3), logNormal(0.5)]) {
    list.push({ name: 'noise', noise: shape.noise, length: 10_000, changed: () => false, value: (_, z) => shape.at(BASE, z) });
  }
  for (const step of [0.5, 1, 2]) {
    for (const shape of [normal(0.05), normal(0.1), normal(0.2), logNormal(0.3)]) {
      list.push({
        name: `step +${step * 100}%`,
        noise: shape.noise,
        length: changeAt + 300,
        changeAt,
        changed: (i) => i >= changeAt,
        value: (i, z) => shape.at(i >= changeAt ? BASE * (1 + step) : BASE, z),
      });
    }
  }
  for (const over of [2_000, 500]) {
    for (const shape of [normal(0.1)]) {
      list.push({
        name: `drift +100% over ${over}`,
        noise: shape.noise,
        length: changeAt + over + 500,
        changed: () => false,
        value: (i, z) => shape.at(BASE * (1 + Math.min(1, Math.max(0, i - changeAt) / over)), z),
      });
    }
  }
  for (const shape of [normal(0.1), logNormal(0.3)]) {
    list.push({
      name: 'spikes ×5 every 100',
      noise: shape.noise,
      length: 10_000,
      changed: (i) => i >= changeAt && i % 100 === 0,
      value: (i, z) => shape.at(i >= changeAt && i % 100 === 0 ? BASE * 5 : BASE, z),
    });
  }
  return list;
}

interface Result {
  scenario: string;
  noise: string;
  seeds: number;
  detectedPercent: number | null;
  flagDelay: { median: number; p90: number } | null;
  degradedDelay: { median: number; p90: number } | null;
  anomalousPer10k: number;
  degradedPer10k: number;
  /** Spikes: share of spikes flagged anomalous. */
  spikesFlaggedPercent: number | null;
}

function run(scenario: Scenario, seeds: number, rules: AnomalyRules): Result {
  const flagDelays: number[] = [];
  const degradedDelays: number[] = [];
  let quiet = 0;
  let falseAnomalous = 0;
  let falseDegraded = 0;
  let spikes = 0;
  let spikesFlagged = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const z = gaussian(seed * 7919 + scenario.length);
    let state = initialBaseline();
    let flagged: number | undefined;
    let degraded: number | undefined;
    let wasDegraded = false;
    for (let i = 0; i < scenario.length; i++) {
      const result = observe(state, scenario.value(i, z()), rules);
      state = result.state;
      const { status, degraded: isDegraded } = result.verdict;
      const changed = scenario.changed(i);
      if (i >= WARMUP && !changed && (scenario.changeAt === undefined || i < scenario.changeAt)) {
        quiet++;
        if (status === 'anomalous') falseAnomalous++;
        if (isDegraded && !wasDegraded) falseDegraded++;
      }
      if (changed && scenario.changeAt === undefined) {
        spikes++;
        if (status === 'anomalous') spikesFlagged++;
      }
      if (scenario.changeAt !== undefined && i >= scenario.changeAt) {
        const delay = i - scenario.changeAt + 1;
        if (flagged === undefined && status === 'anomalous') flagged = delay;
        if (degraded === undefined && isDegraded) degraded = delay;
      }
      wasDegraded = isDegraded;
    }
    if (flagged !== undefined) flagDelays.push(flagged);
    if (degraded !== undefined) degradedDelays.push(degraded);
  }
  const delays = (values: number[]) => (values.length ? { median: percentile(values, 50), p90: percentile(values, 90) } : null);
  const per10k = (n: number) => Math.round((n / Math.max(1, quiet)) * 10_000 * 100) / 100;
  return {
    scenario: scenario.name,
    noise: scenario.noise,
    seeds,
    detectedPercent: scenario.changeAt === undefined ? null : Math.round((100 * degradedDelays.length) / seeds),
    flagDelay: scenario.changeAt === undefined ? null : delays(flagDelays),
    degradedDelay: scenario.changeAt === undefined ? null : delays(degradedDelays),
    anomalousPer10k: per10k(falseAnomalous),
    degradedPer10k: per10k(falseDegraded),
    spikesFlaggedPercent: spikes ? Math.round((1000 * spikesFlagged) / spikes) / 10 : null,
  };
}

void runBench({
  name: 'anomaly',
  limitMs: 600_000,
  body: async () => {
    const args = process.argv.slice(2);
    const seeds = intFlag(args, 'seeds', 200);
    const machine = await describeMachine();
    const rules = { ...DEFAULT_ANOMALY_RULES };
    const started = performance.now();
    const results = scenarios().map((scenario) => run(scenario, seeds, rules));
    const elapsedMs = performance.now() - started;
    if (args.includes('--json')) {
      console.log(JSON.stringify({ machine, rules, results, elapsedMs }, null, 2));
      return;
    }
    const show = (value: number | null | undefined) => (value === null || value === undefined ? '–' : String(value));
    console.log(
      `machine: ${machine.date}, ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
        `load ${machine.loadAverage1m}, ${machine.cpuBusyPercent}% busy before the start`,
    );
    console.log(`rules: ${JSON.stringify(rules)}; ${seeds} seeds per scenario; ${Math.round(elapsedMs)} ms in all\n`);
    console.log(
      table([
        ['scenario', 'noise', 'detected %', 'flag delay p50', 'p90', 'degraded delay p50', 'p90', 'spikes flagged %', 'anomalous /10k', 'degraded /10k'],
        ...results.map((r) => [
          r.scenario,
          r.noise,
          show(r.detectedPercent),
          show(r.flagDelay?.median),
          show(r.flagDelay?.p90),
          show(r.degradedDelay?.median),
          show(r.degradedDelay?.p90),
          show(r.spikesFlaggedPercent),
          r.anomalousPer10k,
          r.degradedPer10k,
        ]),
      ]),
    );
  },
});
