// Which of the health loop's sources are due, what is failing, and when a quiet
// watch may run (lib/core/health/sources.ts): pure code, no Temporal needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dueSources,
  failingDetails,
  forgetRemovedSources,
  longestProbeMs,
  nextDueAt,
  quietWatchRoundsAtMost,
  quietWatchUntil,
  QUIET_WATCH_MAX_MS,
  type SourceState,
} from '../../lib/core/health/sources';
import type { CheckView } from '../../lib/core/health/views';
import { testHealthSpec } from '../helpers/health-spec';

const NOW = 1_000_000;
const spec = testHealthSpec('api', {
  checks: [
    { name: 'healthz', intervalMs: 1_000, spec: { type: 'http', url: 'http://127.0.0.1:1/healthz', timeoutMs: 2_000, retry: { retries: 1 } } },
    { name: 'deep', intervalMs: 60_000, spec: { type: 'tcp', host: '127.0.0.1', port: 1 } },
  ],
  metrics: [{ name: 'cpu', intervalMs: 30_000, windowMs: 60_000, condition: { aggregate: 'avg', metric: 'cpu', labels: {}, op: '>', threshold: 90, forMs: 0 } }],
});
const view = (name: string, up: boolean): CheckView => ({ name, up, at: NOW, latencyMs: 1, attempts: 1, detail: up ? 'ok' : `${name} down` });
const state = (overrides: Partial<SourceState> = {}): SourceState => ({ lastResults: {}, baselines: {}, nextDue: {}, ...overrides });

describe('health sources', () => {
  it('lists what is failing in the spec order, whatever order the views came in', () => {
    const lastResults = { 'metric:cpu': view('metric:cpu', false), deep: view('deep', true), healthz: view('healthz', false) };
    assert.deepEqual(failingDetails(spec, state({ lastResults })), ['healthz: healthz down', 'metric:cpu: metric:cpu down']);
  });

  it('runs what is due, and knows when the next one is', () => {
    const due = dueSources(spec, state({ nextDue: { healthz: NOW, deep: NOW + 1, 'metric:cpu': NOW - 1 } }), NOW);
    assert.deepEqual([due.checks.map((check) => check.name), due.logs, due.metrics.map((policy) => policy.name)], [['healthz'], [], ['cpu']]);
    assert.equal(nextDueAt(spec, state({ nextDue: { healthz: NOW + 5, deep: NOW + 60, 'metric:cpu': NOW + 30 } }), NOW), NOW + 5);
    assert.equal(nextDueAt(testHealthSpec('idle'), state(), NOW), Infinity);
  });

  it('forgets the sources a new spec no longer has', () => {
    const kept = state({ lastResults: { healthz: view('healthz', true), gone: view('gone', true) }, nextDue: { healthz: 1, gone: 2 }, policyPending: { 'metric:old': 1 } });
    forgetRemovedSources(spec, kept);
    assert.deepEqual([Object.keys(kept.lastResults), kept.nextDue, kept.policyPending], [['healthz'], { healthz: 1 }, {}]);
  });

  it('bounds a probe by every attempt timing out plus the backoff between them', () => {
    assert.equal(longestProbeMs(spec.checks), 2 * 2_000 + 5_000);
  });

  it('watches quietly until the next other source is due, only when two check rounds fit', () => {
    const nextDue = { healthz: NOW, deep: NOW, 'metric:cpu': NOW + 5_000 };
    assert.equal(quietWatchUntil(spec, state({ nextDue }), NOW), NOW + 5_000 - 1);
    assert.equal(quietWatchUntil(spec, state({ nextDue: { ...nextDue, 'metric:cpu': NOW + 500 } }), NOW), undefined);
    const checksOnly = { ...spec, metrics: [] };
    assert.equal(quietWatchUntil(checksOnly, state({ nextDue }), NOW), NOW + 9 * 1_000);
    const slow = { ...checksOnly, checks: checksOnly.checks.map((check) => ({ ...check, intervalMs: 60_000 })) };
    assert.equal(quietWatchUntil(slow, state({ nextDue }), NOW), NOW + QUIET_WATCH_MAX_MS);
    assert.equal(quietWatchUntil(testHealthSpec('idle'), state(), NOW), undefined);
  });

  it('knows how many round numbers a watch may use: each check at most once per interval until its end', () => {
    const checksOnly = { ...spec, metrics: [] };
    // healthz at 0, 1, …, 9 s and deep once: at most 11 rounds in 9 s.
    assert.equal(quietWatchRoundsAtMost(checksOnly, state({ nextDue: { healthz: NOW, deep: NOW } }), NOW, NOW + 9_000), 11);
    // A check due later runs fewer times; one due after the end not at all; one due in the past counts from now.
    assert.equal(quietWatchRoundsAtMost(checksOnly, state({ nextDue: { healthz: NOW + 4_500, deep: NOW + 10_000 } }), NOW, NOW + 9_000), 5);
    assert.equal(quietWatchRoundsAtMost(checksOnly, state({ nextDue: { healthz: NOW - 60_000, deep: NOW + 10_000 } }), NOW, NOW + 9_000), 10);
  });
});
