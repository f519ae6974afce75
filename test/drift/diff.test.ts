// The pure drift code without Temporal: pointers and wildcards, field diff,
// ignore rules, redaction, comparison of documents, hashing, document parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDocuments } from '../../lib/core/drift/compare';
import { compileIgnore, countByKind, diffObject } from '../../lib/core/drift/diff';
import { checkUniqueTargets, parseDesiredFile } from '../../lib/core/drift/documents';
import { desiredWithIgnoredFromLive } from '../../lib/core/drift/merge';
import { canonicalJson, contentRevision, hashOf } from '../../lib/core/drift/hash';
import { compilePattern, coveredByPattern, matchesPattern, parsePointer, toPointer } from '../../lib/core/drift/pointer';
import { compileSensitive, REDACTED, redactValue } from '../../lib/core/drift/redact';

describe('JSON pointers and patterns', () => {
  it('escapes ~ and / and round-trips', () => {
    assert.equal(toPointer(['metadata', 'annotations', 'a/b~c', 0]), '/metadata/annotations/a~1b~0c/0');
    assert.deepEqual(parsePointer('/metadata/annotations/a~1b~0c/0'), ['metadata', 'annotations', 'a/b~c', '0']);
    assert.equal(toPointer([]), '');
    assert.throws(() => parsePointer('metadata'), /must start with "\/"/);
  });

  it('matches * as one segment and ** as any number', () => {
    const star = compilePattern('/metadata/annotations/*');
    assert.ok(matchesPattern(star, ['metadata', 'annotations', 'x']));
    assert.ok(!matchesPattern(star, ['metadata', 'annotations']));
    assert.ok(!matchesPattern(star, ['metadata', 'annotations', 'x', 'y']));
    assert.ok(coveredByPattern(star, ['metadata', 'annotations', 'x', 'y']), 'a field under a matched one is covered');
    const deep = compilePattern('/**/replicas');
    assert.ok(matchesPattern(deep, ['replicas']));
    assert.ok(matchesPattern(deep, ['spec', 'template', 'replicas']));
    assert.ok(!matchesPattern(deep, ['spec', 'replicas', 'x']));
    assert.ok(matchesPattern(compilePattern('/items/*/name'), ['items', 3, 'name']));
  });
});

describe('diffObject', () => {
  const desired = { spec: { replicas: 3, image: 'web:1.2', ports: [80, 443] }, metadata: { labels: { app: 'web' } } };

  it('reports nothing when equal, whatever the key order', () => {
    assert.deepEqual(diffObject(desired, { metadata: { labels: { app: 'web' } }, spec: { ports: [80, 443], image: 'web:1.2', replicas: 3 } }), []);
  });

  it('reports added, removed and changed fields as pointers, sorted', () => {
    const live = { spec: { replicas: 5, ports: [80, 8443], paused: true }, metadata: { labels: { app: 'web' } } };
    assert.deepEqual(diffObject(desired, live), [
      { kind: 'removed', path: '/spec/image', desired: 'web:1.2' },
      { kind: 'added', path: '/spec/paused', live: true },
      { kind: 'changed', path: '/spec/ports/1', desired: 443, live: 8443 },
      { kind: 'changed', path: '/spec/replicas', desired: 3, live: 5 },
    ]);
    assert.deepEqual(countByKind(diffObject(desired, live)), { added: 1, removed: 1, changed: 2 });
  });

  it('leaves out ignored fields and everything under them', () => {
    const live = { spec: { replicas: 7, image: 'web:1.2', ports: [80, 443] }, metadata: { labels: { app: 'web' }, annotations: { 'kubectl/last': 'x', other: { deep: 1 } } } };
    const changes = diffObject(desired, live, compileIgnore(['/metadata/annotations/*', '/spec/replicas']));
    assert.deepEqual(changes, [{ kind: 'added', path: '/metadata/annotations', live: live.metadata.annotations }], 'the map itself appears (only its members are ignored)');
    assert.deepEqual(diffObject(desired, live, compileIgnore(['/metadata/annotations', '/**/replicas'])), []);
  });

  it('compares a scalar or a type change of the whole document', () => {
    assert.deepEqual(diffObject('a', 'b'), [{ kind: 'changed', path: '', desired: 'a', live: 'b' }]);
    assert.deepEqual(diffObject({ a: 1 }, [1]), [{ kind: 'changed', path: '', desired: { a: 1 }, live: [1] }]);
    assert.deepEqual(diffObject({ a: { b: 1 } }, { a: [1] }), [{ kind: 'changed', path: '/a', desired: { b: 1 }, live: [1] }]);
  });
});

