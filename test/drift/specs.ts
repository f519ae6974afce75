// A drift spec for tests: one app whose desired state is the directory
// <root>/<app>/desired and whose live state is files under <root>/<app>/live,
// checked often, with short backoffs.
import { join } from 'node:path';
import type { DriftSpec } from '../../lib/core/drift/spec';

export function fileAppSpec(root: string, app: string, overrides: Partial<DriftSpec> = {}): DriftSpec {
  return {
    app,
    mode: 'detect',
    intervalMs: 300,
    jitterMs: 0,
    source: { type: 'directory', path: join(root, app, 'desired') },
    provider: { type: 'file', root: join(root, app, 'live'), format: 'auto' },
    ignore: [],
    sensitive: [],
    heal: { initialBackoffMs: 100, maxBackoffMs: 400, maxAttempts: 3, contestedAfter: 2 },
    windows: [],
    ...overrides,
  };
}
