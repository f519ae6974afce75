// The log tool without Loki: real JSON-lines files in a directory, as the shop
// writes them (<dir>/<service>.log), read by lib/adapters/logs/local-reader.ts,
// then through the triage's tool activity and PostgreSQL as the model gets it.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTriageActivities } from '../../activities/triage';
import { createTriageToolActivities, type ToolCallInput } from '../../activities/triage-tools';
import { createLogger } from '../../lib/adapters/log';
import { LogDirUnavailable, readLocalLogs } from '../../lib/adapters/logs/local-reader';
import { parseLogQuery } from '../../lib/core/logs/logql';
import { createTestDatabase, testConfig, uniqueName, type TestDatabase } from '../helpers/harness';

const BASE = Date.parse('2026-12-05T01:00:00Z');
const iso = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const line = (seconds: number, service: string, level: string, msg: string) => JSON.stringify({ time: iso(seconds), level, service, msg });

describe('local log files for the log tool', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-local-logs-'));
  const read = (query: string, fromSeconds = 0, toSeconds = 600, limit = 100, maxBytesPerFile?: number) =>
    readLocalLogs({ dir, query: parseLogQuery(query), startMs: BASE + fromSeconds * 1000, endMs: BASE + toSeconds * 1000, limit, maxBytesPerFile });
  const messages = (result: Awaited<ReturnType<typeof read>>) => result.entries.map((entry) => (entry.line.startsWith('{') ? JSON.parse(entry.line).msg : entry.line.trim()));

  before(() => {
    writeFileSync(
      join(dir, 'payments.log'),
      [
        line(10, 'payments', 'info', 'started'),
        line(60, 'payments', 'info', 'charge ok'),
        line(120, 'payments', 'error', 'charge failed: card processor timeout'),
        // A crash message between JSON lines belongs to the line before it.
        'Error: card processor timeout',
        '    at charge (/shop/payments.js:42:11)',
        line(121, 'payments', 'warn', 'retrying charge'),
        line(180, 'payments', 'error', 'charge failed: pool exhausted — ünïcode'),
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'orders.log'), [line(119, 'orders', 'info', 'order placed'), line(125, 'orders', 'error', 'payments answered 503'), ''].join('\n'));
    writeFileSync(join(dir, 'notes.txt'), line(130, 'orders', 'error', 'not a .log file'));
    mkdirSync(join(dir, 'archive.log')); // a directory named like a log is not read
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('selects by service and level, newest first, across files', async () => {
    const trace = ['at charge (/shop/payments.js:42:11)', 'Error: card processor timeout'];
    assert.deepEqual(messages(await read('{level="error"}')), ['charge failed: pool exhausted — ünïcode', 'payments answered 503', ...trace, 'charge failed: card processor timeout']);
    assert.deepEqual(messages(await read('{service="orders"}')), ['payments answered 503', 'order placed']);
    assert.deepEqual(messages(await read('{service=~"pay.*", level!~"info|error"}')), ['retrying charge']);
    const [newest] = (await read('{service="payments"}')).entries;
    assert.deepEqual(newest.labels, { service: 'payments', level: 'error' });
    assert.equal(newest.timeNs, BigInt(BASE + 180_000) * 1_000_000n);
  });

  it('keeps the lines without a time of their own with the line before them (its time, service and level)', async () => {
    const result = await read('{service="payments", level="error"} |= "card processor"');
    assert.deepEqual(
      result.entries.map((entry) => entry.line.slice(0, 40)),
      ['Error: card processor timeout', line(120, 'payments', 'error', 'x').slice(0, 40)],
    );
    assert.ok(result.entries.every((entry) => entry.timeNs === BigInt(BASE + 120_000) * 1_000_000n));
    assert.deepEqual((await read('{service="payments"} |= "payments.js:42"')).entries.length, 1);
  });

  it('line filters and the filename label', async () => {
    assert.deepEqual(messages(await read('{service="payments"} |~ "(?i)CHARGE FAILED" != "pool"')), ['charge failed: card processor timeout']);
    assert.deepEqual(messages(await read('{filename="orders.log"} !~ "placed"')), ['payments answered 503']);
    assert.deepEqual(messages(await read('{filename=~".*\\\\.txt"}')), [], 'only .log files are read');
  });

  it('the time range and the limit', async () => {
    assert.deepEqual(messages(await read('{service=~".+"} !~ "^\\\\s"', 100, 122)), ['retrying charge', 'Error: card processor timeout', 'charge failed: card processor timeout', 'order placed']);
    assert.deepEqual(messages(await read('{service=~".+"}', 0, 600, 2)), ['charge failed: pool exhausted — ünïcode', 'payments answered 503']);
    assert.deepEqual(messages(await read('{service=~".+"}', 700, 800)), []);
  });

  it('reads a large file from its tail only, and says when it stopped short', async () => {
    const big = join(dir, 'inventory.log');
    const filler = Array.from({ length: 4000 }, (_, index) => line(200 + index * 0.01, 'inventory', 'info', `stock checked ${index} ${'x'.repeat(60)}`)).join('\n');
    writeFileSync(big, `${filler}\n`);
    appendFileSync(big, `${line(300, 'inventory', 'error', 'stock service lost its cache')}\n`);
    const started = performance.now();
    const recent = await read('{service="inventory"}', 290, 600);
    assert.deepEqual(messages(recent), ['stock service lost its cache']);
    assert.deepEqual(recent.notes, []);
    const capped = await read('{service="inventory"} |= "never there"', 0, 600, 100, 64 * 1024);
    assert.deepEqual(capped.entries, []);
    assert.match(capped.notes[0], /^inventory\.log: only its last 64 KB were read; narrow the time range/);
    assert.ok(performance.now() - started < 2_000);
    rmSync(big);
  });

  it('a missing directory is an error naming it', async () => {
    await assert.rejects(
      readLocalLogs({ dir: join(dir, 'nope'), query: parseLogQuery('{service="x"}'), startMs: 0, endMs: Date.now(), limit: 10 }),
      (error: Error) => error instanceof LogDirUnavailable && /cannot read the log directory .*nope \(llm\.sources\.logDir\): ENOENT/.test(error.message),
    );
  });

  describe('through the query_logs tool', () => {
    let db: TestDatabase;
    const run = async (logDir: string, input: Record<string, unknown>) => {
      const config = testConfig({ llm: { sources: { lokiUrl: '', logDir } } });
      const deps = { pool: db.pool, config, log: createLogger('silent'), identity: 'test' };
      const activities = { ...createTriageActivities(deps), ...createTriageToolActivities(deps) };
      const triageId = `manual~${uniqueName('local_logs')}`;
      await activities.startTriageRun({
        triageId,
        workflowId: `triage/${triageId}`,
        source: 'manual',
        alert: { labels: { alertname: 'ShopHighErrorRate', service: 'payments' }, annotations: {} },
        gate: { investigate: true, reason: 'test' },
      });
      const call = { id: 'toolu_logs', name: 'query_logs', input };
      await new MockActivityEnvironment().run(activities.runTriageTool, { triageId, turn: 1, call, labels: { service: 'payments' } } satisfies ToolCallInput);
      const { rows } = await db.pool.query<{ status: string; output: string }>('SELECT status, output FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
      return rows[0];
    };

    before(async () => {
      db = await createTestDatabase('local_logs');
    });
    after(() => db.close());

    it('answers from the files in the Loki format', async () => {
      const result = await run(dir, { query: '{service="payments", level="error"} !~ "^\\\\s"', start: iso(100), end: iso(200), limit: 5 });
      assert.equal(result.status, 'ok');
      assert.equal(
        result.output,
        [
          '3 lines, newest first',
          `${iso(180)} {service="payments",level="error"} ${line(180, 'payments', 'error', 'charge failed: pool exhausted — ünïcode')}`,
          `${iso(120)} {service="payments",level="error"} Error: card processor timeout`,
          `${iso(120)} {service="payments",level="error"} ${line(120, 'payments', 'error', 'charge failed: card processor timeout')}`,
        ].join('\n'),
      );
    });

    it('a query outside the subset, or no source at all, is a tool error the model can act on', async () => {
      const unsupported = await run(dir, { query: 'sum by (level) (count_over_time({service="payments"}[5m]))' });
      assert.equal(unsupported.status, 'error');
      assert.match(unsupported.output, /^unsupported: metric or function queries \(sum\(\.\.\.\)\); without Loki/);
      const parser = await run(dir, { query: '{service="payments"} | json | level="error"' });
      assert.match(parser.output, /^unsupported: the pipeline stage "\| json"/);
      const nowhere = await run('', { query: '{service="payments"}' });
      assert.deepEqual([nowhere.status, nowhere.output], ['error', 'not configured: set llm.sources.lokiUrl (Loki) or llm.sources.logDir (a directory of JSON-lines log files)']);
    });
  });
});