describe('redaction', () => {
  it('hides secret-looking names and configured pointers, at any depth', () => {
    const sensitive = compileSensitive(['/spec/connection/dsn', '/env/*/value']);
    const value = { db: { password: 'hunter2', user: 'app' }, apiToken: 'abc', spec: { connection: { dsn: 'postgres://u:p@h' } }, env: [{ name: 'X', value: 'y' }] };
    assert.deepEqual(redactValue(value, sensitive), {
      db: { password: REDACTED, user: 'app' },
      apiToken: REDACTED,
      spec: { connection: { dsn: REDACTED } },
      env: [{ name: 'X', value: REDACTED }],
    });
  });

  it('redacts both sides of a change in a comparison, keeping the path', () => {
    const comparison = compareDocuments(
      [{ target: 'db', file: 'db.yaml', ignore: [], state: { user: 'app', password: 'desired-secret', nested: { tls: { key: 'k1' } } } }],
      [{ target: 'db', exists: true, state: { user: 'root', password: 'live-secret', nested: { tls: { key: 'k2' } } } }],
      { ignore: [], sensitive: ['/nested/tls/key'] },
    );
    assert.deepEqual(comparison.objects[0].changes, [
      { kind: 'changed', path: '/nested/tls/key', desired: REDACTED, live: REDACTED },
      { kind: 'changed', path: '/password', desired: REDACTED, live: REDACTED },
      { kind: 'changed', path: '/user', desired: 'app', live: 'root' },
    ]);
    assert.doesNotMatch(JSON.stringify(comparison), /secret|k1|k2/);
  });
});

describe('compareDocuments', () => {
  const docs = [
    { target: 'a', file: 'a.yaml', ignore: [], state: { x: 1 } },
    { target: 'b', file: 'b.yaml', ignore: ['/status'], state: { x: 1 } },
    { target: 'c', file: 'c.yaml', ignore: [], state: { x: 1 } },
    { target: 'd', file: 'd.yaml', ignore: [], state: { x: 1 } },
  ];
  it('sorts objects into in-sync, drifted, missing and error', () => {
    const comparison = compareDocuments(
      docs,
      [
        { target: 'a', exists: true, state: { x: 1 } },
        { target: 'b', exists: true, state: { x: 2, status: 'busy' } },
        { target: 'c', exists: false },
        { target: 'd', error: 'command exited 1' },
      ],
      { ignore: [], sensitive: [] },
    );
    assert.deepEqual(
      comparison.objects.map((object) => object.status),
      ['in-sync', 'drifted', 'missing', 'error'],
    );
    assert.deepEqual(comparison.drifted, ['b', 'c']);
    assert.equal(comparison.fields, 2, 'b: /x (its /status is ignored by the document); c: the whole object');
    assert.deepEqual(comparison.errors, ['d: command exited 1']);
  });

  it('compares 1,000 documents well under a second', () => {
    const many = Array.from({ length: 1000 }, (_, index) => ({
      target: `t${index}`,
      file: `${index}.yaml`,
      ignore: [],
      state: { spec: { replicas: 3, image: `img:${index}`, env: { A: '1', B: '2' }, ports: [80, 443] }, metadata: { labels: { app: `a${index}` } } },
    }));
    const live = many.map((document, index) => ({
      target: document.target,
      exists: true as const,
      state: index % 10 === 0 ? { ...(document.state as object), extra: index } : structuredClone(document.state),
    }));
    const started = performance.now();
    const comparison = compareDocuments(many, live, { ignore: ['/metadata/annotations/*'], sensitive: [] });
    const elapsed = performance.now() - started;
    assert.equal(comparison.drifted.length, 100);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });
});

