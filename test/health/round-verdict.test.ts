// How the loop turns the latest view of every source into a round's verdict
// (lib/core/health/sources.ts): pure code, no Temporal needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentVerdict, type SourceState } from '../../lib/core/health/sources';
import type { CheckView } from '../../lib/core/health/views';
import { testHealthSpec } from '../helpers/health-spec';

const spec = testHealthSpec('api', {
  checks: [
    { name: 'healthz', intervalMs: 5_000, spec: { type: 'http', url: 'http://127.0.0.1:1/healthz' } },
    { name: 'deep', intervalMs: 60_000, spec: { type: 'tcp', host: '127.0.0.1', port: 1 } },
  ],
});
const view = (name: string, up: boolean, at: number): CheckView => ({ name, up, at, latencyMs: 1, attempts: 1, detail: up ? 'ok' : 'refused' });
const stateOf = (...views: CheckView[]): SourceState => ({ lastResults: Object.fromEntries(views.map((one) => [one.name, one])), baselines: {}, nextDue: {} });

describe('round verdict', () => {
  it('is down with a fresh failure in the round', () => {
    assert.deepEqual(currentVerdict(spec, stateOf(view('healthz', true, 2), view('deep', false, 2)), 2), { up: false, anomalous: false });
  });

  it('marks a round down only on a failure from an earlier round, so it counts once', () => {
    assert.deepEqual(currentVerdict(spec, stateOf(view('healthz', true, 2), view('deep', false, 1)), 2), { up: false, anomalous: false, repeatsEarlierFailure: true });
  });

  it('is down without the mark when a stale and a fresh failure meet', () => {
    assert.deepEqual(currentVerdict(spec, stateOf(view('healthz', false, 2), view('deep', false, 1)), 2), { up: false, anomalous: false });
  });

  it('is up when every latest view is up, and keeps the old verdict without a round time', () => {
    assert.deepEqual(currentVerdict(spec, stateOf(view('healthz', true, 2), view('deep', true, 1)), 2), { up: true, anomalous: false });
    assert.deepEqual(currentVerdict(spec, stateOf(view('healthz', true, 2), view('deep', false, 1))), { up: false, anomalous: false });
  });
});
