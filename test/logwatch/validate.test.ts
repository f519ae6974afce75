// Validation of a log watch definition, and the cursor it leaves, on real files.
import assert from 'node:assert/strict';
import { appendFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { scanLog, validateLogWatch, type LogCursor } from '../../lib/adapters/logwatch';
import { logFile, spec } from './files';

describe('validateLogWatch and the cursor', () => {
  it('names the pattern whose regex is invalid; scanLog reports it instead of throwing', async () => {
    const path = logFile('ERROR x\n');
    const bad = spec(path, {
      patterns: [
        { name: 'ok', regex: 'fine' },
        { name: 'broken', regex: '(unclosed' },
        { name: 'ok', regex: 'x', flags: 'q' },
      ],
    });
    const problems = validateLogWatch(bad);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^patterns\[1\] \(broken\)\.regex: invalid regular expression/);
    assert.match(problems[1], /^patterns\[2\]\.name: duplicate pattern name "ok"/);
    assert.match(problems[2], /^patterns\[2\] \(ok\)\.regex: invalid regular expression.*flags/i);
    const cursor: LogCursor = { dev: '1', ino: '2', offset: 3, recent: [] };
    const result = await scanLog(bad, cursor, 0);
    assert.deepEqual([result.status, result.problems, result.cursor, result.over], ['invalid', problems, cursor, false]);
  });

  it('refuses other bad settings', () => {
    const problems = validateLogWatch({
      path: '',
      patterns: [],
      threshold: { count: 0, withinMs: 1.5 },
      maxBytesPerScan: 10,
      maxLineBytes: 20,
      rotatedNames: [''],
    });
    assert.deepEqual(problems, [
      'path: must be a non-empty string',
      'patterns: must list at least one pattern',
      'threshold.count: must be a positive integer',
      'threshold.withinMs: must be a positive integer (milliseconds)',
      'maxLineBytes: must not exceed maxBytesPerScan (20 > 10)',
      'rotatedNames: must be a list of non-empty suffixes, e.g. [".1"]',
    ]);
    assert.deepEqual(validateLogWatch(spec('/var/log/x.log')), []);
  });

  it('round-trips the cursor through JSON unchanged, and keeps it small', async () => {
    const path = logFile('');
    const watch = spec(path, { maxLineBytes: 10, maxBytesPerScan: 100 });
    let cursor = (await scanLog(watch, null, 0)).cursor;
    appendFileSync(path, `ERROR ${'x'.repeat(150)}\nERROR b\n`);
    for (let t = 1; t <= 3; t++) {
      const result = await scanLog(watch, cursor, t);
      const json = JSON.stringify(result.cursor);
      assert.deepEqual(JSON.parse(json), result.cursor);
      assert.ok(json.length < 400, json);
      cursor = JSON.parse(json) as LogCursor;
    }
    assert.equal(typeof cursor.dev, 'string');
    assert.equal(cursor.ino, String(statSync(path).ino));
    assert.ok(cursor.head && cursor.head.len === Math.min(128, cursor.offset));
    assert.deepEqual(
      cursor.recent.map((entry) => entry.count),
      [1, 1],
    );
  });
});
