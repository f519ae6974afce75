// The recorded root-cause cases (test/rca/cases/, written by `npm run eval:rca`
// on a live shop) replayed through the ranked investigator: a change to the
// ranking that loses accuracy on real telemetry fails here, not only on the
// synthetic series of rank.test.ts. The floor is what the harness measured when
// it recorded the cases (expected.json); a change that gains may raise it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { figuresOf, oursAc1, readCases, scoreCase } from '../../bench/rca-cases';

const dir = join(__dirname, 'cases');

describe('recorded root-cause cases', { timeout: 60_000 }, () => {
  const cases = readCases(dir);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { cases: number; ac1: number };

  it('holds at least ten cases from real runs, each small and with its truth', () => {
    assert.ok(cases.length >= 10, `${cases.length} recorded cases`);
    assert.equal(cases.length, expected.cases, 'expected.json was written for another set of cases: rerun npm run eval:rca -- --report-only');
    for (const recorded of cases) {
      assert.ok(recorded.input.services.length === 5 && recorded.truth.service, recorded.id);
      assert.ok(JSON.stringify(recorded).length < 200_000, `${recorded.id} is too large for a fixture`);
    }
  });

  it(`ranks the true service first in at least the recorded share of cases`, () => {
    const ac1 = oursAc1(cases);
    const missed = cases.map(scoreCase).filter((score) => score.rankings.ours[0] !== score.truth.service);
    assert.ok(ac1 >= expected.ac1 - 1e-9, `AC@1 ${ac1.toFixed(3)} < recorded ${expected.ac1}; missed: ${missed.map((score) => `${score.id} (first: ${score.rankings.ours[0]})`).join(', ')}`);
  });

  it('scores every baseline on the same inputs (the figures the doc shows can be recomputed)', () => {
    const figures = figuresOf(
      cases.map(scoreCase),
      cases.map((recorded) => recorded.input),
    );
    for (const method of Object.values(figures.methods)) assert.ok(method.ac1 >= 0 && method.ac1 <= method.ac3 && method.ac3 <= 1);
  });
});
