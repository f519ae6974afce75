// Robust statistics on tiny hand-computed examples, and the property the RCA
// core is built on: one outlier in the baseline leaves the robust score as it
// was, while a mean/sd score collapses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstSustained, iqr, mad, mean, median, medianStep, quantile, robustBaseline, robustScore, sd, seededRandom, sustained, sustainedWindow } from '../../lib/core/rca/stats';

const close = (actual: number, expected: number, epsilon = 1e-9) => assert.ok(Math.abs(actual - expected) <= epsilon, `${actual} ≠ ${expected}`);

describe('robust statistics', { timeout: 30_000 }, () => {
  it('median, quantiles (linear, as numpy), IQR and MAD by hand', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    close(quantile([1, 2, 3, 4], 0.25), 1.75);
    close(quantile([1, 2, 3, 4], 0.75), 3.25);
    assert.equal(iqr([1, 2, 3, 4, 5]), 2);
    // |x − 2| = 1 1 0 0 2 4 7 → median 1
    assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
    assert.equal(mean([1, 2, 3, 4, 5]), 3);
    close(sd([1, 2, 3, 4, 5]), Math.sqrt(2));
    assert.ok(Number.isNaN(median([])));
  });

  it('the scale is the largest of IQR, 1.4826·MAD and the floors, so a flat baseline does not make a blip infinite', () => {
    const flat = robustBaseline([0, 0, 0, 0, 0, 0], { absolute: 0.01, relative: 0.1 });
    assert.deepEqual(flat, { median: 0, scale: 0.01, points: 6 });
    close(robustScore(0.005, flat, 'up'), 0.5);
    const relative = robustBaseline([100, 100, 100, 100], { absolute: 0.01, relative: 0.1 });
    assert.equal(relative.scale, 10);
    const spread = robustBaseline([1, 2, 3, 4, 5], { absolute: 0, relative: 0 });
    close(spread.scale, Math.max(2, 1.4826));
    const none = robustBaseline([0, 0, 0], { absolute: 0, relative: 0 });
    assert.equal(none.scale, 1, 'never divides by zero');
  });

  it('scores count only the bad direction', () => {
    const baseline = { median: 10, scale: 2, points: 10 };
    assert.equal(robustScore(16, baseline, 'up'), 3);
    assert.equal(robustScore(4, baseline, 'up'), -3);
    assert.equal(robustScore(4, baseline, 'down'), 3);
    assert.equal(robustScore(4, baseline, 'both'), 3);
  });

  it('a single outlier in the baseline leaves the robust score almost unchanged; the z-score collapses', () => {
    const random = seededRandom(7);
    const clean = Array.from({ length: 60 }, () => 100 + (random() - 0.5) * 4);
    const withOutlier = [...clean.slice(0, 30), 1000, ...clean.slice(31)];
    const step = 120;
    const floors = { absolute: 0, relative: 0 };
    const robustClean = robustScore(step, robustBaseline(clean, floors), 'up');
    const robustDirty = robustScore(step, robustBaseline(withOutlier, floors), 'up');
    const z = (values: number[]) => (step - mean(values)) / sd(values);
    assert.ok(robustClean > 5, `a 20-unit step is far out: ${robustClean}`);
    assert.ok(Math.abs(robustDirty - robustClean) / robustClean < 0.1, `robust ${robustClean} → ${robustDirty}`);
    assert.ok(z(clean) > 10 && z(withOutlier) < 1, `z ${z(clean)} → ${z(withOutlier)}`);
  });

  it('sustained: the level held for n points in a row; a lone spike does not count', () => {
    assert.equal(sustained([0, 9, 0, 4, 4, 5, 1], 3), 4);
    assert.equal(sustained([0, 9, 0, 0], 3), 0);
    assert.equal(sustained([7, 8], 3), 7, 'fewer points than n: their minimum');
    assert.equal(sustained([], 3), 0);
    assert.deepEqual(sustainedWindow([0, 9, 0, 4, 4, 5, 1], 3), { level: 4, start: 3, width: 3 });
    assert.equal(firstSustained([0, 5, 0, 4, 4, 4, 1], 3, 3), 3);
    assert.equal(firstSustained([0, 5, 0, 4, 4, 4, 1], 3, 3, 4), -1);
    assert.equal(firstSustained([5, 0], 3, 1), 0);
  });

  it('the step of a series and the seeded random numbers are deterministic', () => {
    assert.equal(medianStep([0, 10, 20, 45, 55]), 10);
    assert.equal(medianStep([5]), undefined);
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = [a(), a(), a()];
    assert.deepEqual(first, [b(), b(), b()]);
    assert.ok(first.every((value) => value >= 0 && value < 1));
  });
});
