// The shared overview poller behind GET /api/v1/events, with a scripted build
// in place of PostgreSQL and Temporal (test/api/overview.test.ts covers the
// real sources): it tells listeners only of changes, polls only while somebody
// listens, and a listener who comes later is never shown an old overview.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { OverviewFeed } from '../../api/routes/overview/feed';
import type { Overview } from '../../api/schemas/overview';
import { createLogger } from '../../lib/adapters/log';
import { eventually } from '../helpers/eventually';

function scripted() {
  const source = { builds: 0, services: ['a'], fail: false };
  const build = async (): Promise<Overview> => {
    source.builds += 1;
    if (source.fail) throw new Error('PostgreSQL went away');
    return {
      generatedAt: new Date().toISOString(),
      services: source.services.map((name) => ({ name, status: 'healthy', loop: 'running' as const, workflowId: `health/${name}` })),
      drift: [],
      triages: [],
      actions: [],
      problems: [],
    };
  };
  return { source, feed: new OverviewFeed(build, 5, createLogger('silent')) };
}

const names = (overview: Overview) => overview.services.map((service) => service.name).join(',');

describe('overview feed', () => {
  it('sends the first overview, then only overviews that changed', async () => {
    const { source, feed } = scripted();
    const seen: string[] = [];
    const unsubscribe = feed.subscribe((overview) => seen.push(names(overview)));
    await eventually(async () => source.builds >= 5, 'five builds');
    assert.deepEqual(seen, ['a'], 'unchanged overviews (only the timestamp differs) are not sent again');
    source.services = ['a', 'b'];
    await eventually(async () => seen.length === 2, 'the change sent');
    assert.deepEqual(seen, ['a', 'a,b']);
    unsubscribe();
  });

  it('gives a second listener the current overview at once, and keeps going through a failed build', async () => {
    const { source, feed } = scripted();
    const first: string[] = [];
    const unsubscribe = feed.subscribe((overview) => first.push(names(overview)));
    await eventually(async () => first.length === 1, 'the first overview');
    const second: string[] = [];
    const unsubscribeSecond = feed.subscribe((overview) => second.push(names(overview)));
    assert.deepEqual(second, ['a'], 'given at subscription, before the next poll');

    source.fail = true;
    const failedAt = source.builds;
    await eventually(async () => source.builds >= failedAt + 3, 'polling goes on after failures');
    source.fail = false;
    source.services = ['c'];
    await eventually(async () => second.length === 2, 'the change after the failures');
    assert.deepEqual(
      [first, second],
      [
        ['a', 'c'],
        ['a', 'c'],
      ],
    );
    unsubscribe();
    unsubscribeSecond();
  });

  it('stops polling when the last listener leaves, and starts afresh for the next', async () => {
    const { source, feed } = scripted();
    const unsubscribe = feed.subscribe(() => {});
    await eventually(async () => source.builds >= 2, 'polling');
    unsubscribe();
    await sleep(20); // a build in flight when the listener left may still finish
    const stoppedAt = source.builds;
    await sleep(100);
    assert.equal(source.builds, stoppedAt, 'no builds without listeners');

    source.services = ['later'];
    const later: string[] = [];
    const unsubscribeLater = feed.subscribe((overview) => later.push(names(overview)));
    assert.deepEqual(later, [], 'nothing remembered from before: the next overview is built afresh');
    await eventually(async () => later.length === 1, 'a fresh overview');
    assert.deepEqual(later, ['later']);
    feed.close();
    const closedAt = source.builds;
    await sleep(100);
    assert.ok(source.builds <= closedAt + 1, 'close stops the polling');
    unsubscribeLater();
  });
});
