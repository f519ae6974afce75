// Cold start: from `npm start` to "Vigil is up." (every part answering), on an
// empty data directory (first run: initdb, new Temporal database) and then on
// the same directory again (warm runs). Also times the stop after each run.
//   npm run bench:cold-start -- [--warm N] [--dist]
// --dist measures `node dist/cli/main.js up` after `npm run build` instead
// (what a container runs: compiled code and a prebuilt workflow bundle).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { provisionTemporalCli } from '../lib/adapters/temporal/cli-binary';
import { freeVigilPorts, processesMentioning, upEnv } from '../test/helpers/vigil-process';
import { describeMachine, intFlag, percentile, runBench, table } from './lib';

const ROOT = resolve(__dirname, '..');

interface Timing {
  run: string;
  readyMs: number;
  stopMs: number;
}

/** Starts Vigil like a user in a terminal and stops it like Ctrl-C (SIGINT to the foreground group). */
async function startAndStop(command: string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<Omit<Timing, 'run'>> {
  const startedAt = performance.now();
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (exitCode !== undefined || performance.now() - startedAt > 180_000) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`vigil did not come up (exit ${exitCode}):\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  const readyMs = performance.now() - startedAt;
  const stoppingAt = performance.now();
  process.kill(-child.pid!, 'SIGINT');
  const code = await exited;
  const stopMs = performance.now() - stoppingAt;
  // With .npmrc's script-shell=bash npm exits with Vigil's status (0); an npm that re-raises the SIGINT
  // it got exits with status null. What counts is that vigil stopped cleanly.
  if (!(code === 0 || (code === null && output.includes('vigil: stopped')))) throw new Error(`vigil exited ${code} on SIGINT:\n${output}`);
  const left = processesMentioning(dataDir);
  if (left.length) throw new Error(`processes left behind: ${left.join(', ')}`);
  return { readyMs, stopMs };
}

void runBench({
  name: 'cold-start',
  limitMs: 15 * 60_000,
  body: async (cleanup) => {
    const args = process.argv.slice(2);
    const warmRuns = intFlag(args, 'warm', 3);
    const dist = args.includes('--dist');
    const temporalCli = await provisionTemporalCli({ dataDir: join(ROOT, '.vigil'), say: (line) => console.error(line) });
    if (dist && !existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first (or drop --dist)');
    const command = dist ? [process.execPath, join(ROOT, 'dist', 'cli', 'main.js'), 'up'] : ['npm', 'start', '--silent'];
    const machine = await describeMachine({ temporal: temporalCli });

    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-start-'));
    chmodSync(dataDir, 0o755);
    cleanup.defer('remove data dir', () => rmSync(dataDir, { recursive: true, force: true }));
    cleanup.defer('kill leftovers', () => processesMentioning(dataDir).forEach((pid) => process.kill(pid, 'SIGKILL')));
    const env = upEnv(dataDir, await freeVigilPorts(), temporalCli);

    const timings: Timing[] = [];
    timings.push({ run: 'first (empty data dir)', ...(await startAndStop(command, env, dataDir)) });
    for (let index = 1; index <= warmRuns; index += 1) {
      timings.push({ run: `warm ${index}`, ...(await startAndStop(command, env, dataDir)) });
    }
    const warm = timings.slice(1).map((timing) => timing.readyMs);
    const seconds = (ms: number) => (ms / 1000).toFixed(2);

    console.log(`# Cold start: ${command.join(' ')}  (${machine.date}, ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.temporal})`);
    console.log(`# machine busy before start: ${machine.cpuBusyPercent}% (load ${machine.loadAverage1m})`);
    console.log(table([['run', 'ready (s)', 'stop (s)'], ...timings.map((timing) => [timing.run, seconds(timing.readyMs), seconds(timing.stopMs)])]));
    if (warm.length) console.log(`warm median ${seconds(percentile(warm, 50))} s, max ${seconds(percentile(warm, 100))} s (goal: <= 15 s)`);
  },
});
