// The ranked investigator on the synthetic shop (world.ts), where the answer is
// known: every fault kind of the demo, propagated to the callers, with
// distractors (a noisy service, a harmless change, two faults at once), a
// quiet window, and the comparison with max |z| and BARO on the same input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baroRanking, maxZRanking } from '../../lib/core/rca/baselines';
import { acAtK } from '../../lib/core/rca/evaluate';
import { rankSuspects } from '../../lib/core/rca/rank';
import { NOT_DETERMINED, rootCauseText } from '../../lib/core/rca/report';
import type { CauseKind, RcaInput, Series } from '../../lib/core/rca/types';
import { AT, world, type Fault, type Service, type WorldSpec } from './world';

const SEEDS = [1, 2, 3, 4, 5];

interface Case {
  name: string;
  spec: Omit<WorldSpec, 'seed'>;
  truth: Service;
  kind: CauseKind;
}

const fault = (kind: Fault['kind'], service: Service, extra: Partial<Fault> = {}): Fault => ({ kind, service, ...extra });

/** One case per fault kind of the demo shop, with the noisy service as a distractor where it is not the answer. */
const FAULT_CASES: Case[] = [
  { name: 'latency in payments', spec: { faults: [fault('latency', 'payments')], noisy: ['inventory'] }, truth: 'payments', kind: 'latency' },
  { name: 'errors in payments', spec: { faults: [fault('errors', 'payments')], noisy: ['inventory'] }, truth: 'payments', kind: 'errors' },
  { name: 'crash of payments (up = 0)', spec: { faults: [fault('crash', 'payments')], noisy: ['inventory'] }, truth: 'payments', kind: 'crash' },
  { name: 'crash of payments (series stop)', spec: { faults: [fault('crash', 'payments')], seriesStopOnCrash: true }, truth: 'payments', kind: 'crash' },
  { name: 'crash loop of payments', spec: { faults: [fault('crashloop', 'payments')] }, truth: 'payments', kind: 'crash' },
  { name: 'cpu burn in inventory', spec: { faults: [fault('cpu', 'inventory')], noisy: ['payments'] }, truth: 'inventory', kind: 'saturation' },
  { name: 'slow memory leak in inventory', spec: { faults: [fault('memory', 'inventory', { onset: AT - 240 })], noisy: ['payments'] }, truth: 'inventory', kind: 'resource leak' },
  { name: 'db pool exhausted', spec: { faults: [fault('pool', 'db')], noisy: ['inventory'] }, truth: 'db', kind: 'saturation' },
  { name: 'orders pool exhausted', spec: { faults: [fault('pool', 'orders')], noisy: ['inventory'] }, truth: 'orders', kind: 'saturation' },
  { name: 'orders cannot reach inventory', spec: { faults: [fault('dependency', 'orders', { target: 'inventory' })] }, truth: 'orders', kind: 'dependency' },
  {
    name: 'a bad setting applied to payments',
    spec: { faults: [fault('config', 'payments')], changes: [{ service: 'payments', at: AT - 75, kind: 'config', detail: 'timeoutMs 800 → 1' }] },
    truth: 'payments',
    kind: 'bad change',
  },
  { name: 'an error log burst in payments', spec: { faults: [fault('logs', 'payments')], noisy: ['inventory'] }, truth: 'payments', kind: 'logs' },
];

/** The cases where the faulted service's callers move too: where a ranking must tell the origin from its victims. */
const PROPAGATION = ['latency in payments', 'errors in payments', 'db pool exhausted', 'orders pool exhausted', 'orders cannot reach inventory', 'a bad setting applied to payments'];

const top = (input: RcaInput) => rankSuspects(input).candidates[0];

