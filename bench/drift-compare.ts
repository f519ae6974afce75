// Drift reconcile pass over many desired documents with the file provider, pure
// Node (no Temporal, no PostgreSQL): the parts of driftCheck and driftSync that
// scale with the number of documents.
//   node --import tsx bench/drift-compare.ts -- [--documents 1000] [--runs 10] [--json]
// Rows:
//   compare only: compareDocuments over documents already in memory (10 % drifted);
//   check pass: read the directory source, read every live file, compare (what
//     driftCheck does before it stores), with 10 % of the live files drifted;
//   check + apply: the same, then apply the drifted 10 % (atomic writes).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerFor } from '../activities/drift-providers';
import { readSource } from '../activities/drift-sources';
import { compareDocuments } from '../lib/core/drift/compare';
import { describeMachine, intFlag, runBench, summarize, table } from './lib';

function desiredState(index: number) {
  return {
    metadata: { name: `svc-${index}`, labels: { app: `svc-${index}`, tier: index % 2 ? 'web' : 'worker' }, annotations: { owner: 'team-a' } },
    spec: { replicas: 3, image: `registry.local/svc-${index}:1.${index % 7}`, env: { LOG_LEVEL: 'info', REGION: 'eu' }, ports: [80, 443], resources: { cpu: '250m', memory: '256Mi' } },
  };
}

void runBench({
  name: 'drift-compare',
  limitMs: 600_000,
  body: async () => {
    const args = process.argv.slice(2);
    const count = intFlag(args, 'documents', 1000);
    const runs = intFlag(args, 'runs', 10);
    const machine = await describeMachine();
    const root = mkdtempSync(join(tmpdir(), 'vigil-bench-drift-'));
    try {
      mkdirSync(join(root, 'desired'));
      mkdirSync(join(root, 'live'));
      const drifted = (index: number) => index % 10 === 0;
      const liveState = (index: number) => (drifted(index) ? { ...desiredState(index), spec: { ...desiredState(index).spec, replicas: 5 } } : desiredState(index));
      for (let index = 0; index < count; index += 1) {
        writeFileSync(join(root, 'desired', `svc-${index}.yaml`), JSON.stringify({ target: `svc-${index}.json`, state: desiredState(index) }));
      }
      const resetLive = () => {
        for (let index = 0; index < count; index += 1) writeFileSync(join(root, 'live', `svc-${index}.json`), JSON.stringify(liveState(index)));
      };
      resetLive();
      const source = { type: 'directory' as const, path: join(root, 'desired') };
      const provider = providerFor({ type: 'file', root: join(root, 'live'), format: 'auto' });
      const options = { ignore: ['/metadata/annotations/*'], sensitive: ['/spec/env/*'] };

      const snapshot = await readSource(source, { cacheDir: root });
      const live = snapshot.documents.map((document) => ({ target: document.target, exists: true as const, state: liveState(Number(/\d+/.exec(document.target)![0])) }));
      const compareMs: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const started = performance.now();
        const comparison = compareDocuments(snapshot.documents, live, options);
        compareMs.push(performance.now() - started);
        if (comparison.drifted.length !== Math.ceil(count / 10)) throw new Error(`expected ${Math.ceil(count / 10)} drifted, got ${comparison.drifted.length}`);
      }

      const pass = async (apply: boolean) => {
        const started = performance.now();
        const desired = await readSource(source, { cacheDir: root });
        const reads = await Promise.all(desired.documents.map((document) => provider.read(document.target, document.state)));
        const comparison = compareDocuments(desired.documents, reads, options);
        if (apply) {
          const byTarget = new Map(desired.documents.map((document) => [document.target, document.state]));
          for (const target of comparison.drifted) await provider.apply(target, byTarget.get(target));
        }
        return performance.now() - started;
      };
      const checkMs: number[] = [];
      const applyMs: number[] = [];
      for (let run = 0; run < runs; run += 1) checkMs.push(await pass(false));
      for (let run = 0; run < runs; run += 1) {
        resetLive();
        applyMs.push(await pass(true));
      }
      const results = { documents: count, driftedPercent: 10, compare: summarize(compareMs), check: summarize(checkMs), checkAndApply: summarize(applyMs) };
      if (args.includes('--json')) {
        console.log(JSON.stringify({ machine, results }, null, 2));
        return;
      }
      console.log(
        `machine: ${machine.date}, ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage1m}, ${machine.cpuBusyPercent}% busy before the start`,
      );
      console.log(`${count} documents, 10 % drifted, ${runs} runs each\n`);
      console.log(
        table([
          ['pass', 'median ms', 'p90 ms', 'max ms'],
          ['compare only', results.compare.medianMs, results.compare.p90Ms, results.compare.maxMs],
          ['check (read source + live + compare)', results.check.medianMs, results.check.p90Ms, results.check.maxMs],
          ['check + apply 10 %', results.checkAndApply.medianMs, results.checkAndApply.p90Ms, results.checkAndApply.maxMs],
        ]),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});
