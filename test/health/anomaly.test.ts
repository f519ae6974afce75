// Anomaly maths on synthetic, seeded series: step change, slow drift, spike,
// noise, warm-up, direction, a flat series, continue-as-new (JSON round trip)
// and determinism. Pure functions: no Temporal, no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alphaForHalfLife,
  anomalyRuleProblems,
  anomalyRules,
  DEFAULT_ANOMALY_RULES,
  initialBaseline,
  initialWindow,
  observe,
  pushCounts,
  type AnomalyRules,
  type AnomalyVerdict,
  type BaselineState,
  type CountWindow,
} from '../../lib/core/health/anomaly';
import { seededRandom as mulberry32 } from '../../lib/core/rca/stats';

/** `length` samples of mean + sd · N(0, 1) (Box–Muller), the same for the same seed. */
function noise(seed: number, length: number, mean: number, sd: number): number[] {
  const uniform = mulberry32(seed);
  return Array.from({ length }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** Runs the detector over a series from a fresh (or given) baseline. */
function run(values: number[], rules: AnomalyRules = DEFAULT_ANOMALY_RULES, start: BaselineState = initialBaseline()) {
  let state = start;
  const verdicts: AnomalyVerdict[] = [];
  for (const value of values) {
    const result = observe(state, value, rules);
    state = result.state;
    verdicts.push(result.verdict);
  }
  return { state, verdicts };
}

const rules = (partial: Partial<AnomalyRules> = {}) => anomalyRules(partial);
const firstIndex = (verdicts: AnomalyVerdict[], from: number, test: (v: AnomalyVerdict) => boolean) => verdicts.findIndex((verdict, i) => i >= from && test(verdict));

describe('baseline and verdicts', () => {
  it('says warming-up, and nothing else, for the first warmupSamples samples', () => {
    const series = [...noise(1, 10, 100, 5), 10_000, ...noise(2, 20, 100, 5)];
    const { verdicts } = run(series, rules({ warmupSamples: 15 }));
    assert.deepEqual(
      verdicts.slice(0, 15).map((v) => v.status),
      Array(15).fill('warming-up'),
    );
    assert.ok(verdicts.slice(0, 15).every((v) => !v.degraded && v.score === 0 && v.streak === 0));
    assert.ok(verdicts.slice(15).every((v) => v.status === 'normal' || v.status === 'anomalous'));
  });

  it('learns the level and spread of the warm-up without leaning on the first sample', () => {
    const { state } = run([1000, ...noise(3, 19, 100, 10)], rules({ warmupSamples: 20 }));
    // A running mean over 20 samples: the outlier weighs 1/20, not 1 − (1 − alpha)^19.
    assert.ok(state.mean > 100 && state.mean < 160, `mean ${state.mean}`);
  });

  it('notices a step change within a few samples and reports degraded after `consecutive`', () => {
    for (const [seed, step] of [
      [11, 1.5],
      [12, 2],
      [13, 3],
    ]) {
      const series = [...noise(seed, 300, 100, 10), ...noise(seed + 100, 50, 100 * step, 10)];
      const { verdicts } = run(series);
      assert.ok(
        verdicts.slice(20, 300).every((v) => !v.degraded),
        `no degraded before the step (seed ${seed})`,
      );
      const flagged = firstIndex(verdicts, 300, (v) => v.status === 'anomalous') - 300 + 1;
      const degraded = firstIndex(verdicts, 300, (v) => v.degraded) - 300 + 1;
      assert.ok(flagged >= 1 && flagged <= 2, `step ×${step}: flagged after ${flagged} samples`);
      assert.ok(degraded >= 3 && degraded <= 5, `step ×${step}: degraded after ${degraded} samples`);
      const anomalous = verdicts[300 + degraded - 1];
      assert.ok(anomalous.score > 3 && anomalous.value > anomalous.expected.high);
    }
  });

  it('does not absorb a sustained step quickly: still degraded 100 samples later, then learnt in the end', () => {
    const series = [...noise(21, 300, 100, 10), ...noise(22, 2_000, 200, 10)];
    const { verdicts, state } = run(series);
    assert.ok(
      verdicts.slice(303, 400).every((v) => v.degraded),
      'degraded through the first 100 samples of the step',
    );
    // Clipped and at a tenth of the weight, the mean has moved only a little after 100 samples.
    const after100 = verdicts[400].expected.mean;
    assert.ok(after100 < 110, `mean after 100 anomalous samples: ${after100}`);
    // After long enough the new level is the baseline (a deploy that made a call slower).
    assert.ok(verdicts.slice(-500).every((v) => !v.degraded));
    assert.ok(Math.abs(state.mean - 200) < 5, `mean at the end ${state.mean}`);
  });

  it('follows a slow drift without an alarm', () => {
    // +100% over 2,000 samples: 0.005 sd a sample.
    const drift = noise(31, 2_500, 0, 10).map((z, i) => 100 * (1 + Math.min(1, i / 2_000)) + z);
    const { verdicts, state } = run(drift);
    assert.ok(verdicts.every((v) => !v.degraded));
    assert.ok(Math.abs(state.mean - 200) < 5, `baseline followed the drift to ${state.mean}`);
  });

  it('flags a single spike, but one spike (or two) never makes it degraded, and the band does not widen', () => {
    const series = noise(41, 400, 100, 10);
    series[300] = 1_000;
    series[350] = 900;
    series[351] = 900;
    const { verdicts } = run(series);
    assert.equal(verdicts[300].status, 'anomalous');
    assert.equal(verdicts[300].streak, 1);
    assert.equal(verdicts[351].streak, 2);
    assert.ok(verdicts.every((v) => !v.degraded));
    // The spike moved the mean by less than a spread and left the spread alone.
    const before = verdicts[300].expected;
    const after = verdicts[301].expected;
    assert.ok(Math.abs(after.mean - before.mean) < 0.1 * before.spread);
    assert.equal(after.spread, before.spread);
  });

  it('keeps false positives on pure noise below a bound over 5,000 samples', () => {
    let anomalous = 0;
    let degradedEntries = 0;
    for (const seed of [51, 52, 53, 54]) {
      const { verdicts } = run(noise(seed, 5_000, 100, 10));
      anomalous += verdicts.filter((v) => v.status === 'anomalous').length;
      degradedEntries += verdicts.filter((v, i) => v.degraded && !verdicts[i - 1]?.degraded).length;
    }
    // One-sided 3 sd on normal noise is 13.5 per 10,000; the estimated spread adds some.
    assert.ok(anomalous / 20_000 < 40 / 10_000, `anomalous ${anomalous} of 20,000`);
    assert.equal(degradedEntries, 0);
  });

  it('judges only the watched direction', () => {
    const drop = [...noise(61, 100, 100, 5), ...noise(62, 200, 30, 5)];
    const rise = [...noise(61, 100, 100, 5), ...noise(62, 200, 170, 5)];
    assert.ok(
      run(drop, rules({ direction: 'up' })).verdicts.every((v) => v.status !== 'anomalous'),
      'latency drop with up',
    );
    assert.ok(
      run(rise, rules({ direction: 'down' })).verdicts.every((v) => v.status !== 'anomalous'),
      'throughput rise with down',
    );
    assert.ok(
      run(drop, rules({ direction: 'down' }))
        .verdicts.slice(100)
        .every((v) => v.degraded || v.streak > 0),
    );
    for (const series of [drop, rise]) {
      assert.ok(run(series, rules({ direction: 'both' })).verdicts[102].degraded);
    }
    // A drop the detector was not watching becomes the new baseline at full weight.
    assert.ok(Math.abs(run(drop, rules({ direction: 'up' })).state.mean - 30) < 10);
  });

  it('does not flag tiny wiggles on a flat series when a spread floor is set', () => {
    const flat = [...Array(100).fill(50), 50.001, 49.999, 50.4, 50, 51.9];
    const plain = run(flat, rules({ minSpread: 0, minRelativeSpread: 0 }));
    assert.equal(plain.verdicts[100].status, 'anomalous', 'without a floor any wiggle is infinitely many spreads');
    const floored = run(flat, rules({ minSpread: 1, minRelativeSpread: 0 }));
    assert.ok(floored.verdicts.every((v) => v.status !== 'anomalous'));
    assert.equal(floored.verdicts[100].expected.spread, 1);
    assert.ok(run([...flat, 53.1], rules({ minSpread: 1, minRelativeSpread: 0 })).verdicts.at(-1)!.status === 'anomalous');
    // The relative floor: 2 % of 50 = 1.
    assert.equal(run(flat, rules({ minSpread: 0, minRelativeSpread: 0.02 })).verdicts[100].expected.spread, 1);
  });

  it('ignores values that are not finite numbers and keeps the state as it was', () => {
    const { state } = run(noise(71, 50, 100, 5));
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = observe(state, value);
      assert.equal(result.verdict.status, 'ignored');
      assert.equal(result.state, state);
    }
  });

  it('behaves the same after the state went through JSON (continue-as-new)', () => {
    const series = [...noise(81, 300, 100, 10), ...noise(82, 10, 250, 10), ...noise(83, 200, 100, 10)];
    const whole = run(series);
    for (const cut of [5, 150, 302, 305]) {
      const first = run(series.slice(0, cut));
      const carried = JSON.parse(JSON.stringify(first.state)) as BaselineState;
      assert.deepEqual(carried, first.state);
      const second = run(series.slice(cut), DEFAULT_ANOMALY_RULES, carried);
      assert.deepEqual([...first.verdicts, ...second.verdicts], whole.verdicts, `cut at ${cut}`);
      assert.deepEqual(second.state, whole.state);
    }
  });

  it('is deterministic and never mutates its input', () => {
    const series = [...noise(91, 200, 100, 10), ...noise(92, 50, 300, 10)];
    assert.deepEqual(run(series), run(series));
    const state = run(series).state;
    const copy = structuredClone(state);
    observe(state, 5_000);
    assert.deepEqual(state, copy);
  });
});

describe('rules', () => {
  it('fills defaults and lists problems by field', () => {
    assert.deepEqual(anomalyRules(), { ...DEFAULT_ANOMALY_RULES });
    assert.equal(anomalyRules({ k: 5, direction: undefined }).direction, 'up');
    assert.deepEqual(anomalyRuleProblems(anomalyRules()), []);
    assert.deepEqual(anomalyRuleProblems(anomalyRules({ k: 0, consecutive: 1.5, direction: 'sideways' as never, halfLife: Number.NaN })), [
      'halfLife: must be a number ≥ 1',
      'k: must be a number > 0',
      'consecutive: must be an integer ≥ 1',
      'direction: must be up, down or both',
    ]);
    assert.ok(Math.abs(alphaForHalfLife(1) - 0.5) < 1e-12);
  });
});

describe('sliding window of counts', () => {
  it('gives the error rate and throughput over the last N samples, bounded', () => {
    let window: CountWindow = initialWindow();
    const rates = [];
    for (const [total, errors] of [
      [100, 0],
      [100, 10],
      [50, 50],
      [0, 0],
      [200, 2],
    ]) {
      const result = pushCounts(window, { total, errors, seconds: 10 }, 3);
      window = result.window;
      rates.push(result.rates);
    }
    assert.deepEqual(window, { total: [50, 0, 200], errors: [50, 0, 2], seconds: [10, 10, 10] });
    assert.deepEqual(rates[1], { samples: 2, total: 200, errors: 10, errorRate: 0.05, throughput: 10, perSecond: true });
    assert.deepEqual(rates[4], { samples: 3, total: 250, errors: 52, errorRate: 52 / 250, throughput: 250 / 30, perSecond: true });
    assert.deepEqual(JSON.parse(JSON.stringify(window)), window);
  });

  it('has no error rate without requests, counts per sample without seconds, and cleans bad counts', () => {
    const empty = pushCounts(initialWindow(), { total: 0 }, 5).rates;
    assert.equal(empty.errorRate, null);
    assert.equal(empty.throughput, 0);
    const { window, rates } = pushCounts(initialWindow(), { total: -3, errors: Number.NaN }, 5);
    assert.deepEqual(window, { total: [0], errors: [0], seconds: [0] });
    assert.equal(rates.perSecond, false);
    const more = pushCounts(pushCounts(initialWindow(), { total: 10, errors: 20 }, 5).window, { total: 30 }, 5).rates;
    assert.deepEqual(more, { samples: 2, total: 40, errors: 10, errorRate: 0.25, throughput: 20, perSecond: false });
  });

  it('feeds the baseline: a rising error rate is degraded, a falling throughput with direction down too', () => {
    let window = initialWindow();
    let errorBaseline = initialBaseline();
    let throughputBaseline = initialBaseline();
    const requests = noise(101, 260, 1_000, 30);
    const errorRules = rules({ minSpread: 0.001 });
    const throughputRules = rules({ direction: 'down' });
    let errorDegraded = -1;
    let throughputDegraded = -1;
    for (let i = 0; i < requests.length; i++) {
      const total = Math.round(i >= 200 ? requests[i] / 2 : requests[i]);
      const errors = Math.round(total * (i >= 200 ? 0.05 : 0.002) + (i % 3));
      const pushed = pushCounts(window, { total, errors, seconds: 10 }, 6);
      window = pushed.window;
      const error = observe(errorBaseline, pushed.rates.errorRate!, errorRules);
      errorBaseline = error.state;
      const throughput = observe(throughputBaseline, pushed.rates.throughput!, throughputRules);
      throughputBaseline = throughput.state;
      if (errorDegraded < 0 && error.verdict.degraded) errorDegraded = i;
      if (throughputDegraded < 0 && throughput.verdict.degraded) throughputDegraded = i;
    }
    assert.ok(errorDegraded >= 200 && errorDegraded <= 205, `error rate degraded at ${errorDegraded}`);
    assert.ok(throughputDegraded >= 200 && throughputDegraded <= 205, `throughput degraded at ${throughputDegraded}`);
  });
});
