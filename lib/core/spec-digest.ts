// A short digest of a loop's spec as JSON. The starter writes it into the loop's memo
// at start and the loop again whenever a `configure` update hands it a spec, so that
// an apply can tell from a describe that a running loop already has the spec it would
// send, and send nothing (an update costs history events and a workflow task per loop).
// Both sides digest the same JSON (the update's argument goes through JSON with its key
// order kept), so equal specs give equal digests. Not a security hash: 2 × 32-bit
// FNV-1a over the UTF-16 code units, enough to tell specs apart.
export function specDigest(spec: unknown): string {
  const text = JSON.stringify(spec) ?? '';
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x5bd1e995) >>> 0;
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}-${text.length}`;
}

/** The memo key the digest is kept under. */
export const SPEC_DIGEST_MEMO = 'specDigest';
