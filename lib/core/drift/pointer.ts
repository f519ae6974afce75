// JSON pointers (RFC 6901) and pointer patterns with wildcards: `*` matches one
// segment, `**` any number of segments (zero included). Patterns name fields to
// ignore (owned by another controller) or to redact.

export type Segment = string | number;

export function escapeSegment(segment: Segment): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** ['metadata', 'labels', 'a/b'] → "/metadata/labels/a~1b"; [] → "" (the whole document). */
export function toPointer(path: readonly Segment[]): string {
  return path.map((segment) => `/${escapeSegment(segment)}`).join('');
}

/** "/a/b~1c" → ['a', 'b/c']. Throws on a string that is not a pointer. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer (must start with "/"): ${pointer}`);
  return pointer.slice(1).split('/').map(unescapeSegment);
}

/** Is `pattern` a usable pointer pattern? (Config validation.) */
export function isPointerPattern(pattern: string): boolean {
  return pattern === '' || pattern.startsWith('/');
}

/** A compiled pattern: segments where '*' and '**' are wildcards. */
export type PointerPattern = string[];

export function compilePattern(pattern: string): PointerPattern {
  return parsePointer(pattern);
}

/** True when `path` is matched by `pattern` exactly (not only a prefix). */
export function matchesPattern(pattern: PointerPattern, path: readonly Segment[]): boolean {
  return match(pattern, 0, path.map(String), 0);
}

/** True when `path` is matched by the pattern or lies under a matched field. */
export function coveredByPattern(pattern: PointerPattern, path: readonly Segment[]): boolean {
  const segments = path.map(String);
  for (let length = segments.length; length >= 0; length -= 1) {
    if (match(pattern, 0, segments.slice(0, length), 0)) return true;
  }
  return false;
}

function match(pattern: PointerPattern, p: number, path: string[], s: number): boolean {
  if (p === pattern.length) return s === path.length;
  const head = pattern[p];
  if (head === '**') {
    for (let skip = s; skip <= path.length; skip += 1) if (match(pattern, p + 1, path, skip)) return true;
    return false;
  }
  if (s === path.length) return false;
  return (head === '*' || head === path[s]) && match(pattern, p + 1, path, s + 1);
}
