// Live-state providers against real targets: files, a local HTTP state server
// and commands.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PREVIOUS_SUFFIX, providerFor } from '../../activities/drift-providers';

const root = mkdtempSync(join(tmpdir(), 'vigil-drift-providers-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('file provider', () => {
  const provider = providerFor({ type: 'file', root, format: 'auto' });

  it('reads JSON and YAML structurally, a missing file as missing, a broken one as an error', async () => {
    writeFileSync(join(root, 'a.json'), '{"x": 1, "y": [1, 2]}');
    writeFileSync(join(root, 'b.yaml'), 'x: 1\ny: { z: true }\n');
    writeFileSync(join(root, 'c.json'), '{"x": ');
    assert.deepEqual(await provider.read('a.json', {}), { target: 'a.json', exists: true, state: { x: 1, y: [1, 2] } });
    assert.deepEqual(await provider.read(join(root, 'b.yaml'), {}), { target: join(root, 'b.yaml'), exists: true, state: { x: 1, y: { z: true } } });
    assert.deepEqual(await provider.read('none.json', {}), { target: 'none.json', exists: false });
    const broken = await provider.read('c.json', {});
    assert.match((broken as { error: string }).error, /c\.json: not valid JSON/);
  });

  it('applies atomically, keeps the previous version and the mode', async () => {
    const path = join(root, 'app.json');
    writeFileSync(path, '{"replicas": 5}', { mode: 0o600 });
    await provider.apply('app.json', { replicas: 2, name: 'web' });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { replicas: 2, name: 'web' });
    assert.equal(readFileSync(`${path}${PREVIOUS_SUFFIX}`, 'utf8'), '{"replicas": 5}');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(
      readdirSync(root).filter((name) => name.includes('vigil-tmp')),
      [],
      'no temp file left behind',
    );
    await provider.apply('new/dir/b.yaml', { a: 1 });
    assert.equal(readFileSync(join(root, 'new/dir/b.yaml'), 'utf8'), 'a: 1\n');
  });

  it('manages a text file by content, and its mode when the desired state names one', async () => {
    const path = join(root, 'motd');
    writeFileSync(path, 'hello\n', { mode: 0o644 });
    assert.deepEqual(await provider.read('motd', { content: 'x' }), { target: 'motd', exists: true, state: { content: 'hello\n' } });
    assert.deepEqual(await provider.read('motd', { content: 'x', mode: '0600' }), { target: 'motd', exists: true, state: { content: 'hello\n', mode: '0644' } });
    await provider.apply('motd', { content: 'welcome\n', mode: '0600' });
    assert.equal(readFileSync(path, 'utf8'), 'welcome\n');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await assert.rejects(provider.apply('motd', { text: 'x' }), /needs "content"/);
  });
});

