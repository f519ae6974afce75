// The triage's log tool without Loki: reads the JSON-lines log files of one
// directory (llm.sources.logDir; `vigil up` sets <dataDir>/demo, where the shop
// writes <service>.log) for a query of the local LogQL subset
// (lib/core/logs/logql.ts). Each file is read backwards from its end in chunks,
// newest line first, and the scan of a file ends at its first line older than
// the range (a log is appended in time order) or at `limit` matches, so a query
// over the last minutes of a large file reads only its tail.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLocalLine, type LogEntry } from '../../core/logs/entries';
import type { LogQuery } from '../../core/logs/logql';

const CHUNK_BYTES = 64 * 1024;
/** Per file: a query over a long range of a huge file reads this much of its tail and says so. */
const DEFAULT_MAX_BYTES_PER_FILE = 32 * 1024 * 1024;

export interface LocalLogRequest {
  dir: string;
  query: LogQuery;
  startMs: number;
  endMs: number;
  limit: number;
  maxBytesPerFile?: number;
  signal?: AbortSignal;
}

export interface LocalLogResult {
  /** Newest first, at most `limit`. */
  entries: LogEntry[];
  /** Said to the model beside the lines: files read only in part. */
  notes: string[];
}

/** The directory is not there (or not a directory): a tool error the model sees, not a failure. */
export class LogDirUnavailable extends Error {}

export async function readLocalLogs(request: LocalLogRequest): Promise<LocalLogResult> {
  let names: string[];
  try {
    if (!(await stat(request.dir)).isDirectory()) throw new LogDirUnavailable(`${request.dir} (llm.sources.logDir) is not a directory`);
    names = await readdir(request.dir);
  } catch (error) {
    if (error instanceof LogDirUnavailable) throw error;
    throw new LogDirUnavailable(`cannot read the log directory ${request.dir} (llm.sources.logDir): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const files = names.filter((name) => name.endsWith('.log') && request.query.matchesFilename(name)).sort();
  const notes: string[] = [];
  const entries: LogEntry[] = [];
  for (const name of files) {
    request.signal?.throwIfAborted();
    entries.push(...(await scanFile(join(request.dir, name), name, request, notes)));
  }
  entries.sort((a, b) => (a.timeNs < b.timeNs ? 1 : a.timeNs > b.timeNs ? -1 : 0));
  return { entries: entries.slice(0, request.limit), notes };
}

async function scanFile(path: string, filename: string, request: LocalLogRequest, notes: string[]): Promise<LogEntry[]> {
  const found: LogEntry[] = [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return found; // gone or unreadable since the listing: nothing to say about it
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return found;
    const maxBytes = request.maxBytesPerFile ?? DEFAULT_MAX_BYTES_PER_FILE;
    const fileService = filename.replace(/\.log$/, '');
    // Lines without a time of their own (a stack trace after an error line) belong to the timed line before them in the file, which the backward scan meets after them.
    let untimed: string[] = [];
    const visit = (text: string): 'stop' | undefined => {
      const parsed = parseLocalLine(text);
      if (parsed.timeMs === undefined) {
        untimed.push(text);
        return undefined;
      }
      const lines = [...untimed, text];
      untimed = [];
      if (parsed.timeMs > request.endMs) return undefined;
      if (parsed.timeMs < request.startMs) return 'stop';
      const labels = { service: parsed.service ?? fileService, level: parsed.level ?? '', filename };
      if (!request.query.matchesLabels(labels)) return undefined;
      for (const line of lines) {
        if (!request.query.matchesLine(line)) continue;
        found.push({ timeNs: BigInt(Math.round(parsed.timeMs)) * 1_000_000n, labels: { service: labels.service, level: labels.level }, line });
        if (found.length >= request.limit) return 'stop';
      }
      return undefined;
    };

    let position = stats.size;
    let carry = Buffer.alloc(0);
    let scanned = 0;
    while (position > 0) {
      request.signal?.throwIfAborted();
      if (scanned >= maxBytes) {
        notes.push(`${filename}: only its last ${sizeText(scanned)} were read; narrow the time range to see older lines`);
        break;
      }
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      scanned += length;
      const chunk = carry.length ? Buffer.concat([buffer, carry]) : buffer;
      // Split on newline bytes, never inside a UTF-8 character: the part before the first newline waits for the next chunk.
      const firstNewline = position > 0 ? chunk.indexOf(10) : -1;
      if (position > 0 && firstNewline < 0) {
        carry = chunk;
        continue;
      }
      carry = position > 0 ? chunk.subarray(0, firstNewline) : Buffer.alloc(0);
      const lines = chunk
        .subarray(firstNewline + 1)
        .toString('utf8')
        .split('\n');
      for (let index = lines.length - 1; index >= 0; index--) {
        const text = lines[index].replace(/\r$/, '');
        if (text && visit(text) === 'stop') return found;
      }
    }
    return found;
  } finally {
    await handle.close();
  }
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`);
