// Metric policy conditions: what they parse to, what they refuse, and how the
// `for` duration turns a holding condition into a firing one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeCondition, parseMetricCondition, parseMetricSelector, type MetricCondition } from '../../lib/core/health/metric-policy';

function condition(text: string): MetricCondition {
  const parsed = parseMetricCondition(text);
  assert.ok(parsed.ok, text);
  return parsed.value;
}

describe('metric policy conditions', () => {
  it('parse aggregate, metric, labels, comparison and for', () => {
    assert.deepEqual(condition('avg(cpu_percent) > 90 for 3m'), { aggregate: 'avg', metric: 'cpu_percent', labels: {}, op: '>', threshold: 90, forMs: 180_000 });
    assert.deepEqual(condition(' max( disk_used_percent{mount="/", host="a\\"b"} ) >= 95.5'), {
      aggregate: 'max',
      metric: 'disk_used_percent',
      labels: { mount: '/', host: 'a"b' },
      op: '>=',
      threshold: 95.5,
      forMs: 0,
    });
    assert.equal(condition('count(requests) != -1e3 for 500ms').threshold, -1000);
    assert.deepEqual(parseMetricSelector('last(load1)'), { ok: true, value: { aggregate: 'last', metric: 'load1', labels: {} } });
  });

  it('say what is wrong with one they cannot read', () => {
    const problem = (text: string) => {
      const parsed = parseMetricCondition(text);
      return parsed.ok ? 'parsed' : parsed.problem;
    };
    assert.match(problem('median(cpu) > 1'), /unknown aggregate "median"/);
    assert.match(problem('avg(cpu{mount=/}) > 1'), /bad label matcher "mount=\/"/);
    assert.match(problem('avg(cpu) above 90'), /expected a comparison/);
    assert.match(problem('avg(cpu) > 90 for ever'), /expected a comparison/);
    assert.match(problem('cpu > 90'), /expected <aggregate>/);
    assert.equal(parseMetricSelector('avg(cpu) > 1').ok, false, 'a selector has no comparison');
  });

  it('fire only after the condition has held for the whole `for`, and reset when it stops holding', () => {
    const rule = condition('avg(cpu_percent) > 90 for 3m');
    const first = judgeCondition(rule, 95, 6, 0, undefined);
    assert.deepEqual([first.firing, first.pendingSince], [false, 0]);
    assert.match(first.detail, /avg\(cpu_percent\) = 95 over 6 samples; .* pending for 0ms of 3m/);
    assert.equal(judgeCondition(rule, 95, 6, 179_999, 0).firing, false);
    const firing = judgeCondition(rule, 97, 6, 180_000, 0);
    assert.deepEqual([firing.firing, firing.pendingSince], [true, 0]);
    assert.match(firing.detail, /avg\(cpu_percent\) > 90 for 3m/);
    const cooled = judgeCondition(rule, 50, 6, 200_000, 0);
    assert.deepEqual([cooled.firing, cooled.pendingSince], [false, undefined]);
    assert.match(cooled.detail, /does not hold/);
  });

  it('treat a window without samples as not holding', () => {
    const judged = judgeCondition(condition('max(cpu) > 1'), null, 0, 10, 5);
    assert.deepEqual([judged.firing, judged.pendingSince], [false, undefined]);
    assert.match(judged.detail, /no samples of cpu/);
    assert.equal(judgeCondition(condition('count(errors) < 1'), 0, 0, 10, undefined).firing, true, 'no `for`: fires at once');
  });
});