describe('http provider', () => {
  let server: Server;
  let baseUrl: string;
  const objects = new Map<string, unknown>([['/state/web', { replicas: 3 }]]);
  const seen: { method: string; url: string; auth?: string; body?: string }[] = [];

  const body = (request: IncomingMessage) =>
    new Promise<string>((resolveBody) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => resolveBody(text));
    });

  before(async () => {
    server = createServer(async (request, response) => {
      const text = await body(request);
      seen.push({ method: request.method!, url: request.url!, auth: request.headers.authorization, body: text || undefined });
      if (request.url === '/state/broken') return response.end('<html>');
      if (request.url === '/state/fail') return response.writeHead(500).end();
      if (request.method === 'GET') {
        if (!objects.has(request.url!)) return response.writeHead(404).end();
        response.setHeader('content-type', 'application/json');
        return response.end(JSON.stringify(objects.get(request.url!)));
      }
      objects.set(request.url!, JSON.parse(text));
      response.writeHead(204).end();
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/state`;
  });
  after(() => server.close());

  it('GETs JSON state, applies with the configured method and headers from env vars', async () => {
    const provider = providerFor({ type: 'http', baseUrl, applyMethod: 'PATCH', headersEnv: { authorization: 'DRIFT_TEST_TOKEN' }, timeoutMs: 2_000 }, { env: { DRIFT_TEST_TOKEN: 'Bearer s3cret' } });
    assert.deepEqual(await provider.read('web', {}), { target: 'web', exists: true, state: { replicas: 3 } });
    assert.deepEqual(await provider.read('/api', {}), { target: '/api', exists: false });
    await provider.apply('web', { replicas: 2 });
    assert.deepEqual(objects.get('/state/web'), { replicas: 2 });
    assert.deepEqual(seen.at(-1), { method: 'PATCH', url: '/state/web', auth: 'Bearer s3cret', body: '{"replicas":2}' });
    assert.match(((await provider.read('broken', {})) as { error: string }).error, /not JSON/);
    assert.match(((await provider.read('fail', {})) as { error: string }).error, /HTTP 500/);
    await assert.rejects(provider.apply('fail', {}), /PATCH fail: HTTP 500/);
  });

  it('says which env var is missing, and when nothing answers', async () => {
    const missing = providerFor({ type: 'http', baseUrl, applyMethod: 'PUT', headersEnv: { authorization: 'NOT_SET_ANYWHERE' }, timeoutMs: 2_000 }, { env: {} });
    assert.match(((await missing.read('web', {})) as { error: string }).error, /env var NOT_SET_ANYWHERE \(header authorization\) is not set/);
    const closed = createServer();
    await new Promise<void>((resolveListen) => closed.listen(0, '127.0.0.1', resolveListen));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolveClose) => closed.close(resolveClose));
    const dead = providerFor({ type: 'http', baseUrl: `http://127.0.0.1:${port}`, applyMethod: 'PUT', timeoutMs: 2_000 });
    assert.match(((await dead.read('web', {})) as { error: string }).error, /GET web: .*ECONNREFUSED/);
  });
});

describe('command provider', () => {
  const script = join(root, 'kv.js');
  // A tiny "CLI": `kv.js get NAME` prints the object (null when missing), `kv.js set NAME` stores stdin.
  writeFileSync(
    script,
    `const fs = require('fs'); const [, , verb, name] = process.argv; const file = ${JSON.stringify(root)} + '/kv-' + name + '.json';
     if (name === 'garbage') { process.stdout.write('not json'); process.exit(0); }
     if (name === 'failing') { process.stderr.write('permission denied'); process.exit(3); }
     if (verb === 'get') { process.stdout.write(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : 'null'); }
     else { let input = ''; process.stdin.on('data', (c) => input += c); process.stdin.on('end', () => fs.writeFileSync(file, input)); }`,
  );
  const provider = providerFor({ type: 'command', read: [process.execPath, script, 'get', '{target}'], apply: [process.execPath, script, 'set', '{target}'], timeoutMs: 5_000 });

  it('reads JSON from stdout (null: missing) and applies desired JSON through stdin', async () => {
    assert.deepEqual(await provider.read('db', {}), { target: 'db', exists: false });
    await provider.apply('db', { max_connections: 100 });
    assert.ok(existsSync(join(root, 'kv-db.json')));
    assert.deepEqual(await provider.read('db', {}), { target: 'db', exists: true, state: { max_connections: 100 } });
  });

  it('reports a failing command and non-JSON output as errors on that object', async () => {
    assert.match(((await provider.read('garbage', {})) as { error: string }).error, /printed no JSON: "not json"/);
    assert.match(((await provider.read('failing', {})) as { error: string }).error, /exited 3: permission denied/);
    await assert.rejects(provider.apply('failing', {}), /exited 3: permission denied/);
    const missing = providerFor({ type: 'command', read: ['/no/such/program'], apply: ['/no/such/program'], timeoutMs: 5_000 });
    assert.match(((await missing.read('x', {})) as { error: string }).error, /ENOENT/);
  });
});
