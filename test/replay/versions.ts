// Where recorded histories live: one folder per release (test/replay/histories/<version>/),
// the current release's being the one that tests and record-history.ts write to.
// A release's folder stays when the next one is cut, so that executions its
// workers started are proven to replay on the new code (docs/testing.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const HISTORIES_ROOT = join(__dirname, 'histories');

export function currentRelease(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The folder recordings of the current release go to. */
export const currentHistories = () => join(HISTORIES_ROOT, currentRelease());
