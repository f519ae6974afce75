// The spec digest an apply compares with a loop's memo: equal for the same spec as
// the loop receives it (through JSON), different for any change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specDigest } from '../../lib/core/spec-digest';

describe('spec digest', () => {
  const spec = { service: 'shop', checks: [{ name: 'http', intervalMs: 1000, url: 'http://127.0.0.1/' }], labels: {}, note: undefined };

  it('is the same for the spec as an update hands it to the loop (a JSON round trip)', () => {
    assert.equal(specDigest(JSON.parse(JSON.stringify(spec))), specDigest(spec));
  });

  it('differs when any value changes', () => {
    const changed = { ...spec, checks: [{ ...spec.checks[0], intervalMs: 1001 }] };
    assert.notEqual(specDigest(changed), specDigest(spec));
    assert.notEqual(specDigest({ ...spec, labels: { team: 'a' } }), specDigest(spec));
  });
});