describe('ranked investigator: one fault of each kind', { timeout: 30_000 }, () => {
  for (const scenario of FAULT_CASES) {
    it(`${scenario.name}: ${scenario.truth} first, kind ${scenario.kind}, for every seed`, () => {
      for (const seed of SEEDS) {
        const ranking = rankSuspects(world({ seed, ...scenario.spec }));
        const [first] = ranking.candidates;
        assert.equal(first?.service, scenario.truth, `seed ${seed}: ${ranking.candidates.map((candidate) => `${candidate.service} ${candidate.score.toFixed(1)}`).join(', ')}`);
        assert.equal(first.kind, scenario.kind, `seed ${seed}`);
        assert.notEqual(ranking.confidence, 'low', `seed ${seed}: the answer stands out`);
        assert.ok(first.evidence.length > 0);
        assert.ok(!ranking.candidates.some((candidate) => candidate.service === 'inventory' && scenario.spec.noisy?.includes('inventory')), 'the noisy service is no candidate');
      }
    });
  }

  it('at a 5 s and a 15 s step, and with 1-minute rate windows turning steps into ramps, each fault still ranks first with its kind', () => {
    for (const [step, rateWindow] of [
      [5, undefined],
      [15, undefined],
      [5, 60],
      [10, 60],
      [15, 60],
    ] as const) {
      for (const scenario of FAULT_CASES) {
        for (const seed of [1, 2]) {
          const first = top(world({ seed, ...scenario.spec, step, rateWindow }));
          assert.equal(`${first?.service} ${first?.kind}`, `${scenario.truth} ${scenario.kind}`, `${scenario.name}, step ${step}, window ${rateWindow}, seed ${seed}`);
        }
      }
    }
  });

  it('callers are ranked below the origin and say they look like victims', () => {
    const ranking = rankSuspects(world({ seed: 1, faults: [fault('latency', 'payments')] }));
    assert.deepEqual(
      ranking.candidates.map((candidate) => candidate.service),
      ['payments', 'orders', 'gateway'],
    );
    const orders = ranking.candidates[1];
    assert.ok(orders.evidence.some((item) => item.type === 'graph' && item.what.includes('victim') && item.what.includes('payments')));
    assert.ok(ranking.candidates[0].evidence.some((item) => item.type === 'graph' && item.what.includes('degraded after it')));
    assert.ok((ranking.candidates[0].onset as number) <= (orders.onset as number));
    assert.equal(ranking.order.length, 5, 'the order names every service, quiet ones last');
  });

  it('a fault that started minutes before the alert (a late triage) is still found; one right at the alert too', () => {
    for (const onset of [AT - 390, AT - 200, AT]) {
      const ranking = rankSuspects(world({ seed: 3, faults: [fault('latency', 'payments', { onset })], noisy: ['inventory'] }));
      assert.equal(ranking.candidates[0]?.service, 'payments', `onset ${onset - AT}`);
      assert.ok(Math.abs((ranking.onset as number) - onset) <= 10, `onset ${onset - AT}: found ${(ranking.onset as number) - AT}`);
    }
  });

  it('a dependency fault names the caller; the healthy callee whose traffic fell is no candidate', () => {
    const ranking = rankSuspects(world({ seed: 2, faults: [fault('dependency', 'orders', { target: 'inventory' })] }));
    assert.equal(ranking.candidates[0].service, 'orders');
    assert.ok(ranking.candidates[0].evidence.some((item) => item.what.includes("inventory's own signals are normal")));
    assert.ok(!ranking.candidates.some((candidate) => candidate.service === 'inventory'));
  });

  it('a slow callee that shows little of its own (its histogram records a request only when it ends) still ranks above the callers it slowed, down the chain', () => {
    for (const seed of SEEDS) {
      const input = world({ seed, faults: [fault('latency', 'db')] });
      const onset = AT - 60;
      // db's p95 has not seen the slow requests end yet; only a few more of them are in flight.
      const db = input.services.find((service) => service.service === 'db')!;
      const quiet = (series: Series | undefined, at: (t: number, v: number) => number) => series?.map(([t, v]): [number, number] => [t, t >= onset ? at(t, v) : v]);
      const before = db.signals.latency_p95!.filter(([t]) => t < onset).map(([, v]) => v);
      db.signals.latency_p95 = quiet(db.signals.latency_p95, (t) => before[Math.round(t) % before.length]);
      db.signals.in_flight = quiet(db.signals.in_flight, () => 4);
      const ranking = rankSuspects(input);
      assert.deepEqual(ranking.order.slice(0, 3), ['db', 'orders', 'gateway'], `seed ${seed}: ${JSON.stringify(ranking.candidates.map((c) => [c.service, c.score]))}`);
    }
  });

  it('a crash outranks what its callers show, however large in their units', () => {
    const ranking = rankSuspects(world({ seed: 3, faults: [fault('crashloop', 'payments')] }));
    assert.equal(ranking.candidates[0].service, 'payments');
    assert.ok(ranking.candidates[0].evidence.some((item) => item.what.startsWith('crash loop')));
  });
});

