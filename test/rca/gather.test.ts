// What the ranked investigator reads, turned into its input (lib/core/rca/gather.ts):
// Prometheus matrices into per-service signals, process start times into restart
// counts, log lines into templates, Vigil's rows into changes. Pure, no I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsFromMatrix, calleesOf, changesFromRows, logLineOf, logTemplate, restartsFromStartTimes, servicesFromMatrices, timeOfInterest } from '../../lib/core/rca';

describe('gathering the ranking input', { timeout: 30_000 }, () => {
  it('turns matrices into per-service signals, start times into restarts, and client errors by callee', () => {
    const services = servicesFromMatrices(
      {
        latency_p95: [
          {
            metric: { service: 'payments' },
            values: [
              [100, '0.01'],
              [105, 'NaN'],
              [110, '0.5'],
            ],
          },
        ],
        start_time: [
          {
            metric: { service: 'payments' },
            values: [
              [100, '50'],
              [105, '50'],
              [110, '108'],
              [115, '108'],
            ],
          },
        ],
      },
      [
        {
          metric: { service: 'orders', target: 'payments' },
          values: [
            [100, '0'],
            [110, '0.4'],
          ],
        },
      ],
      ['gateway', 'payments'],
    );
    assert.deepEqual(
      services.map((service) => service.service),
      ['gateway', 'payments', 'orders'],
    );
    const payments = services.find((service) => service.service === 'payments')!;
    assert.deepEqual(payments.signals.latency_p95, [
      [100, 0.01],
      [110, 0.5],
    ]);
    assert.deepEqual(payments.signals.restarts, [
      [100, 0],
      [105, 0],
      [110, 1],
      [115, 1],
    ]);
    assert.deepEqual(services.find((service) => service.service === 'orders')!.clientErrors, {
      payments: [
        [100, 0],
        [110, 0.4],
      ],
    });
    assert.deepEqual(restartsFromStartTimes([]), []);
  });

  it('counts log lines by template: numbers, ids and quoted values masked', () => {
    assert.equal(logTemplate('card 4242 declined after 2.5 s for "alice" (req 9f86d081884c7d65)'), 'card <n> declined after <n> s for <s> (req <id>)');
    assert.deepEqual(logLineOf('{"time":"2026-12-05T01:00:00.000Z","level":"error","service":"payments","msg":"timeout after 800 ms"}'), {
      service: 'payments',
      at: Date.parse('2026-12-05T01:00:00.000Z') / 1000,
      template: 'timeout after <n> ms',
      level: 'error',
    });
    assert.equal(logLineOf('not json'), undefined);
    assert.equal(logLineOf('{"time":"x","msg":"m"}', 'db'), undefined, 'a line without a time is not counted');
    assert.equal(logLineOf('{"time":"2026-12-05T01:00:00Z","msg":"m"}', 'db')?.service, 'db');
  });

  it("reads alerts, Vigil's changes, the call graph and the time of interest", () => {
    assert.deepEqual(
      alertsFromMatrix([
        { metric: { service: 'orders', alertname: 'ShopHighLatency' }, values: [[120, '1']] },
        { metric: { alertname: 'NoService' }, values: [[1, '1']] },
      ]),
      [{ service: 'orders', name: 'ShopHighLatency', at: 120 }],
    );
    assert.deepEqual(changesFromRows([{ service: 'payments', at: new Date(5000), kind: 'drift-sync', detail: 'applied 1 object(s)' }]), [
      { service: 'payments', at: 5, kind: 'drift-sync', detail: 'applied 1 object(s)' },
    ]);
    assert.deepEqual(calleesOf([{ name: 'orders', dependsOn: ['payments', 'db'] }, { name: 'db' }]), { orders: ['payments', 'db'], db: [] });
    assert.equal(timeOfInterest({ labels: {}, startsAt: '2026-12-05T01:00:00Z' }, 0), Date.parse('2026-12-05T01:00:00Z') / 1000);
    assert.equal(timeOfInterest({ labels: {} }, 7_000), 7);
    assert.equal(timeOfInterest({ labels: {}, startsAt: '2026-12-05T01:00:00Z' }, 0, 42), 42);
  });
});
