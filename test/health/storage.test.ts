// What the health loop keeps while PostgreSQL is away (lib/core/health/storage.ts)
// and how the drift loop notes it: pure code, no Temporal needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageAfterCheck } from '../../lib/core/drift/loop';
import { newHealthLoop, statusView } from '../../lib/core/health/loop';
import { MAX_UNSTORED_ROUNDS, storageFailed, storageRecovered, storageView, UNSTORED_DETAIL_CHARS, type UnstoredRound } from '../../lib/core/health/storage';
import { testHealthSpec } from '../helpers/health-spec';

const round = (n: number, detail = 'connection refused'): UnstoredRound => ({ round: n, at: 1_000 * n, results: [{ name: 'http', up: false, latencyMs: 1, attempts: 1, detail }] });

describe('health storage outage', () => {
  it('keeps the first failure time and every unstored round, in order', () => {
    let storage = storageFailed(undefined, 5_000, round(5));
    storage = storageFailed(storage, 6_000, round(6));
    storage = storageFailed(storage, 7_000);
    assert.equal(storage.unavailableSince, 5_000);
    assert.deepEqual(
      storage.unstored.map((kept) => kept.round),
      [5, 6],
    );
    assert.deepEqual(storageView(storage), { unavailableSince: 5_000, unstoredRounds: 2 });
  });

  it('stays bounded: the oldest rounds go first and are counted', () => {
    let storage = storageFailed(undefined, 0);
    for (let n = 1; n <= MAX_UNSTORED_ROUNDS + 5; n += 1) storage = storageFailed(storage, n * 1_000, round(n, 'x'.repeat(1_000)));
    assert.equal(storage.unstored.length, MAX_UNSTORED_ROUNDS);
    assert.equal(storage.unstored[0].round, 6);
    assert.equal(storage.dropped, 5);
    assert.equal(storage.unstored[0].results[0].detail.length, UNSTORED_DETAIL_CHARS);
    // Plain JSON: continue-as-new carries it as it is.
    assert.deepEqual(JSON.parse(JSON.stringify(storage)), storage);
  });

  it('is available again once the backlog is stored', () => {
    assert.equal(storageRecovered(undefined), undefined);
    assert.equal(storageRecovered({ unavailableSince: 1, unstored: [] }), undefined);
    const waiting = { unavailableSince: 1, unstored: [round(1)] };
    assert.equal(storageRecovered(waiting), waiting);
  });

  it('the status view says since when storage is unavailable, and nothing while it answers', () => {
    const loop = newHealthLoop(testHealthSpec('api'));
    assert.equal(statusView(loop, 10_000).storage, undefined);
    loop.state.storage = storageFailed(undefined, 9_000, round(9));
    assert.deepEqual(statusView(loop, 10_000).storage, { unavailableSince: 9_000, unstoredRounds: 1 });
  });

  it('a drift loop is unavailable from its first unrecorded check until one is recorded', () => {
    const first = storageAfterCheck(undefined, false, 100);
    assert.deepEqual(storageAfterCheck(first, false, 200), { unavailableSince: 100 });
    assert.equal(storageAfterCheck(first, true, 300), undefined);
  });
});
