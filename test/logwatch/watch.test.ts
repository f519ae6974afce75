// The log watcher against real files in a temp dir: every scan gets its cursor
// back through JSON, as it would through an activity's result and argument.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MAX_WINDOW_ENTRIES, scanLog } from '../../lib/adapters/logwatch';
import { dir, logFile, spec, watcher } from './files';

describe('scanLog: reading', () => {
  it('counts appended lines once across scans', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    assert.equal((await w.scan()).linesRead, 0);
    appendFileSync(path, 'INFO up\nERROR one\n');
    let result = await w.scan();
    assert.deepEqual([result.status, result.matched, result.linesRead, result.evidence], ['ok', { error: 1 }, 2, ['ERROR one']]);
    result = await w.scan();
    assert.deepEqual([result.matched, result.linesRead, result.bytesRead], [{ error: 0 }, 0, 0]);
    appendFileSync(path, 'ERROR two\r\nWARN x\n');
    result = await w.scan();
    assert.deepEqual([result.matched, result.evidence, result.counts], [{ error: 1 }, ['ERROR two'], { error: 2 }]);
    assert.equal(w.cursor.offset, statSync(path).size);
  });

  it('starts at the end of an existing file by default, or at its start when asked', async () => {
    const path = logFile('ERROR old 1\nERROR old 2\nERROR still being writ');
    const fromEnd = watcher(spec(path));
    const fromStart = watcher(spec(path, { startAt: 'start' }));
    assert.deepEqual((await fromEnd.scan()).matched, { error: 0 });
    assert.deepEqual((await fromStart.scan()).matched, { error: 2 });
    appendFileSync(path, 'ten\nERROR new\n');
    // The line that was unfinished when watching began counts once it is finished.
    assert.deepEqual((await fromEnd.scan()).evidence, ['ERROR still being written', 'ERROR new']);
    assert.deepEqual((await fromStart.scan()).evidence, ['ERROR still being written', 'ERROR new']);
  });

  it('holds a line split across scans until its newline arrives', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan();
    appendFileSync(path, 'INFO a\nERROR par');
    let result = await w.scan();
    assert.deepEqual([result.matched, result.linesRead], [{ error: 0 }, 1]);
    appendFileSync(path, 'tial');
    assert.deepEqual((await w.scan()).linesRead, 0);
    appendFileSync(path, ' line\nERR');
    result = await w.scan();
    assert.deepEqual([result.matched, result.evidence, result.linesRead], [{ error: 1 }, ['ERROR partial line'], 1]);
    appendFileSync(path, 'OR next\n');
    assert.deepEqual((await w.scan()).evidence, ['ERROR next']);
  });

  it('never splits a multi-byte character when the budget ends inside it', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `ERROR é→日本 ${i} ${'ü'.repeat(i % 7)}`);
    const path = logFile(`${lines.join('\n')}\n`);
    const w = watcher(spec(path, { startAt: 'start', maxBytesPerScan: 61, maxLineBytes: 61, maxEvidenceLines: 1000 }));
    const { scans, evidence } = await w.drain();
    assert.ok(scans.length > 10);
    assert.deepEqual(evidence, lines);
  });

  it('consumes a 3 MiB append over several bounded scans, nothing counted twice or lost', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { patterns: [{ name: 'error', regex: '^ERROR id=\\d+ x+$' }], maxEvidenceLines: 1_000_000 }));
    await w.scan();
    const lines: string[] = [];
    let errors = 0;
    for (let i = 0, bytes = 0; bytes < 3 * 1024 * 1024; i++) {
      const line = i % 3 === 0 ? `ERROR id=${errors++} ${'x'.repeat(1 + (i % 97))}` : `INFO ${i} ${'y'.repeat(i % 50)}`;
      lines.push(line);
      bytes += line.length + 1;
    }
    appendFileSync(path, `${lines.join('\n')}\n`);
    const { scans, matched, lines: read, evidence } = await w.drain();
    assert.ok(scans.length >= 3, `${scans.length} scans`);
    assert.ok(scans.every((scan) => scan.bytesRead <= 1024 * 1024));
    assert.ok(scans.slice(0, -1).every((scan) => scan.more));
    assert.equal(read, lines.length);
    assert.equal(matched, errors);
    const ids = evidence.map((line) => Number(/id=(\d+)/.exec(line)![1]));
    assert.deepEqual(
      ids,
      Array.from({ length: errors }, (_, i) => i),
    );
    assert.equal(w.cursor.offset, statSync(path).size);
  });

  it('matches the first part of an over-long line and skips the rest of it', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { maxLineBytes: 100, maxBytesPerScan: 1000 }));
    await w.scan();
    appendFileSync(path, `ERROR huge ${'x'.repeat(3000)} ERROR inside ${'z'.repeat(2000)}\nERROR after\nINFO end\n`);
    const { matched, lines, evidence } = await w.drain();
    assert.equal(matched, 2);
    assert.equal(lines, 3);
    assert.equal(evidence.length, 2);
    assert.match(evidence[0], /^ERROR huge x+$/);
    assert.equal(evidence[1], 'ERROR after');
  });

  it('applies flags, ignores g, and counts a line once per matching pattern', async () => {
    const path = logFile('');
    const patterns = [
      { name: 'error', regex: 'error', flags: 'gi' },
      { name: 'timeout', regex: 'timed out' },
    ];
    const w = watcher(spec(path, { patterns }));
    await w.scan();
    appendFileSync(path, 'Error: a\nERROR b timed out\nerror c\nok\n');
    const result = await w.scan();
    assert.deepEqual(result.matched, { error: 3, timeout: 1 });
    assert.deepEqual(result.evidence, ['Error: a', 'ERROR b timed out', 'error c']);
  });
});

