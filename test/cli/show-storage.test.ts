// `vigil service show` and `vigil drift show` say when a loop cannot store: the
// line an operator reads during a PostgreSQL outage (issue 18), and only then.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriftAppDetail } from '../../api/schemas/drift';
import type { ServiceDetail } from '../../api/schemas/services';
import { formatApp } from '../../cli/commands/drift';
import { formatService } from '../../cli/commands/service';

const SINCE = Date.parse('2026-12-05T01:02:03Z');

const service: ServiceDetail = {
  service: 'web',
  status: 'healthy',
  round: 41,
  consecutiveFailures: 0,
  consecutiveSuccesses: 3,
  checks: [],
  remediation: { actionsInWindow: 0, maxActions: 3 },
  workflowId: 'health/web',
};

const app: DriftAppDetail = {
  app: 'shop',
  mode: 'detect',
  status: 'in-sync',
  checks: 7,
  selfHeal: { attempts: 0, maxAttempts: 3, redrifts: 0 },
  diff: null,
  workflowId: 'drift/shop',
};

describe('the storage line of show', { timeout: 10_000 }, () => {
  it('vigil service show: degraded since when, and how many rounds wait', () => {
    assert.match(
      formatService({ ...service, storage: { unavailableSince: SINCE, unstoredRounds: 12 } }),
      /^storage {5}degraded: storage unavailable since 2026-12-05T01:02:03\.000Z \(12 rounds to store\)$/m,
    );
    assert.doesNotMatch(formatService(service), /storage/);
  });

  it('vigil drift show: degraded since when, and that checks go on', () => {
    assert.match(formatApp({ ...app, storage: { unavailableSince: SINCE } }), /^storage\s+degraded: storage unavailable since 2026-12-05T01:02:03\.000Z \(checks go on/m);
    assert.doesNotMatch(formatApp(app), /storage/);
  });
});
