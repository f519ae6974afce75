// The sliding count window, as pure functions over the cursor's entries. Matches
// are stamped with the `now` of the scan that read them (the caller's clock, so a
// workflow can pass its deterministic time and tests can move it), and one entry
// holds all of one pattern's matches of one scan, which keeps the cursor small.
import type { WindowEntry } from './types';

/**
 * At most this many entries are kept (oldest dropped first). With one entry per
 * pattern per scan that had matches, this covers e.g. 3 patterns matching on
 * every 10 s tick over a 10-minute window with room to spare.
 */
export const MAX_WINDOW_ENTRIES = 256;

/** Is an entry stamped `at` still inside a window of `withinMs` ending at `now`? Clock going back keeps it. */
export function inWindow(at: number, now: number, withinMs: number): boolean {
  return now - at < withinMs;
}

/** `recent` with this scan's matches added, entries that left the window or name unknown patterns dropped, bounded. */
export function advanceWindow(recent: readonly WindowEntry[], matched: Record<string, number>, now: number, withinMs: number, patterns: readonly string[]): WindowEntry[] {
  const known = new Set(patterns);
  const kept = recent.filter((entry) => known.has(entry.pattern) && inWindow(entry.at, now, withinMs));
  for (const pattern of patterns) {
    if (matched[pattern] > 0) kept.push({ pattern, at: now, count: matched[pattern] });
  }
  return kept.slice(-MAX_WINDOW_ENTRIES);
}

/** Matches per pattern over the entries (every pattern present, 0 when none). */
export function windowCounts(recent: readonly WindowEntry[], patterns: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(patterns.map((pattern) => [pattern, 0])) as Record<string, number>;
  for (const entry of recent) if (Object.hasOwn(counts, entry.pattern)) counts[entry.pattern] += entry.count;
  return counts;
}
