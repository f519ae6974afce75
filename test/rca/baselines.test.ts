// The baselines (random, most alerts, max |z|, BARO), AC@k / Avg@k, and the
// confidence rule, on tiny examples computed by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baroRanking, detectOnset, maxZRanking, metricsOf, mostAlertsRanking, randomRanking, servicesOf } from '../../lib/core/rca/baselines';
import { acAtK, avgAtK, hitAtK } from '../../lib/core/rca/evaluate';
import { confidenceFor, describeRanking, NOT_DETERMINED, rootCauseText, verdictOf } from '../../lib/core/rca/report';
import type { RcaInput, Series } from '../../lib/core/rca/types';

const AT = 10_000;
const points = (values: number[], from: number): Series => values.map((value, index) => [from + index * 10, value] as const);

/**
 * a: before [1 2 3 4 5] (median 3, IQR 2, mean 3, sd √2), after [3 9];
 * b: before [10 10 10 10 10] (IQR 0 and sd 0: both count as 1), after [12];
 * c: only in the call graph.
 */
const tiny: RcaInput = {
  alert: { labels: {} },
  at: AT,
  window: { before: 600, after: 300 },
  services: [
    { service: 'b', signals: { cpu: [...points([10, 10, 10, 10, 10], AT - 50), [AT, 12]] } },
    { service: 'a', signals: { latency_p95: [...points([1, 2, 3, 4, 5], AT - 50), ...points([3, 9], AT)] } },
  ],
  callees: { a: ['b'], c: ['a'] },
  alerts: [
    { service: 'b', name: 'X', at: AT },
    { service: 'a', name: 'Y', at: AT + 10 },
    { service: 'a', name: 'Z', at: AT + 20 },
    { service: 'c', name: 'old', at: AT - 5000 },
  ],
};

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('baselines', { timeout: 30_000 }, () => {
  it('every service of the input, data or graph only, sorted; each series a metric named as RCAEval names columns', () => {
    assert.deepEqual(servicesOf(tiny), ['a', 'b', 'c']);
    assert.deepEqual(
      metricsOf({ ...tiny, services: [{ service: 'o', signals: { cpu: [] }, clientErrors: { db: [] } }] }).map((metric) => `${metric.service}_${metric.metric}`),
      ['o_cpu', 'o_client_error_ratio:db'],
    );
  });

  it('BARO: max after the onset of |x − median_before| / IQR_before, the best metric per service', () => {
    const ranking = baroRanking(tiny, AT);
    assert.deepEqual(ranking, [
      { service: 'a', score: 3 }, // |9 − 3| / 2
      { service: 'b', score: 2 }, // |12 − 10| / 1 (IQR 0 counts as 1)
      { service: 'c', score: 0 },
    ]);
  });

  it('max |z|: max after the onset of |x − mean_before| / sd_before', () => {
    const [a, b, c] = maxZRanking(tiny, AT);
    assert.equal(a.service, 'a');
    close(a.score, 6 / Math.SQRT2);
    assert.deepEqual(
      [b, c],
      [
        { service: 'b', score: 2 },
        { service: 'c', score: 0 },
      ],
    );
  });

  it('the split moves with the onset; without one it is the earliest robust onset, else the time of interest', () => {
    // Splitting at AT + 10 puts a's 3 into the baseline, 1 2 3 3 4 5: median 3, Q1 2.25, Q3 3.75, IQR 1.5 → 6 / 1.5.
    assert.equal(baroRanking(tiny, AT + 10)[0].score, 4);
    assert.equal(detectOnset(tiny), AT, 'too few points to judge: the time of interest');
    const step: RcaInput = {
      ...tiny,
      services: [{ service: 'a', signals: { error_ratio: points([...Array(60).fill(0), ...Array(31).fill(0.5)], AT - 600) } }],
    };
    assert.equal(detectOnset(step), AT);
  });

  it('most alerts: counts alerts in the window, ties by name, alerts outside the window ignored', () => {
    assert.deepEqual(mostAlertsRanking(tiny), [
      { service: 'a', score: 2 },
      { service: 'b', score: 1 },
      { service: 'c', score: 0 },
    ]);
    assert.deepEqual(
      mostAlertsRanking({ ...tiny, alerts: [] }).map((entry) => entry.service),
      ['a', 'b', 'c'],
    );
  });

  it('random: a permutation of every service, the same for the same seed whatever the input order', () => {
    const first = randomRanking(tiny, 7).map((entry) => entry.service);
    assert.deepEqual([...first].sort(), ['a', 'b', 'c']);
    assert.deepEqual(randomRanking({ ...tiny, services: [...tiny.services].reverse() }, 7), randomRanking(tiny, 7));
    const orders = new Set(
      Array.from({ length: 20 }, (_, seed) =>
        randomRanking(tiny, seed)
          .map((entry) => entry.service)
          .join(),
      ),
    );
    assert.ok(orders.size > 1, 'seeds give different orders');
  });
});