describe('scanLog: rotation, truncation, missing files', () => {
  it('reads the remainder of a renamed file, then the new file, each line exactly once', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { threshold: { count: 100, withinMs: 60_000 }, maxEvidenceLines: 100 }));
    await w.scan(0);
    appendFileSync(path, 'ERROR a1\nERROR a2\nERROR a3\n');
    assert.deepEqual((await w.scan(1)).matched, { error: 3 });
    appendFileSync(path, 'ERROR a4\nERROR a5\n');
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, 'ERROR a6\nERROR a7 last line, no newline'); // the writer had not reopened yet
    writeFileSync(path, 'ERROR b1\nERROR b2\n');
    let result = await w.scan(2);
    assert.deepEqual(result.evidence, ['ERROR a4', 'ERROR a5', 'ERROR a6', 'ERROR a7 last line, no newline', 'ERROR b1', 'ERROR b2']);
    assert.deepEqual([result.status, result.rotated, result.remainderLost, result.truncated], ['ok', true, false, false]);
    assert.equal(w.cursor.ino, String(statSync(path).ino));
    appendFileSync(path, 'ERROR b3\n');
    result = await w.scan(3);
    assert.deepEqual([result.evidence, result.rotated, result.counts], [['ERROR b3'], false, { error: 10 }]);
  });

  it('finishes a rotated remainder larger than the budget over several scans before moving on', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { maxBytesPerScan: 4096, maxLineBytes: 1024, maxEvidenceLines: 10_000 }));
    await w.scan();
    const old = Array.from({ length: 1000 }, (_, i) => `ERROR old ${i}`);
    appendFileSync(path, `${old.join('\n')}\n`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'ERROR new 0\n');
    const { scans, evidence } = await w.drain();
    assert.ok(scans.length > 3);
    assert.ok(scans.slice(0, -1).every((scan) => !scan.rotated && scan.more));
    assert.equal(scans.at(-1)!.rotated, true);
    assert.deepEqual(evidence, [...old, 'ERROR new 0']);
  });

  it('looks for the rotated file under each configured name, by inode', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { rotatedNames: ['.1', '.0', '-old'] }));
    await w.scan();
    appendFileSync(path, 'ERROR x\n');
    writeFileSync(`${path}.1`, 'ERROR some other file, not ours\n');
    renameSync(path, `${path}-old`);
    writeFileSync(path, 'ERROR y\n');
    const result = await w.scan();
    assert.deepEqual([result.evidence, result.remainderLost], [['ERROR x', 'ERROR y'], false]);
  });

  it('reports a lost remainder when the rotated file is not found, and reads the new file from 0', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan();
    appendFileSync(path, 'ERROR unread\n');
    renameSync(path, `${path}.gz`);
    writeFileSync(path, 'ERROR fresh\n');
    const result = await w.scan();
    assert.deepEqual([result.rotated, result.remainderLost, result.evidence], [true, true, ['ERROR fresh']]);
  });

  it('reads a rotated remainder while the new file has not appeared yet', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan();
    appendFileSync(path, 'ERROR 1\n');
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, 'ERROR 2\nERROR 3 unfinished');
    let result = await w.scan();
    assert.deepEqual([result.status, result.evidence], ['missing', ['ERROR 1', 'ERROR 2']]);
    appendFileSync(`${path}.1`, '\n');
    writeFileSync(path, 'ERROR 4\n');
    result = await w.scan();
    assert.deepEqual([result.status, result.rotated, result.evidence], ['ok', true, ['ERROR 3 unfinished', 'ERROR 4']]);
  });

  it('starts again from 0 after copytruncate', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan();
    appendFileSync(path, 'ERROR 1\nERROR 2\nINFO 3\n');
    assert.deepEqual((await w.scan()).matched, { error: 2 });
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'ERROR 4\n');
    const result = await w.scan();
    assert.deepEqual([result.truncated, result.rotated, result.evidence], [true, false, ['ERROR 4']]);
    assert.equal((await w.scan()).truncated, false);
  });

  it('notices a truncated file that was written past the old offset before the scan', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { maxEvidenceLines: 100 }));
    await w.scan();
    appendFileSync(path, 'ERROR a\nINFO b\n');
    await w.scan();
    truncateSync(path, 0);
    const again = Array.from({ length: 20 }, (_, i) => `ERROR again ${i}`);
    appendFileSync(path, `${again.join('\n')}\n`);
    const result = await w.scan();
    assert.equal(result.truncated, true);
    assert.deepEqual(result.evidence, again);
  });

  it('says missing and keeps the cursor when the file is deleted, and reads a new one from 0', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan(0);
    appendFileSync(path, 'ERROR 1\n');
    await w.scan(1);
    const before = w.cursor;
    unlinkSync(path);
    const result = await w.scan(2);
    assert.deepEqual([result.status, result.bytesRead, result.counts], ['missing', 0, { error: 1 }]);
    assert.deepEqual(w.cursor, before);
    writeFileSync(path, 'ERROR again\n');
    assert.deepEqual((await w.scan(3)).evidence, ['ERROR again']);
  });

  it('says missing on the first scan and reads the whole file once it appears', async () => {
    const path = logFile();
    const w = watcher(spec(path));
    assert.equal((await w.scan()).status, 'missing');
    writeFileSync(path, 'ERROR first\n');
    assert.deepEqual((await w.scan()).evidence, ['ERROR first']);
  });

  it('reports a path that is not a file as unreadable, without counting', async () => {
    const result = await scanLog(spec(dir), null, 0);
    assert.equal(result.status, 'unreadable');
    assert.match(result.detail!, /not a regular file/);
  });
});

