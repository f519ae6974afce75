// Desired-state sources against real directories and real git repositories.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSource } from '../../activities/drift-sources';
import { gitRepo } from './git-repo';

const root = mkdtempSync(join(tmpdir(), 'vigil-drift-sources-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('directory source', () => {
  it('reads YAML and JSON documents recursively; the revision is a content hash', async () => {
    const dir = join(root, 'desired');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.yaml'), 'target: a.json\nstate: { x: 1 }\n');
    writeFileSync(join(dir, 'sub', 'b.json'), '{"target":"b.json","state":{"y":2}}');
    writeFileSync(join(dir, 'README.md'), 'not a document');
    const first = await readSource({ type: 'directory', path: dir }, { cacheDir: root });
    assert.deepEqual(
      first.documents.map((document) => [document.file, document.target]),
      [
        ['a.yaml', 'a.json'],
        ['sub/b.json', 'b.json'],
      ],
    );
    assert.match(first.revision, /^sha256:/);
    assert.equal((await readSource({ type: 'directory', path: dir }, { cacheDir: root })).revision, first.revision);
    writeFileSync(join(dir, 'a.yaml'), 'target: a.json\nstate: { x: 2 }\n');
    assert.notEqual((await readSource({ type: 'directory', path: dir }, { cacheDir: root })).revision, first.revision);
  });

  it('names the directory or the file when it cannot be read or parsed', async () => {
    await assert.rejects(readSource({ type: 'directory', path: join(root, 'nope') }, { cacheDir: root }), /directory .*nope: cannot read: ENOENT/);
    const dir = join(root, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'bad.yaml'), 'target: x\nstate: [1, 2\n');
    await assert.rejects(readSource({ type: 'directory', path: dir }, { cacheDir: root }), /bad\.yaml:\d+:\d+: /);
  });
});

describe('git source', () => {
  const repo = gitRepo(join(root, 'repo'));
  const cacheDir = join(root, 'cache');
  const first = repo.commit({ 'apps/web/config.yaml': 'target: web.json\nstate: { replicas: 2 }\n', 'other/x.yaml': 'target: x\nstate: 1\n' }, 'first');
  repo.git('tag', 'v1');

  it('resolves a branch to its commit and reads only the given path', async () => {
    const snapshot = await readSource({ type: 'git', repo: repo.dir, ref: 'main', path: 'apps/web' }, { cacheDir });
    assert.equal(snapshot.revision, first);
    assert.deepEqual(snapshot.documents, [{ target: 'web.json', state: { replicas: 2 }, ignore: [], file: 'config.yaml' }]);
  });

  it('sees a new commit on the next read, and still reads a tag or a commit', async () => {
    const second = repo.commit({ 'apps/web/config.yaml': 'target: web.json\nstate: { replicas: 3 }\n' }, 'second');
    const latest = await readSource({ type: 'git', repo: repo.dir, ref: 'main', path: 'apps/web' }, { cacheDir });
    assert.equal(latest.revision, second);
    assert.deepEqual(latest.documents[0].state, { replicas: 3 });
    const tagged = await readSource({ type: 'git', repo: repo.dir, ref: 'v1', path: 'apps/web' }, { cacheDir });
    assert.equal(tagged.revision, first);
    const pinned = await readSource({ type: 'git', repo: repo.dir, ref: 'main', path: 'apps/web' }, { cacheDir, revision: first });
    assert.deepEqual(pinned.documents[0].state, { replicas: 2 }, 'apply re-reads the exact revision the check saw');
  });

  it('explains a missing ref, path or repository', async () => {
    await assert.rejects(readSource({ type: 'git', repo: repo.dir, ref: 'nope', path: '' }, { cacheDir }), /ref "nope" not found/);
    await assert.rejects(readSource({ type: 'git', repo: repo.dir, ref: 'main', path: 'missing' }, { cacheDir }), /path "missing" does not exist/);
    await assert.rejects(readSource({ type: 'git', repo: join(root, 'no-repo'), ref: 'main', path: '' }, { cacheDir }), /cannot clone/);
    await assert.rejects(readSource({ type: 'git', repo: repo.dir, ref: '--upload-pack=touch /tmp/pwned', path: '' }, { cacheDir }), /not found/);
  });
});
