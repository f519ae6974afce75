// The LogQL subset the log tool answers from local files (lib/core/logs/logql.ts):
// what it accepts and how it matches, and that everything else is refused with
// a message naming it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogEntries, parseLocalLine } from '../../lib/core/logs/entries';
import { LogQueryError, parseLogQuery } from '../../lib/core/logs/logql';

const refused = (query: string, message: RegExp) =>
  assert.throws(
    () => parseLogQuery(query),
    (error: Error) => error instanceof LogQueryError && message.test(error.message),
  );

describe('local LogQL subset', { timeout: 10_000 }, () => {
  it('parses a stream selector with every operator, and line filters', () => {
    const query = parseLogQuery('{service="payments", level=~"warn|error", filename!="db.log", service!~`gate.*`,} |= "timeout" != "retry" |~ "(?i)POOL" !~ `debug`');
    assert.deepEqual(query.matchers, [
      { name: 'service', op: '=', value: 'payments' },
      { name: 'level', op: '=~', value: 'warn|error' },
      { name: 'filename', op: '!=', value: 'db.log' },
      { name: 'service', op: '!~', value: 'gate.*' },
    ]);
    assert.deepEqual(
      query.filters.map((filter) => filter.op),
      ['|=', '!=', '|~', '!~'],
    );
  });

  it('matches labels as Loki does: = exact, =~ over the whole value, a missing label is ""', () => {
    const query = parseLogQuery('{service=~"pay.*", level!="info"}');
    assert.equal(query.matchesLabels({ service: 'payments', level: 'error' }), true);
    assert.equal(query.matchesLabels({ service: 'payments', level: 'info' }), false);
    assert.equal(query.matchesLabels({ service: 'repayments', level: 'error' }), false, '=~ is anchored');
    assert.equal(query.matchesLabels({ service: 'payments' }), true, 'no level is "" which is not "info"');
    assert.equal(parseLogQuery('{level=""}').matchesLabels({ service: 'x' }), true);
    assert.equal(parseLogQuery('{}').matchesLabels({ service: 'x' }), true, 'an empty selector selects every file');
  });

  it('line filters: substring, regex unanchored, (?i) and (?P<name>) translated, all must hold', () => {
    const query = parseLogQuery('{service="orders"} |= "pool" |~ "(?i)EXHAUSTED|timeout" != "retrying"');
    assert.equal(query.matchesLine('{"msg":"connection pool exhausted"}'), true);
    assert.equal(query.matchesLine('{"msg":"connection pool exhausted, retrying"}'), false);
    assert.equal(query.matchesLine('{"msg":"pool ok"}'), false);
    assert.equal(parseLogQuery('{service="x"} |~ "(?P<code>5\\\\d\\\\d)"').matchesLine('status 503'), true);
    assert.equal(parseLogQuery('{service="x"} !~ "^\\\\{"').matchesLine('{"msg":1}'), false);
  });

  it('filename matchers alone decide whether a file is read', () => {
    const query = parseLogQuery('{service="payments", filename=~"pay.*"}');
    assert.equal(query.matchesFilename('payments.log'), true);
    assert.equal(query.matchesFilename('orders.log'), false);
    assert.equal(parseLogQuery('{service="payments"}').matchesFilename('orders.log'), true);
  });

  it('refuses what the subset cannot answer, naming it', () => {
    refused('rate({service="payments"}[1m])', /unsupported: metric or function queries \(rate\(\.\.\.\)\)/);
    refused('sum by (level) (count_over_time({service="payments"}[5m]))', /unsupported: metric or function queries \(sum/);
    refused('{service="payments"} | json', /unsupported: the pipeline stage "\| json"/);
    refused('{service="payments"} | level="error"', /unsupported: the pipeline stage "\| level"/);
    refused('{service="payments"} | line_format "{{.msg}}"', /unsupported: the pipeline stage "\| line_format"/);
    refused('{job="payments"}', /unsupported: the label "job" \(local log files have only service, level and filename\)/);
    refused('{service=~"(?U)a+"}', /unsupported: the RE2 flag U/);
    // Every refusal says what is supported.
    refused('{app="x"}', /stream selector on service, level or filename \(= != =~ !~\) followed by line filters \(\|= != \|~ !~\)/);
  });

  it('reports malformed queries with where they go wrong', () => {
    refused('service="payments"', /a query starts with a stream selector/);
    refused('{service="payments"', /expected , or } in the stream selector at character 20/);
    refused('{service payments}', /expected = != =~ or !~ after service/);
    refused('{service="payments} |= "x"', /expected , or }|unterminated/);
    refused('{service=payments}', /expected a "quoted" or `backquoted` string/);
    refused('{service="payments"} |= x', /expected a "quoted"/);
    refused('{service="a"} |= "x" "y"', /expected a line filter/);
    refused('{service=~"(unclosed"}', /invalid regular expression "\(unclosed"/);
    refused('{service="pay\\ments"}', /invalid escape/);
  });

  it('reads time, service and level from a JSON line (ISO or epoch ms, a level name or pino number)', () => {
    assert.deepEqual(parseLocalLine('{"time":"2026-12-05T01:00:00.250Z","level":"ERROR","service":"payments","msg":"x"}'), {
      timeMs: Date.parse('2026-12-05T01:00:00.250Z'),
      service: 'payments',
      level: 'error',
    });
    assert.deepEqual(parseLocalLine('{"time":1764896400000,"level":50,"msg":"x"}'), { timeMs: 1764896400000, service: undefined, level: 'error' });
    assert.deepEqual(parseLocalLine('    at Object.<anonymous> (/app/payments.js:10:5)'), {});
    assert.deepEqual(parseLocalLine('{"msg":"no time"}').timeMs, undefined);
    assert.deepEqual(parseLocalLine('{broken'), {});
  });

  it('formats lines as the Loki path does: count, newest first, ISO time and labels', () => {
    const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
    assert.equal(
      formatLogEntries([
        { timeNs: at('2026-12-05T01:00:00Z'), labels: { service: 'payments', level: 'info' }, line: 'older' },
        { timeNs: at('2026-12-05T01:00:01Z'), labels: { service: 'payments', level: 'error' }, line: 'newer' },
      ]),
      '2 lines, newest first\n2026-12-05T01:00:01.000Z {service="payments",level="error"} newer\n2026-12-05T01:00:00.000Z {service="payments",level="info"} older',
    );
    assert.equal(formatLogEntries([]), 'no matching log lines');
  });
});
