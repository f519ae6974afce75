// File access for the watcher, with Node's fs/promises only: open by path and
// take the identity from the open descriptor (so stat and read see the same
// file), positional reads, a fingerprint of the first bytes, and splitting a
// chunk into whole lines without ever decoding half a line or half a character.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface OpenLog {
  handle: FileHandle;
  dev: string;
  ino: string;
  /** Size when opened; reads stop there, later growth is the next scan's. */
  size: number;
}

/** Errors that mean "this path cannot be read" rather than "something went wrong": reported, not thrown on. */
const UNREADABLE = new Set(['EACCES', 'EPERM', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'ENOTFILE']);

export function isUnreadable(error: unknown): boolean {
  return UNREADABLE.has((error as { code?: unknown })?.code as string);
}

// Non-blocking so that a FIFO at the path cannot hang the scan (it is then refused as not a file).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The file at `path`, or null when there is none; unreadable paths throw (see isUnreadable). */
export async function openLog(path: string): Promise<OpenLog | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' });
    return { handle, dev: String(stats.dev), ino: String(stats.ino), size: Number(stats.size) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Up to `length` bytes from `position` (fewer at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (!bytesRead) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** How many leading bytes the fingerprint covers at most. */
export const HEAD_BYTES = 128;

export interface Head {
  len: number;
  sha1: string;
}

/** Fingerprint of the first `len` bytes, or null when the file is shorter. */
export async function fingerprint(handle: FileHandle, len: number): Promise<Head | null> {
  const bytes = await readAt(handle, 0, len);
  if (bytes.length < len) return null;
  return { len, sha1: createHash('sha1').update(bytes).digest('hex') };
}

export interface ChunkOptions {
  /** Drop everything up to and including the first newline (the rest of an over-long line). */
  skipping: boolean;
  /** The chunk ends where the file ends for good (a rotated file): an unterminated last line is a line. */
  final: boolean;
  /** An unterminated tail at least this long is an over-long line: taken now, its rest skipped later. */
  maxLineBytes: number;
}

/**
 * Hands each whole line of `chunk` (without its newline) to `onLine` and says how
 * many bytes were consumed. An unfinished last line is not consumed: the next scan
 * reads it again from its start, so a line split across scans is seen exactly once
 * and the cursor never holds text.
 */
export function consumeChunk(chunk: Buffer, options: ChunkOptions, onLine: (line: Buffer) => void): { consumed: number; skipping: boolean } {
  let pos = 0;
  if (options.skipping) {
    const newline = chunk.indexOf(0x0a);
    if (newline < 0) return { consumed: chunk.length, skipping: !options.final };
    pos = newline + 1;
  }
  for (let newline = chunk.indexOf(0x0a, pos); newline >= 0; newline = chunk.indexOf(0x0a, pos)) {
    onLine(chunk.subarray(pos, newline));
    pos = newline + 1;
  }
  const tail = chunk.length - pos;
  if (tail > 0 && (options.final || tail >= options.maxLineBytes)) {
    onLine(chunk.subarray(pos));
    return { consumed: chunk.length, skipping: !options.final };
  }
  return { consumed: pos, skipping: false };
}
