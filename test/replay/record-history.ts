// Saves the history of a finished execution for the replay tests, in the JSON
// form the Temporal CLI and UI export:
//   node --import tsx test/replay/record-history.ts <workflowId> <name> [address]
// Record one per workflow (and per branch worth keeping) whenever a workflow's
// code changes shape on purpose; the replay test then guards the old histories.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../../lib/adapters/temporal/cli-binary';
import { currentHistories } from './versions';

const [workflowId, name, address = '127.0.0.1:7233'] = process.argv.slice(2);
if (!workflowId || !name) {
  console.error('usage: record-history.ts <workflowId> <name> [address]');
  process.exit(2);
}
const cli = findTemporalCli({ dataDir: join(__dirname, '..', '..', '.vigil') });
if (!cli) {
  console.error('no Temporal CLI found (run `npm start` once, or put `temporal` on PATH)');
  process.exit(1);
}
const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--output', 'json'], { encoding: 'utf8' });
mkdirSync(currentHistories(), { recursive: true });
const file = join(currentHistories(), `${name}.json`);
writeFileSync(file, json);
console.log(`wrote ${file} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
