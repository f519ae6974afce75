// One scan of a watched log file, as an activity runs it once per health-check
// tick. The read position is the cursor passed in and returned: no descriptor,
// buffer or offset survives between calls, so a retried or restarted activity that
// is given the same cursor reads the same bytes and counts the same lines.
//
// Per scan: open `path`, take its identity (device + inode) from the descriptor,
// then one of
//   - same file:   read from the offset; a file now shorter than the offset, or whose
//                  first bytes changed (copytruncate, rewritten), is read again from 0;
//   - another file (rename rotation): the cursor's file is looked for, by device and
//                  inode, at `path + suffix` for each `rotatedNames` suffix; its
//                  remainder is read to its end, then the new file from 0. Not found
//                  (deleted, compressed, renamed elsewhere): `remainderLost`, the new
//                  file is read from 0. A rotated file is read only up to the size seen
//                  in this scan, and a writer that keeps appending to it after the new
//                  file has appeared at `path` is not followed;
//   - nothing at `path`: `missing`, the cursor kept; a rotated remainder is still read
//                  while the new file has not appeared yet.
// At most maxBytesPerScan bytes are read per scan in total; `more` says when some
// were left for the next scan. Only whole lines are consumed: an unfinished last line
// is read again next time from its start, so nothing is counted twice or lost and
// the cursor holds no text.
import type { LogCursor, LogScanResult, LogScanStatus, LogWatchSpec } from '../../core/logwatch/types';
import { HEAD_BYTES, consumeChunk, fingerprint, isUnreadable, openLog, readAt, type Head, type OpenLog } from './read';
import { ScanTally } from '../../core/logwatch/tally';
import { compilePatterns, resolveLogWatch, validateLogWatch, type ResolvedLogWatch } from '../../core/logwatch/validate';
import { advanceWindow, windowCounts } from '../../core/logwatch/window';

/** The cursor of a watch that has not found a file yet. */
export function emptyLogCursor(): LogCursor {
  return { dev: '', ino: '', offset: 0, recent: [] };
}

function copyCursor(cursor: LogCursor): LogCursor {
  const copy: LogCursor = { dev: cursor.dev, ino: cursor.ino, offset: cursor.offset, recent: cursor.recent.map((entry) => ({ ...entry })) };
  if (cursor.skipping) copy.skipping = true;
  if (cursor.head) copy.head = { ...cursor.head };
  return copy;
}

/** A cursor at the start of `file`, keeping the window of `from`. */
function startOf(file: OpenLog, from: LogCursor): LogCursor {
  return { dev: file.dev, ino: file.ino, offset: 0, recent: from.recent };
}

const isFileOf = (file: OpenLog, cursor: LogCursor) => file.dev === cursor.dev && file.ino === cursor.ino;

async function headMatches(file: OpenLog, head: Head | undefined): Promise<boolean> {
  if (!head) return true;
  return (await fingerprint(file.handle, head.len))?.sha1 === head.sha1;
}

/** The state of one scan: the byte budget left and what happened. */
class Scan {
  budget: number;
  bytesRead = 0;
  more = false;
  rotated = false;
  remainderLost = false;
  truncated = false;

  constructor(
    private readonly watch: ResolvedLogWatch,
    private readonly tally: ScanTally,
  ) {
    this.budget = watch.maxBytesPerScan;
  }

  async run(start: LogCursor | null): Promise<{ status: LogScanStatus; cursor: LogCursor }> {
    const current = await openLog(this.watch.path);
    try {
      if (!start) {
        if (!current) return { status: 'missing', cursor: emptyLogCursor() };
        return { status: 'ok', cursor: await this.read(current, await this.firstCursor(current), false) };
      }
      let cursor = start;
      if (cursor.ino && !(current && isFileOf(current, cursor))) {
        const old = await this.findRotated(cursor);
        if (old) {
          try {
            cursor = await this.read(old, cursor, current !== null);
            // Not at its end yet (budget spent), or no new file to move to: stay on the old one.
            if (!current || cursor.offset < old.size) return { status: current ? 'ok' : 'missing', cursor };
          } finally {
            await old.handle.close();
          }
        } else if (current) {
          this.remainderLost = true;
        }
        if (!current) return { status: 'missing', cursor };
        this.rotated = true;
        cursor = startOf(current, cursor);
      } else if (!current) {
        return { status: 'missing', cursor };
      } else if (!cursor.ino) {
        cursor = startOf(current, cursor); // appeared after the first scan: all of it is new
      } else if (current.size < cursor.offset || !(await headMatches(current, cursor.head))) {
        this.truncated = true;
        cursor = startOf(current, cursor);
      }
      return { status: 'ok', cursor: await this.read(current, cursor, false) };
    } finally {
      await current?.handle.close();
    }
  }