describe('ranked investigator: distractors', { timeout: 30_000 }, () => {
  it('a harmless config apply on a healthy service during the window does not win, before or after the onset', () => {
    for (const seed of SEEDS) {
      for (const at of [AT - 150, AT + 60]) {
        const input = world({ seed, faults: [fault('latency', 'payments')], noisy: ['inventory'], changes: [{ service: 'inventory', at, kind: 'config', detail: 'log level' }] });
        const ranking = rankSuspects(input);
        assert.equal(ranking.candidates[0].service, 'payments', `seed ${seed}`);
        assert.ok(!ranking.candidates.some((candidate) => candidate.service === 'inventory'), `seed ${seed}: the changed service is no candidate`);
      }
    }
  });

  it('a change on the faulted service makes it a bad change and raises it further', () => {
    const plain = top(world({ seed: 1, faults: [fault('errors', 'payments')] }));
    const changed = top(world({ seed: 1, faults: [fault('errors', 'payments')], changes: [{ service: 'payments', at: AT - 200, kind: 'drift-sync' }] }));
    assert.equal(changed.kind, 'bad change');
    assert.ok(changed.score > plain.score);
    assert.equal(changed.evidence[0].type, 'change');
  });

  it('a drift found after the onset still counts (it was made before); a sync or config apply after the onset is a response, not the cause', () => {
    const errors = [fault('config', 'payments')];
    assert.equal(top(world({ seed: 2, faults: errors, changes: [{ service: 'payments', at: AT + 90, kind: 'drift', detail: 'payments.json differs' }] })).kind, 'bad change');
    for (const kind of ['drift-sync', 'config'] as const) {
      const first = top(world({ seed: 2, faults: errors, changes: [{ service: 'payments', at: AT + 90, kind }] }));
      assert.equal(first.service, 'payments');
      assert.equal(first.kind, 'errors', kind);
    }
  });

  it('a change on a quiet callee just before its callers fail to reach it is blamed over the callers', () => {
    const input = world({ seed: 4, faults: [fault('dependency', 'orders', { target: 'inventory' })], changes: [{ service: 'inventory', at: AT - 70, kind: 'deploy', detail: 'v2' }] });
    const ranking = rankSuspects(input);
    assert.equal(ranking.candidates[0].service, 'inventory');
    assert.equal(ranking.candidates[0].kind, 'bad change');
    assert.equal(ranking.candidates[1].service, 'orders');
  });

  it('two services faulted at once are the first two', () => {
    for (const seed of SEEDS) {
      const ranking = rankSuspects(world({ seed, faults: [fault('latency', 'payments'), fault('pool', 'db')], noisy: ['inventory'] }));
      assert.deepEqual(
        ranking.candidates
          .slice(0, 2)
          .map((candidate) => candidate.service)
          .sort(),
        ['db', 'payments'],
        `seed ${seed}`,
      );
    }
  });

  it('a quiet window (a noisy service, a harmless change, steady warnings) is not determined', () => {
    for (const seed of SEEDS) {
      const ranking = rankSuspects(
        world({ seed, faults: [], noisy: ['inventory', 'payments'], changes: [{ service: 'inventory', at: AT - 120, kind: 'config' }], rateWindow: seed % 2 ? 60 : undefined }),
      );
      assert.deepEqual(ranking.candidates, [], `seed ${seed}`);
      assert.equal(ranking.onset, undefined);
      assert.equal(rootCauseText(ranking), NOT_DETERMINED);
      assert.equal(ranking.order.length, 5);
    }
  });

  it('an earlier incident, over minutes before the alert, is not this one: the current fault ranks first and the old one is no candidate', () => {
    const earlier = [fault('latency', 'inventory', { onset: AT - 380, until: AT - 260 }), fault('crash', 'db', { onset: AT - 370, until: AT - 330 })];
    for (const seed of SEEDS) {
      for (const rateWindow of [undefined, 60]) {
        const ranking = rankSuspects(world({ seed, faults: [...earlier, fault('errors', 'payments')], rateWindow }));
        assert.equal(ranking.candidates[0]?.service, 'payments', `seed ${seed}, rate window ${rateWindow}`);
        assert.equal(ranking.candidates[0]?.kind, 'errors');
        assert.deepEqual(
          ranking.candidates.filter((candidate) => candidate.service === 'inventory' || candidate.service === 'db'),
          [],
          `seed ${seed}, rate window ${rateWindow}`,
        );
      }
    }
  });

  it('a crash loop that began minutes before the alert is one incident: every crash counts', () => {
    const ranking = rankSuspects(world({ seed: 2, faults: [fault('crashloop', 'payments', { onset: AT - 300 })] }));
    assert.equal(ranking.candidates[0].service, 'payments');
    const loop = ranking.candidates[0].evidence.find((item) => item.what.startsWith('crash loop'));
    assert.ok((loop?.value ?? 0) >= 5, JSON.stringify(ranking.candidates[0].evidence));
  });

  it('a restart Vigil did itself is not a crash', () => {
    const input = world({ seed: 5, faults: [] });
    const orders = input.services.find((service) => service.service === 'orders');
    const down = (t: number) => t >= AT && t < AT + 20;
    const signals = Object.fromEntries(
      Object.entries(orders?.signals ?? {}).map(([name, series]) => [name, name === 'up' ? series.map(([t, v]) => [t, down(t) ? 0 : v] as const) : series.filter(([t]) => !down(t))]),
    );
    const restarted = { ...input, services: input.services.map((service) => (service.service === 'orders' ? { ...service, signals } : service)) };
    assert.equal(rankSuspects(restarted).candidates[0]?.service, 'orders', 'without the change it looks like a crash');
    const ranking = rankSuspects({ ...restarted, changes: [{ service: 'orders', at: AT - 5, kind: 'remediation', detail: 'restart' }] });
    assert.deepEqual(ranking.candidates, []);
  });

  it("Vigil's own remediations before the onset are evidence, not a cause: they raise no score; a restart someone else did does", () => {
    const spec = { seed: 3, faults: [fault('latency', 'payments'), fault('pool', 'db')] };
    const score = (input: RcaInput, service: string) => rankSuspects(input).candidates.find((candidate) => candidate.service === service)?.score;
    const plain = score(world(spec), 'db');
    const remediated = rankSuspects(world({ ...spec, changes: [{ service: 'db', at: AT - 200, kind: 'remediation', detail: 'restart' }] }));
    assert.equal(remediated.candidates.find((candidate) => candidate.service === 'db')?.score, plain);
    assert.ok(remediated.candidates.find((candidate) => candidate.service === 'db')?.evidence.some((item) => item.what.startsWith('remediation on db')));
    assert.ok((score(world({ ...spec, changes: [{ service: 'db', at: AT - 200, kind: 'restart' }] }), 'db') ?? 0) > (plain ?? 0));
  });

  it('the restart Vigil runs seconds after a crash (two failed checks) is its answer and does not explain the crash away', () => {
    const input = world({ seed: 2, faults: [fault('crash', 'orders')], changes: [{ service: 'orders', at: AT - 60 + 12, kind: 'remediation', detail: 'restart' }] });
    const ranking = rankSuspects(input);
    assert.equal(ranking.candidates[0]?.service, 'orders');
    assert.equal(ranking.candidates[0]?.kind, 'crash');
  });

  it('a restart done for an earlier incident does not explain away a new crash a minute and a half later', () => {
    const input = world({ seed: 4, faults: [fault('crash', 'orders')], changes: [{ service: 'orders', at: AT - 150, kind: 'remediation', detail: 'restart' }] });
    const ranking = rankSuspects(input);
    assert.equal(ranking.candidates[0]?.service, 'orders');
    assert.equal(ranking.candidates[0]?.kind, 'crash');
  });
});