describe('hashes', () => {
  it('are the same whatever the key order, and differ when a value does', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(hashOf({ b: 1, a: 2 }), hashOf({ a: 2, b: 1 }));
    assert.notEqual(hashOf({ a: 1 }), hashOf({ a: '1' }));
    assert.match(hashOf(null), /^sha256:[0-9a-f]{16}$/);
    assert.equal(
      contentRevision([
        { path: 'b', content: '2' },
        { path: 'a', content: '1' },
      ]),
      contentRevision([
        { path: 'a', content: '1' },
        { path: 'b', content: '2' },
      ]),
    );
    assert.notEqual(contentRevision([{ path: 'a', content: '1' }]), contentRevision([{ path: 'a', content: '2' }]));
  });
});

describe('desired documents', () => {
  it('parses YAML (several documents in one file) and JSON', () => {
    const docs = parseDesiredFile('web.yaml', 'target: /etc/a.json\nstate: { x: 1 }\n---\ntarget: /etc/b.json\nstate: [1]\nignore: [/status]\n');
    assert.deepEqual(docs, [
      { target: '/etc/a.json', state: { x: 1 }, ignore: [], file: 'web.yaml#1' },
      { target: '/etc/b.json', state: [1], ignore: ['/status'], file: 'web.yaml#2' },
    ]);
    assert.deepEqual(parseDesiredFile('c.json', '{"target":"c","state":{"y":true}}'), [{ target: 'c', state: { y: true }, ignore: [], file: 'c.json' }]);
  });

  it('names the file and the problem when a document is bad', () => {
    assert.throws(() => parseDesiredFile('bad.json', '{"target":'), /^DesiredDocumentError: bad\.json: not valid JSON/);
    assert.throws(() => parseDesiredFile('bad.yaml', 'target: x\nstate: [1, 2\n'), /bad\.yaml:\d+:\d+: /);
    assert.throws(() => parseDesiredFile('t.yaml', 'state: 1\n'), /t\.yaml: target: is required/);
    assert.throws(() => parseDesiredFile('t.yaml', 'target: x\n'), /t\.yaml: state: is required/);
    assert.throws(() => parseDesiredFile('t.yaml', 'target: x\nstate: 1\nspec: 2\n'), /unknown key "spec"/);
    assert.throws(() => parseDesiredFile('t.yaml', '- 1\n'), /must be a mapping/);
    assert.throws(
      () => checkUniqueTargets([...parseDesiredFile('a.yaml', 'target: x\nstate: 1\n'), ...parseDesiredFile('b.yaml', 'target: x\nstate: 2\n')]),
      /b\.yaml: target "x" is already described by a\.yaml/,
    );
  });
});

describe('what an apply writes', () => {
  it('is the desired state with ignored fields kept from live', () => {
    const desired = { spec: { replicas: 2, image: 'web:2', containers: [{ name: 'a', image: 'a:1' }] }, metadata: { labels: { app: 'web' } } };
    const live = { spec: { replicas: 7, image: 'web:1', containers: [{ name: 'a', image: 'a:0', pid: 4 }] }, metadata: { labels: { app: 'web' }, annotations: { seen: 'x' } }, status: { ready: 7 } };
    assert.deepEqual(desiredWithIgnoredFromLive(desired, live, compileIgnore(['/spec/replicas', '/metadata/annotations', '/spec/containers/*/pid'])), {
      spec: { replicas: 7, image: 'web:2', containers: [{ name: 'a', image: 'a:1', pid: 4 }] },
      metadata: { labels: { app: 'web' }, annotations: { seen: 'x' } },
    });
    assert.equal(desiredWithIgnoredFromLive(desired, live, compileIgnore([])), desired, 'without ignore patterns: the desired state as is');
    assert.equal(desiredWithIgnoredFromLive(desired, undefined, compileIgnore(['/spec/replicas'])), desired, 'a missing object is created as desired');
  });
});
