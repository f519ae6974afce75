// Matching the lines one scan reads: counts per pattern and bounded evidence.
import type { CompiledPattern } from './validate';

export interface TallyLimits {
  maxLineBytes: number;
  maxEvidenceLines: number;
  maxEvidenceChars: number;
}

export class ScanTally {
  readonly matched: Record<string, number>;
  /** The last matched lines, oldest first. */
  readonly evidence: string[] = [];
  evidenceDropped = 0;
  lines = 0;

  constructor(
    private readonly patterns: readonly CompiledPattern[],
    private readonly limits: TallyLimits,
  ) {
    this.matched = Object.fromEntries(patterns.map((pattern) => [pattern.name, 0])) as Record<string, number>;
  }

  /** One line's bytes, without its newline. A line matching several patterns counts for each, and is evidence once. */
  line(bytes: Buffer): void {
    this.lines += 1;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end -= 1; // CRLF
    const text = bytes.toString('utf8', 0, Math.min(end, this.limits.maxLineBytes));
    let hit = false;
    for (const pattern of this.patterns) {
      if (pattern.regex.test(text)) {
        this.matched[pattern.name] += 1;
        hit = true;
      }
    }
    if (!hit) return;
    const max = this.limits.maxEvidenceChars;
    this.evidence.push(text.length > max ? `${text.slice(0, max - 1)}…` : text);
    if (this.evidence.length > this.limits.maxEvidenceLines) {
      this.evidence.shift();
      this.evidenceDropped += 1;
    }
  }
}