describe('AC@k and Avg@k', { timeout: 30_000 }, () => {
  const cases = [
    { ranking: ['a', 'b', 'c'], truth: 'a' }, // hit at 1
    { ranking: ['a', 'b', 'c'], truth: 'b' }, // hit at 2
    { ranking: ['a', 'b', 'c'], truth: 'd' }, // never
  ];

  it('AC@k is the share of cases with the truth in the first k', () => {
    assert.equal(hitAtK(['a', 'b'], 'b', 1), 0);
    assert.equal(hitAtK(['a', 'b'], 'b', 2), 1);
    close(acAtK(cases, 1), 1 / 3);
    close(acAtK(cases, 2), 2 / 3);
    close(acAtK(cases, 3), 2 / 3);
    assert.ok(Number.isNaN(acAtK([], 1)));
  });

  it('Avg@k is the mean of AC@1..AC@k', () => {
    close(avgAtK(cases, 1), 1 / 3);
    close(avgAtK(cases, 3), (1 / 3 + 2 / 3 + 2 / 3) / 3);
    assert.ok(Number.isNaN(avgAtK(cases, 0)));
  });
});

describe('confidence and report text', { timeout: 30_000 }, () => {
  it('high when twice the next and well past the threshold, medium from 25 % ahead, low otherwise', () => {
    assert.equal(confidenceFor([{ score: 40, margin: 0.5 }], 3), 'high');
    assert.equal(confidenceFor([{ score: 5, margin: 1 }], 3), 'medium', 'a weak lone candidate');
    assert.equal(confidenceFor([{ score: 40, margin: 0.3 }], 3), 'medium');
    assert.equal(confidenceFor([{ score: 40, margin: 0.1 }], 3), 'low');
    assert.equal(confidenceFor([], 3), 'low');
  });

  it('not determined only when there is no candidate', () => {
    assert.equal(rootCauseText({ candidates: [], order: ['a'], confidence: 'low' }), NOT_DETERMINED);
    assert.deepEqual(verdictOf({ candidates: [], order: ['a'], confidence: 'low' }), { rootCause: NOT_DETERMINED, confidence: 'low' });
    const verdict = verdictOf({ candidates: [{ service: 'db', kind: 'crash', score: 50, margin: 1, evidence: [] }], order: ['db'], confidence: 'high' });
    assert.deepEqual([verdict.service, verdict.kind, verdict.confidence], ['db', 'crash', 'high']);
    const text = rootCauseText({
      candidates: [{ service: 'db', kind: 'saturation', score: 5, margin: 0.1, evidence: [{ type: 'signal', what: 'pool_use 0.2 → 1' }] }],
      order: ['db'],
      confidence: 'low',
    });
    assert.equal(text, 'db: saturation (CPU or connection pool) (saturation). pool_use 0.2 → 1. Ranked first of 1 (score 5.0; no other service moved; confidence low).');
    assert.deepEqual(describeRanking({ candidates: [{ service: 'db', kind: 'saturation', score: 5, margin: 1, evidence: [] }], order: ['db'], confidence: 'medium' }), [
      '1. db — saturation, score 5.0',
    ]);
  });
});
