// How many tokens a text costs, estimated without the model's tokenizer
// (Anthropic publishes none for its current models). "Four characters a token"
// holds for prose but undercounts dense tool output, such as numbers, JSON and
// log punctuation, by two to three times. This counts pieces instead: up to
// four ASCII letters, up to three digits, any other letter, digit or symbol, or
// a run of whitespace (a lone space joins the next word). Each piece is about a
// token, so the estimate errs high.
const PIECE = /[A-Za-z]{1,4}|[0-9]{1,3}|\s+|[^]/gu;

const cost = (piece: string) => (piece === ' ' ? 0 : 1);

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECE)) tokens += cost(piece);
  return tokens;
}

/** The length of the longest prefix of `text` (ending between pieces) estimated at most `maxTokens`. */
export function prefixWithinTokens(text: string, maxTokens: number): number {
  let tokens = 0;
  for (const match of text.matchAll(PIECE)) {
    tokens += cost(match[0]);
    if (tokens > maxTokens) return match.index;
  }
  return text.length;
}