describe('scanLog: window, threshold, evidence', () => {
  it('crosses the threshold within the window and drops back as matches age out', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { threshold: { count: 3, withinMs: 60_000 } }));
    await w.scan(0);
    appendFileSync(path, 'ERROR 1\nERROR 2\n');
    let result = await w.scan(10_000);
    assert.deepEqual([result.over, result.counts], [false, { error: 2 }]);
    appendFileSync(path, 'ERROR 3\n');
    result = await w.scan(40_000);
    assert.deepEqual([result.over, result.counts, result.matched], [true, { error: 3 }, { error: 1 }]);
    result = await w.scan(69_999);
    assert.deepEqual([result.over, result.counts], [true, { error: 3 }]);
    result = await w.scan(70_000); // the first two are 60 s old now
    assert.deepEqual([result.over, result.counts], [false, { error: 1 }]);
    result = await w.scan(100_000);
    assert.deepEqual([result.over, result.counts, w.cursor.recent], [false, { error: 0 }, []]);
  });

  it('counts each pattern against the threshold separately', async () => {
    const path = logFile('');
    const patterns = [
      { name: 'error', regex: '^ERROR' },
      { name: 'oom', regex: 'OutOfMemory' },
    ];
    const w = watcher(spec(path, { patterns, threshold: { count: 2, withinMs: 1000 } }));
    await w.scan(0);
    appendFileSync(path, 'ERROR x\nWARN OutOfMemory\n');
    assert.equal((await w.scan(1)).over, false);
    appendFileSync(path, 'WARN OutOfMemory again\n');
    const result = await w.scan(2);
    assert.deepEqual([result.over, result.counts], [true, { error: 1, oom: 2 }]);
  });

  it('bounds the evidence: the last lines, each cut', async () => {
    const path = logFile('');
    const w = watcher(spec(path));
    await w.scan();
    appendFileSync(path, Array.from({ length: 100 }, (_, i) => `ERROR ${String(i).padStart(3, '0')} ${'e'.repeat(2000)}\n`).join(''));
    const result = await w.scan();
    assert.equal(result.matched.error, 100);
    assert.equal(result.evidence.length, 20);
    assert.equal(result.evidenceDropped, 80);
    assert.ok(result.evidence.every((line) => line.length === 500 && line.endsWith('…')));
    assert.ok(result.evidence[0].startsWith('ERROR 080 ') && result.evidence[19].startsWith('ERROR 099 '));
  });

  it('keeps the window bounded', async () => {
    const path = logFile('');
    const w = watcher(spec(path, { threshold: { count: 1, withinMs: 1e9 } }));
    await w.scan(0);
    for (let t = 1; t <= MAX_WINDOW_ENTRIES + 10; t++) {
      appendFileSync(path, 'ERROR tick\n');
      await w.scan(t);
    }
    assert.equal(w.cursor.recent.length, MAX_WINDOW_ENTRIES);
    assert.equal(w.cursor.recent[0].at, 11);
  });
});
