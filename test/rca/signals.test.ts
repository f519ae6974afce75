// Per-signal findings and crash detection on small hand-built series: the onset
// of a step, a spike that does not count, an outlier in the baseline that does
// not hide a fault, up = 0, a series that stops, a crash loop, and log
// templates that are new, surging or steady.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countLogTemplates, movedLogTemplates } from '../../lib/core/rca/logs';
import { analyseCrash, analyseService, analyseSignal, DEFAULT_ANALYSIS, persistPoints, SIGNAL_RULES } from '../../lib/core/rca/signals';
import type { Series } from '../../lib/core/rca/types';

const AT = 1_000_000;
const STEP = 10;
/** 91 points from AT − 600 to AT + 300, value(t) for each. */
const series = (value: (t: number, index: number) => number): Series => Array.from({ length: 91 }, (_, index) => [AT - 600 + index * STEP, value(AT - 600 + index * STEP, index)] as const);
/** A small deterministic wiggle around `level`. */
const wiggle = (level: number, size: number) => (_: number, index: number) => level + size * Math.sin(index * 1.7);

describe('signal findings', { timeout: 30_000 }, () => {
  it('a step in latency: anomalous from its first point, scored against the baseline before it', () => {
    const latency = series((t, index) => wiggle(0.02, 0.002)(t, index) + (t >= AT - 60 ? 0.3 : 0));
    const finding = analyseSignal('payments', 'latency_p95', latency, SIGNAL_RULES.latency_p95, AT);
    assert.ok(finding?.anomalous);
    assert.equal(finding.onset, AT - 60);
    assert.ok(finding.score > 25 && finding.score < 35, `0.3 s over a 0.01 s floor: ${finding.score}`);
    assert.ok(Math.abs(finding.before - 0.02) < 0.003 && Math.abs(finding.after - 0.32) < 0.003);
  });

  it('a lone spike after the reference does not count, nor a move in the good direction', () => {
    const spike = series((t, index) => wiggle(0.02, 0.002)(t, index) + (t === AT ? 5 : 0));
    const faster = series((t, index) => wiggle(0.5, 0.01)(t, index) - (t >= AT - 60 ? 0.4 : 0));
    for (const [name, values] of [
      ['spike', spike],
      ['faster', faster],
    ] as const) {
      const finding = analyseSignal('x', 'latency_p95', values, SIGNAL_RULES.latency_p95, AT);
      assert.equal(finding?.anomalous, false, name);
      assert.equal(finding.onset, undefined, name);
    }
  });

  it('one huge outlier in the baseline does not hide a moderate step', () => {
    const values = series((t, index) => wiggle(0.05, 0.001)(t, index) + (index === 5 ? 30 : 0) + (t >= AT - 30 ? 0.1 : 0));
    const finding = analyseSignal('x', 'latency_p95', values, SIGNAL_RULES.latency_p95, AT);
    assert.ok(finding?.anomalous, 'still anomalous');
    assert.ok(finding.score > 8, `score ${finding.score}`);
  });

  it('a slow leak is found once it has grown past the threshold, and its onset is after the reference part', () => {
    const MIB = 2 ** 20;
    const memory = series((t) => 80 * MIB + (t >= AT - 240 ? ((t - (AT - 240)) / STEP + 1) * 2 * MIB : 0));
    const finding = analyseSignal('inventory', 'memory', memory, SIGNAL_RULES.memory, AT);
    assert.ok(finding?.anomalous);
    assert.ok((finding.onset as number) > AT - 240 && (finding.onset as number) < AT, `onset ${(finding.onset as number) - AT}`);
  });

  it('a move must hold 30 s whatever the step (4 points at 10 s, 7 at 5 s, 3 at 15 s, at least 2), and a rated one its rate window too', () => {
    const at = (step: number) => Array.from({ length: 20 }, (_, index) => [index * step, 0] as const);
    assert.deepEqual(
      [10, 5, 15, 60].map((step) => persistPoints(SIGNAL_RULES.cpu, at(step))),
      [4, 7, 3, 2],
    );
    assert.equal(persistPoints(SIGNAL_RULES.cpu, at(10), 60), 8, 'a rate over [1m] must outlast its window by a step');
    assert.equal(persistPoints(SIGNAL_RULES.memory, at(10), 60), 4, 'a gauge is not smoothed by a rate window');
    const burst = series((t, index) => wiggle(0.05, 0.002)(t, index) + (t >= AT && t < AT + 30 ? 1 : 0));
    assert.equal(analyseSignal('x', 'cpu', burst, SIGNAL_RULES.cpu, AT)?.anomalous, false, 'a 30 s burst at a 10 s step is 3 points: too short');
  });

  it('too little baseline: the signal is not judged', () => {
    const short: Series = [
      [AT - 10, 1],
      [AT, 5],
    ];
    assert.equal(analyseSignal('x', 'cpu', short, SIGNAL_RULES.cpu, AT), undefined);
  });

  it('analyseService reads every signal it knows and client errors per callee; up and restarts are left to analyseCrash', () => {
    const findings = analyseService({ service: 'orders', signals: { cpu: series(wiggle(0.05, 0.002)), up: series(() => 1) }, clientErrors: { db: series((t) => (t >= AT - 60 ? 1 : 0)) } }, AT);
    assert.deepEqual(
      findings.map((finding) => [finding.signal, finding.callee, finding.anomalous]),
      [
        ['cpu', undefined, false],
        ['client_error_ratio:db', 'db', true],
      ],
    );
  });
});