  /** Where the first scan starts: 0, or just after the last newline (only lines finished from now on count). */
  private async firstCursor(file: OpenLog): Promise<LogCursor> {
    const cursor = startOf(file, emptyLogCursor());
    if (this.watch.startAt === 'start' || file.size === 0) return cursor;
    const length = Math.min(file.size, this.watch.maxLineBytes);
    const tail = await readAt(file.handle, file.size - length, length);
    const newline = tail.lastIndexOf(0x0a);
    if (newline >= 0) cursor.offset = file.size - tail.length + newline + 1;
    else if (file.size > length) Object.assign(cursor, { offset: file.size, skipping: true }); // inside an over-long line
    return cursor;
  }

  /** The cursor's file under a rotated name, if it is there and still the same file. */
  private async findRotated(cursor: LogCursor): Promise<OpenLog | null> {
    for (const suffix of this.watch.rotatedNames) {
      let file: OpenLog | null;
      try {
        file = await openLog(this.watch.path + suffix);
      } catch (error) {
        if (isUnreadable(error)) continue;
        throw error;
      }
      if (!file) continue;
      if (isFileOf(file, cursor) && file.size >= cursor.offset && (await headMatches(file, cursor.head))) return file;
      await file.handle.close();
    }
    return null;
  }

  /** Reads from the cursor within the budget, tallies whole lines, returns the advanced cursor. */
  private async read(file: OpenLog, cursor: LogCursor, final: boolean): Promise<LogCursor> {
    const want = Math.min(Math.max(0, file.size - cursor.offset), this.budget);
    const chunk = await readAt(file.handle, cursor.offset, want);
    this.budget -= chunk.length;
    this.bytesRead += chunk.length;
    const reachedEnd = cursor.offset + chunk.length >= file.size;
    if (!reachedEnd) this.more = true;
    const options = { skipping: cursor.skipping === true, final: final && reachedEnd, maxLineBytes: this.watch.maxLineBytes };
    const { consumed, skipping } = consumeChunk(chunk, options, (line) => this.tally.line(line));
    const next: LogCursor = { dev: cursor.dev, ino: cursor.ino, offset: cursor.offset + consumed, recent: cursor.recent };
    if (skipping) next.skipping = true;
    const headLen = Math.min(HEAD_BYTES, next.offset);
    if (cursor.head && cursor.head.len >= headLen) next.head = cursor.head;
    else if (headLen > 0) next.head = (await fingerprint(file.handle, headLen)) ?? undefined;
    if (!next.head) delete next.head;
    return next;
  }
}

/**
 * Reads what was added to `spec.path` since `cursor` (null/undefined: the first
 * scan) and counts pattern matches in a window ending at `now` (epoch ms, the
 * caller's clock). Never throws for a bad spec, a missing or an unreadable file:
 * the status says so and the cursor is returned unchanged. Other I/O errors throw
 * (worth a retry), and then nothing was counted.
 */
export async function scanLog(spec: LogWatchSpec, cursor: LogCursor | null | undefined, now: number): Promise<LogScanResult> {
  const given = cursor ? copyCursor(cursor) : emptyLogCursor();
  const quiet = { over: false, counts: {}, matched: {}, evidence: [], evidenceDropped: 0, bytesRead: 0, linesRead: 0 };
  const flags = { more: false, rotated: false, remainderLost: false, truncated: false };
  const problems = validateLogWatch(spec);
  if (!Number.isFinite(now)) problems.push(`now: must be a finite number of epoch milliseconds, got ${now}`);
  if (problems.length) return { status: 'invalid', cursor: given, ...quiet, ...flags, problems };

  const watch = resolveLogWatch(spec);
  const names = watch.patterns.map((pattern) => pattern.name);
  const tally = new ScanTally(compilePatterns(watch), watch);
  const scan = new Scan(watch, tally);
  let outcome: { status: LogScanStatus; cursor: LogCursor };
  let detail: string | undefined;
  try {
    outcome = await scan.run(cursor ? given : null);
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    detail = `${watch.path}: ${(error as Error).message}`;
    outcome = { status: 'unreadable', cursor: given };
  }
  const read = outcome.status !== 'unreadable';
  const matched = read ? tally.matched : windowCounts([], names);
  const next = { ...outcome.cursor, recent: advanceWindow(outcome.cursor.recent, matched, now, watch.threshold.withinMs, names) };
  const counts = windowCounts(next.recent, names);
  const result: LogScanResult = {
    status: outcome.status,
    cursor: next,
    over: names.some((name) => counts[name] >= watch.threshold.count),
    counts,
    matched,
    evidence: read ? tally.evidence : [],
    evidenceDropped: read ? tally.evidenceDropped : 0,
    bytesRead: read ? scan.bytesRead : 0,
    linesRead: read ? tally.lines : 0,
    more: read && scan.more,
    rotated: read && scan.rotated,
    remainderLost: read && scan.remainderLost,
    truncated: read && scan.truncated,
  };
  if (detail) result.detail = detail;
  return result;
}