describe('ranked investigator: against the baselines, and its report text', { timeout: 30_000 }, () => {
  it('beats max |z| and BARO on the propagation cases, on the same input', () => {
    const cases = PROPAGATION.flatMap((name) => SEEDS.map((seed) => ({ scenario: FAULT_CASES.find((candidate) => candidate.name === name) as Case, seed })));
    const scored = (rank: (input: RcaInput) => string[]) => cases.map(({ scenario, seed }) => ({ ranking: rank(world({ seed, ...scenario.spec })), truth: scenario.truth as string }));
    const ours = acAtK(
      scored((input) => rankSuspects(input).order),
      1,
    );
    const z = acAtK(
      scored((input) => maxZRanking(input).map((entry) => entry.service)),
      1,
    );
    const baro = acAtK(
      scored((input) => baroRanking(input).map((entry) => entry.service)),
      1,
    );
    assert.equal(ours, 1);
    assert.ok(ours >= z + 0.2, `AC@1 ours ${ours}, max |z| ${z}`);
    assert.ok(ours > baro, `AC@1 ours ${ours}, BARO ${baro}`);
  });

  it('the root-cause text names the service, the kind, its evidence and how far it stands out', () => {
    const ranking = rankSuspects(world({ seed: 1, faults: [fault('latency', 'payments')] }));
    const text = rootCauseText(ranking);
    assert.match(text, /^payments: slow responses \(latency\)\. latency_p95 /);
    assert.match(text, /Ranked first of 3 \(score \d+\.\d; next orders \d+\.\d, margin \d+ %; confidence high\)\.$/);
  });

  it('is deterministic and does not depend on the order of the services', () => {
    const input = world({ seed: 2, faults: [fault('errors', 'payments')], noisy: ['inventory'] });
    const reversed = { ...input, services: [...input.services].reverse() };
    assert.deepEqual(rankSuspects(reversed), rankSuspects(input));
    assert.deepEqual(JSON.parse(JSON.stringify(rankSuspects(input))), rankSuspects(JSON.parse(JSON.stringify(input)) as RcaInput));
  });
});
