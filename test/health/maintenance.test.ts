import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeMaintenance, isCronExpression } from '../../lib/core/health/maintenance';

const at = (iso: string) => Date.parse(iso);
const nightly = { cron: '0 3 * * *', durationMs: 30 * 60_000, timezone: 'UTC' };

describe('maintenance windows', () => {
  it('are active from the cron time for their duration, and not outside it', () => {
    assert.equal(activeMaintenance([nightly], at('2026-11-23T02:59:59Z')), undefined);
    assert.deepEqual(activeMaintenance([nightly], at('2026-11-23T03:00:00Z')), { until: at('2026-11-23T03:30:00Z'), cron: '0 3 * * *' });
    assert.deepEqual(activeMaintenance([nightly], at('2026-11-23T03:29:59Z'))?.until, at('2026-11-23T03:30:00Z'));
    assert.equal(activeMaintenance([nightly], at('2026-11-23T03:30:00Z')), undefined);
  });

  it('honour the time zone', () => {
    const berlin = { ...nightly, timezone: 'Europe/Berlin' };
    assert.ok(activeMaintenance([berlin], at('2026-11-23T02:10:00Z')), '03:10 in Berlin (UTC+1)');
    assert.equal(activeMaintenance([berlin], at('2026-11-23T03:10:00Z')), undefined);
  });

  it('take the window that lasts longest when several overlap', () => {
    const long = { cron: '0 3 * * *', durationMs: 2 * 3_600_000, timezone: 'UTC' };
    assert.equal(activeMaintenance([nightly, long], at('2026-11-23T03:10:00Z'))?.until, at('2026-11-23T05:00:00Z'));
  });

  it('validate expressions', () => {
    assert.equal(isCronExpression('0 3 * * 0'), true);
    assert.equal(isCronExpression('61 * * * *'), false);
    assert.equal(isCronExpression('every night'), false);
  });
});
