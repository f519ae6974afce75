// What a log watch asks for, where it got to, and what one scan saw. All plain
// JSON: the cursor travels as an activity argument and result (and through
// continue-as-new), so nothing about the read position lives in worker memory.

export interface LogPattern {
  /** Names the pattern in counts, problems and window entries; unique within a watch. */
  name: string;
  /** A regular expression source, matched against each line (without its newline). */
  regex: string;
  /** RegExp flags, e.g. 'i'. `g` and `y` are ignored: they make `test` stateful. */
  flags?: string;
}

export interface LogWatchSpec {
  path: string;
  patterns: LogPattern[];
  /** Over threshold when any one pattern matched at least `count` lines within the last `withinMs`. */
  threshold: { count: number; withinMs: number };
  /** Read at most this many bytes per scan; the rest is read by later scans. Default 1 MiB. */
  maxBytesPerScan?: number;
  /** A line longer than this is matched on its first this-many bytes and the rest skipped. Default 64 KiB. */
  maxLineBytes?: number;
  /** Matched lines returned as evidence per scan (the last ones). Default 20. */
  maxEvidenceLines?: number;
  /** Each evidence line is cut to this many characters. Default 500. */
  maxEvidenceChars?: number;
  /**
   * Suffixes appended to `path` where a rotated file is looked for (by device and
   * inode) so that its unread remainder is still read. Default ['.1'] (logrotate).
   */
  rotatedNames?: string[];
  /** Where the first scan of an existing file starts: 'end' (default: only new lines count) or 'start'. */
  startAt?: 'start' | 'end';
}

/** Matches of one pattern seen by the scan at `at` (the `now` that scan was given). */
export interface WindowEntry {
  pattern: string;
  at: number;
  count: number;
}

export interface LogCursor {
  /** Identity of the file being read, as decimal strings (inodes can exceed 2^53); '' = none yet. */
  dev: string;
  ino: string;
  /** Bytes of that file consumed: always just after a newline, except after an over-long line. */
  offset: number;
  /** Inside an over-long line whose first part was already matched: drop bytes up to the next newline. */
  skipping?: boolean;
  /** Fingerprint of the file's first `len` bytes: catches truncate-and-rewrite past the offset and inode reuse. */
  head?: { len: number; sha1: string };
  /** Matches still inside the window, oldest first; bounded (see MAX_WINDOW_ENTRIES). */
  recent: WindowEntry[];
}

export type LogScanStatus =
  /** The file at `path` was read (maybe nothing new). */
  | 'ok'
  /** Nothing at `path`; not an error. The cursor is kept (a rotated remainder may still have been read). */
  | 'missing'
  /** `path` exists but cannot be read (permissions, a directory); `detail` says why. */
  | 'unreadable'
  /** The spec is invalid; `problems` say how. Nothing was read and the cursor is unchanged. */
  | 'invalid';

export interface LogScanResult {
  status: LogScanStatus;
  /** Pass this to the next scan. */
  cursor: LogCursor;
  /** Some pattern's count within the window reached `threshold.count`. */
  over: boolean;
  /** Matches per pattern within the window, this scan's included. */
  counts: Record<string, number>;
  /** Matches per pattern in the lines this scan read. */
  matched: Record<string, number>;
  /** The last matched lines of this scan, each cut to maxEvidenceChars. */
  evidence: string[];
  /** Matched lines of this scan left out of `evidence`. */
  evidenceDropped: number;
  bytesRead: number;
  linesRead: number;
  /** The byte budget ran out before the end of the file: the rest is read by the next scans. */
  more: boolean;
  /** The file at `path` is not the one the cursor was on (rename rotation, or replaced). */
  rotated: boolean;
  /** Rotated, but the old file was not found under any rotated name: its unread remainder is lost. */
  remainderLost: boolean;
  /** Same file, but shorter than the offset or rewritten from the start (copytruncate): read again from 0. */
  truncated: boolean;
  detail?: string;
  problems?: string[];
}
