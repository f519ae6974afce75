// The subset of LogQL that the triage's log tool answers from local JSON-lines
// files when no Loki is configured (lib/adapters/logs/local-reader.ts reads
// them): a stream selector on the labels such a file has (service, level,
// filename) with = != =~ !~, then line filters |= != |~ !~. Anything else (a
// parser stage, a label filter, a metric query) is refused with a message
// naming it, so the model rewrites the query instead of trusting an answer to
// a different question. Regular expressions are Go's RE2 as Loki takes them,
// run as JavaScript ones: the leading flag group (?i) and named groups (?P<x>)
// are translated; selector regexes match the whole value, as in Loki.

export const LOCAL_LOG_LABELS = ['service', 'level', 'filename'] as const;
export type LocalLogLabel = (typeof LOCAL_LOG_LABELS)[number];

type MatchOp = '=' | '!=' | '=~' | '!~';
type FilterOp = '|=' | '!=' | '|~' | '!~';

export interface LabelMatcher {
  name: LocalLogLabel;
  op: MatchOp;
  value: string;
}

export interface LineFilter {
  op: FilterOp;
  value: string;
}

export interface LogQuery {
  matchers: LabelMatcher[];
  filters: LineFilter[];
  /** Labels → whether the stream is selected (a missing label is "", as in Loki). */
  matchesLabels(labels: Partial<Record<LocalLogLabel, string>>): boolean;
  matchesLine(line: string): boolean;
  /** Whether the filename matchers alone let a file through: a file they exclude need not be read. */
  matchesFilename(filename: string): boolean;
}

/** A query the local reader cannot answer; the message says what and how to write it instead. */
export class LogQueryError extends Error {}

export const LOCAL_SUBSET =
  'without Loki, logs are read from local files and a query may only have a stream selector on service, level or filename (= != =~ !~) followed by line filters (|= != |~ !~), e.g. {service="payments", level=~"warn|error"} |= "timeout"';

const unsupported = (what: string) => new LogQueryError(`unsupported: ${what}; ${LOCAL_SUBSET}`);

/** Parses a query of the local subset; throws LogQueryError naming what it cannot handle. */
export function parseLogQuery(query: string): LogQuery {
  const scanner = new Scanner(query);
  scanner.skipSpace();
  if (!scanner.eat('{')) {
    const word = /^([A-Za-z_]+)\s*(?:\(|by\b|without\b)/.exec(scanner.rest())?.[1];
    throw word ? unsupported(`metric or function queries (${word}(...))`) : new LogQueryError(`a query starts with a stream selector {...}; ${LOCAL_SUBSET}`);
  }
  const matchers: LabelMatcher[] = [];
  scanner.skipSpace();
  while (!scanner.eat('}')) {
    if (matchers.length && !scanner.eat(',')) throw scanner.error('expected , or } in the stream selector');
    scanner.skipSpace();
    if (scanner.eat('}')) break; // a trailing comma, as Loki allows
    const name = scanner.identifier();
    if (!name) throw scanner.error('expected a label name in the stream selector');
    if (!(LOCAL_LOG_LABELS as readonly string[]).includes(name)) throw unsupported(`the label "${name}" (local log files have only service, level and filename)`);
    scanner.skipSpace();
    const op = scanner.oneOf(['=~', '!~', '!=', '=']) as MatchOp | undefined;
    if (!op) throw scanner.error(`expected = != =~ or !~ after ${name}`);
    scanner.skipSpace();
    matchers.push({ name: name as LocalLogLabel, op, value: scanner.string() });
    scanner.skipSpace();
  }
  const filters: LineFilter[] = [];
  for (;;) {
    scanner.skipSpace();
    if (scanner.done()) break;
    const op = scanner.oneOf(['|=', '|~', '!=', '!~']) as FilterOp | undefined;
    if (!op) {
      const stage = /^\|\s*([A-Za-z_]+)?/.exec(scanner.rest());
      if (stage) throw unsupported(stage[1] ? `the pipeline stage "| ${stage[1]}"` : 'a pipeline stage');
      throw scanner.error('expected a line filter (|= != |~ !~)');
    }
    scanner.skipSpace();
    filters.push({ op, value: scanner.string() });
  }
  return compile(matchers, filters);
}

function compile(matchers: LabelMatcher[], filters: LineFilter[]): LogQuery {
  const labelTests = matchers.map((matcher) => {
    if (matcher.op === '=' || matcher.op === '!=') return (value: string) => (value === matcher.value) === (matcher.op === '=');
    const pattern = goRegex(matcher.value, true);
    return (value: string) => pattern.test(value) === (matcher.op === '=~');
  });
  const lineTests = filters.map((filter) => {
    if (filter.op === '|=' || filter.op === '!=') return (line: string) => line.includes(filter.value) === (filter.op === '|=');
    const pattern = goRegex(filter.value, false);
    return (line: string) => pattern.test(line) === (filter.op === '|~');
  });
  return {
    matchers,
    filters,
    matchesLabels: (labels) => matchers.every((matcher, index) => labelTests[index](labels[matcher.name] ?? '')),
    matchesLine: (line) => lineTests.every((test) => test(line)),
    matchesFilename: (filename) => matchers.every((matcher, index) => matcher.name !== 'filename' || labelTests[index](filename)),
  };
}

/** An RE2 pattern as a JavaScript RegExp: a leading (?flags) group becomes flags, (?P<name> becomes (?<name>. */
export function goRegex(source: string, anchored: boolean): RegExp {
  let body = source;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading) {
    if (leading[1].includes('U')) throw unsupported('the RE2 flag U (ungreedy)');
    flags = [...new Set(leading[1])].join('');
    body = body.slice(leading[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (error) {
    throw new LogQueryError(`invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
}

class Scanner {
  private at = 0;
  constructor(private readonly text: string) {}

  rest = () => this.text.slice(this.at);
  done = () => this.at >= this.text.length;
  skipSpace(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }
  eat(token: string): boolean {
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }
  oneOf(tokens: string[]): string | undefined {
    return tokens.find((token) => this.eat(token));
  }
  identifier(): string | undefined {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.rest());
    if (match) this.at += match[0].length;
    return match?.[0];
  }
  /** A "double-quoted" string with Go's escapes (JSON's, which are the ones LogQL users write) or a `raw` one. */
  string(): string {
    const quote = this.text[this.at];
    if (quote === '`') {
      const end = this.text.indexOf('`', this.at + 1);
      if (end < 0) throw this.error('unterminated `string`');
      const value = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      return value;
    }
    if (quote !== '"') throw this.error('expected a "quoted" or `backquoted` string');
    const match = /^"(?:[^"\\]|\\.)*"/.exec(this.rest());
    if (!match) throw this.error('unterminated "string"');
    this.at += match[0].length;
    try {
      return JSON.parse(match[0]) as string;
    } catch {
      throw new LogQueryError(`invalid escape in ${match[0]}: write a backslash as \\\\ (e.g. "\\\\." for a literal dot in a regex) or use a \`backquoted\` string`);
    }
  }
  error(message: string): LogQueryError {
    return new LogQueryError(`${message} at character ${this.at + 1} of the query; ${LOCAL_SUBSET}`);
  }
}