describe('crash detection', { timeout: 30_000 }, () => {
  const healthy = (t: number) => (t >= AT - 60 && t < AT - 40 ? NaN : 1);
  const withoutDown = (values: Series) => values.filter(([, v]) => Number.isFinite(v));

  it('up = 0 at a scrape is a crash, with its onset', () => {
    const crash = analyseCrash({ service: 'payments', signals: { up: series((t) => (t === AT - 60 || t === AT - 50 ? 0 : 1)), cpu: series(wiggle(0.05, 0.001)) } }, AT, AT + 300);
    assert.equal(crash?.crashes, 1);
    assert.equal(crash.onset, AT - 60);
  });

  it('series that stop while the process is down are a crash even without an up series', () => {
    const crash = analyseCrash({ service: 'payments', signals: { cpu: withoutDown(series(healthy)), latency_p95: withoutDown(series(healthy)) } }, AT, AT + 300);
    assert.equal(crash?.crashes, 1);
    assert.ok(Math.abs(crash.onset - (AT - 60)) <= STEP);
    const ended = analyseCrash({ service: 'payments', signals: { cpu: series(wiggle(0.05, 0.001)).filter(([t]) => t < AT) } }, AT, AT + 300);
    assert.equal(ended?.crashes, 1, 'a series that ends while others go on');
    assert.equal(analyseCrash({ service: 'payments', signals: { cpu: series(wiggle(0.05, 0.001)).filter(([t]) => t < AT) } }, AT, AT - 10), undefined, 'the window ends there for everyone');
  });

  it('several restarts are a crash loop; a service that was never up before is not judged by up', () => {
    const loop = analyseCrash({ service: 'payments', signals: { restarts: series((t) => (t < AT - 60 ? 0 : Math.floor((t - (AT - 60)) / 60) + 1)) } }, AT, AT + 300);
    assert.equal(loop?.crashes, 7, 'one at AT − 60, then one a minute until AT + 300');
    assert.equal(loop.restartsAt.length, 7);
    assert.equal(analyseCrash({ service: 'new', signals: { up: series(() => 0) } }, AT, AT + 300), undefined);
    assert.equal(analyseCrash({ service: 'fine', signals: { up: series(() => 1), cpu: series(wiggle(0.05, 0.001)) } }, AT, AT + 300), undefined);
  });

  it('the defaults: 10 min before, 5 after, the first third of the before-part is the reference', () => {
    assert.deepEqual({ before: DEFAULT_ANALYSIS.before, after: DEFAULT_ANALYSIS.after, share: DEFAULT_ANALYSIS.baselineShare }, { before: 600, after: 300, share: 1 / 3 });
  });
});

describe('log templates', { timeout: 30_000 }, () => {
  it('counts raw lines per service and template before and after the time of interest', () => {
    const counts = countLogTemplates(
      [
        { service: 'payments', at: AT - 100, level: 'error', template: 'reset' },
        { service: 'payments', at: AT + 10, level: 'error', template: 'reset' },
        { service: 'payments', at: AT + 20, level: 'error', template: 'reset' },
        { service: 'payments', at: AT - 5000, level: 'error', template: 'reset' },
        { service: 'orders', at: AT + 1, template: 'reset' },
      ],
      AT,
      { before: 600, after: 300 },
    );
    assert.deepEqual(counts, [
      { service: 'payments', template: 'reset', level: 'error', before: 1, after: 2 },
      { service: 'orders', template: 'reset', before: 0, after: 1 },
    ]);
  });

  it('new and surging error templates move; steady ones, info lines and a handful of lines do not', () => {
    const window = { before: 600, after: 300 };
    const moved = movedLogTemplates(
      [
        { service: 'a', template: 'new', level: 'error', before: 0, after: 10 },
        { service: 'a', template: 'surging', level: 'warn', before: 2, after: 40 },
        { service: 'a', template: 'steady', level: 'warn', before: 40, after: 20 },
        { service: 'a', template: 'info', level: 'info', before: 0, after: 500 },
        { service: 'a', template: 'few', level: 'error', before: 0, after: 2 },
      ],
      window,
      3,
    );
    assert.deepEqual(
      moved.map((log) => log.template),
      ['new', 'surging'],
    );
  });

  it('a burst seen for 40 s of a 300 s window surges over the seconds it was counted in, not the whole window', () => {
    // 150 lines in 40 s after 390 in the 540 s before: 3.75 a second against 0.72, five times and more.
    const burst = { service: 'payments', template: 'reset', level: 'error' as const, before: 390, after: 150 };
    assert.deepEqual(movedLogTemplates([burst], { before: 600, after: 300 }, 3), [], 'over the whole window it is no surge');
    assert.equal(movedLogTemplates([{ ...burst, beforeS: 540, afterS: 40 }], { before: 600, after: 300 }, 3).length, 1);
  });
});
