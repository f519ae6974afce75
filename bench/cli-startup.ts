// CLI start-up: how long `vigil --help` and `vigil service list` take from spawn
// to exit, the way a user runs them (node bin/vigil.js, TypeScript through tsx,
// or the compiled dist/ with --dist). `service list` asks a stub API that
// answers at once, so the figures are the CLI's own cost: once with URL and
// token in the env (VIGIL_API_URL, VIGIL_TOKEN), once found in the configuration
// as after `vigil up` (server.port of the shipped configs/, <dataDir>/admin-token),
// which loads vigil.yaml and so the config schema, and once as announced by a
// running `vigil up` (cli/api-announce.ts), which skips the config. Target: ≤ 300 ms.
//   npm run bench:cli-startup -- [--runs N] [--dist]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { announceApi } from '../cli/api-announce';
import { describeMachine, intFlag, percentile, runBench, table } from './lib';

const ROOT = resolve(__dirname, '..');
const TOKEN = 'bench-cli-startup-token';

interface Case {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Wall time from spawn to exit; fails on a non-zero exit (the figure would mean nothing). */
function timeOnce(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const startedAt = performance.now();
    execFile(command[0], command.slice(1), { cwd: ROOT, env, timeout: 120_000 }, (error, _stdout, stderr) => {
      const ms = performance.now() - startedAt;
      if (error) reject(new Error(`${command.slice(1).join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolveRun(ms);
    });
  });
}

void runBench({
  name: 'cli-startup',
  limitMs: 10 * 60_000,
  body: async (cleanup) => {
    const args = process.argv.slice(2);
    const runs = intFlag(args, 'runs', 11);
    const dist = args.includes('--dist');
    const entry = dist ? join(ROOT, 'dist', 'cli', 'main.js') : join(ROOT, 'bin', 'vigil.js');
    if (!existsSync(entry)) throw new Error('run `npm run build` first (or drop --dist)');
    const machine = await describeMachine();

    // A stub API: the CLI's cost is the subject, not the API's.
    const stub = createServer((request, response) => {
      const ok = request.url === '/api/v1/services' && request.headers.authorization === `Bearer ${TOKEN}`;
      response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(ok ? '[{"name":"demo","status":"healthy"}]' : '{}');
    });
    await new Promise<void>((resolveListen) => stub.listen(0, '127.0.0.1', resolveListen));
    cleanup.defer('stop the stub API', () => new Promise((resolveClose) => stub.close(resolveClose)));
    const { port } = stub.address() as { port: number };

    // What `vigil up` leaves behind: the shipped configs/ (the API on server.port) and the admin token under dataDir.
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-cli-'));
    cleanup.defer('remove the data dir', () => rmSync(dataDir, { recursive: true, force: true }));
    writeFileSync(join(dataDir, 'admin-token'), `${TOKEN}\n`);

    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
    const base = { ...inherited, VIGIL_SERVER__PORT: String(port), VIGIL_DATA_DIR: dataDir };
    const cases: Case[] = [
      { name: 'vigil --help', args: ['--help'], env: base },
      { name: 'vigil service list (URL, token in env)', args: ['service', 'list'], env: { ...base, VIGIL_API_URL: `http://127.0.0.1:${port}`, VIGIL_TOKEN: TOKEN } },
      { name: 'vigil service list (URL, token from config)', args: ['service', 'list'], env: base },
      // After `vigil up` (cli/api-announce.ts): only where to look in the env, the running API announced in <dataDir>/run/api.json.
      { name: 'vigil service list (announced by vigil up)', args: ['service', 'list'], env: { ...inherited, VIGIL_DATA_DIR: dataDir, VIGIL_CONFIG_DIR: resolve(ROOT, 'configs') } },
    ];
    announceApi(dataDir, { url: `http://127.0.0.1:${port}`, tokenFile: join(dataDir, 'admin-token'), configDir: resolve(ROOT, 'configs'), pid: process.pid });

    const command = (extra: string[]) => [process.execPath, entry, ...extra];
    // One unmeasured run each: the first after an edit compiles the TypeScript into tsx's cache.
    for (const benchCase of cases) await timeOnce(command(benchCase.args), benchCase.env);
    const rows: (string | number)[][] = [['command', 'median (ms)', 'min (ms)', 'max (ms)']];
    for (const benchCase of cases) {
      const times: number[] = [];
      for (let index = 0; index < runs; index += 1) times.push(await timeOnce(command(benchCase.args), benchCase.env));
      rows.push([benchCase.name, Math.round(percentile(times, 50)), Math.round(Math.min(...times)), Math.round(Math.max(...times))]);
    }

    console.log(`# CLI start-up: ${dist ? 'node dist/cli/main.js' : 'node bin/vigil.js (tsx)'}, median of ${runs} runs`);
    console.log(`# ${machine.date}, ${machine.nproc} cores, ${cpus()[0]?.model ?? machine.cpuModel}, node ${machine.node}`);
    console.log(`# load average before start: ${machine.loadAverage1m} (CPU busy ${machine.cpuBusyPercent}%)`);
    console.log(table(rows));
  },
});
