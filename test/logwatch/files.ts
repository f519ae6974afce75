// Log files in a temp dir and a watcher that drives scanLog as the health loop does,
// for the log watcher's tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { scanLog, type LogCursor, type LogScanResult, type LogWatchSpec } from '../../lib/adapters/logwatch';

export const dir = mkdtempSync(join(tmpdir(), 'vigil-logwatch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
export function logFile(content?: string): string {
  const path = join(dir, `app-${++files}.log`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

export function spec(path: string, extra: Partial<LogWatchSpec> = {}): LogWatchSpec {
  return { path, patterns: [{ name: 'error', regex: '^ERROR' }], threshold: { count: 3, withinMs: 60_000 }, ...extra };
}

/** A watcher the way the health loop drives it: the cursor only ever exists as JSON between scans. */
export function watcher(watch: LogWatchSpec) {
  let json: string | null = null;
  return {
    async scan(now = 0): Promise<LogScanResult> {
      const result = await scanLog(watch, json === null ? null : (JSON.parse(json) as LogCursor), now);
      json = JSON.stringify(result.cursor);
      return result;
    },
    /** Scans until the file is read to its end, adding up what was matched and read. */
    async drain(now = 0, limit = 100): Promise<{ scans: LogScanResult[]; matched: number; lines: number; evidence: string[] }> {
      const scans: LogScanResult[] = [];
      do scans.push(await this.scan(now));
      while (scans.at(-1)!.more && scans.length < limit);
      assert.equal(scans.at(-1)!.more, false, 'file read to its end');
      return {
        scans,
        matched: scans.reduce((sum, result) => sum + Object.values(result.matched).reduce((a, b) => a + b, 0), 0),
        lines: scans.reduce((sum, result) => sum + result.linesRead, 0),
        evidence: scans.flatMap((result) => result.evidence),
      };
    },
    get cursor(): LogCursor {
      return JSON.parse(json!) as LogCursor;
    },
  };
}
