// `${setting}` references in definition files (lib/core/config/references.ts),
// and through the loader: a moved setting moves the definitions that use it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../lib/adapters/config/load';
import { expandSettingReferences, positionOf } from '../../lib/core/config/references';

const settings = { dataDir: '.vigil', demo: { enabled: true, ports: { gateway: 9400, orders: 9401 } }, server: { ops: { port: 8081 } }, auth: { tokens: [] } };

describe('setting references', () => {
  it('replaces a reference by the setting, inside text or alone', () => {
    const { text, problems } = expandSettingReferences('url: http://127.0.0.1:${demo.ports.gateway}/healthz\nport: ${demo.ports.gateway}\ndir: "${dataDir}/demo"\non: ${demo.enabled}\n', settings);
    assert.deepEqual(problems, []);
    assert.equal(text, 'url: http://127.0.0.1:9400/healthz\nport: 9400\ndir: ".vigil/demo"\non: true\n');
  });

  it('leaves what is not a reference alone, and $${ writes a literal ${', () => {
    const source = 'argv: [sh, -c, "echo ${HOME} ${VAR:-x} $demo"]';
    assert.equal(expandSettingReferences(source, settings).text, source);
    assert.equal(expandSettingReferences('literal: $${demo.ports.gateway}', settings).text, 'literal: ${demo.ports.gateway}');
  });

  it('names a reference to no setting (with a suggestion) and one to a list or mapping, with where it is', () => {
    const source = 'a: 1\nport: ${demo.ports.gatewy}\nops: ${server.ops}\ntokens: ${auth.tokens}\n';
    const { problems } = expandSettingReferences(source, settings);
    assert.deepEqual(
      problems.map((problem) => ({ ...positionOf(source, problem.offset), message: problem.message })),
      [
        { line: 2, col: 7, message: '${demo.ports.gatewy} is not a setting of vigil.yaml; did you mean "demo.ports.gateway"?' },
        { line: 3, col: 6, message: '${server.ops} is a mapping; only a single value can be used in a definition' },
        { line: 4, col: 9, message: '${auth.tokens} is a list; only a single value can be used in a definition' },
      ],
    );
  });

  describe('through the loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-references-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('uses the settings after env overrides and defaults, and rejects only the file with a bad reference', () => {
      mkdirSync(join(dir, 'services'));
      writeFileSync(join(dir, 'vigil.yaml'), 'demo:\n  ports:\n    gateway: 9500\n');
      writeFileSync(join(dir, 'services', 'a.yaml'), 'services:\n  - name: a\n    checks:\n      - { name: tcp, type: tcp, host: 127.0.0.1, port: "${demo.ports.gateway}" }\n');
      writeFileSync(
        join(dir, 'services', 'b.yaml'),
        'services:\n  - name: b\n    checks:\n      - name: tcp\n        type: tcp\n        host: 127.0.0.1\n        port: ${demo.ports.gateway}\n        interval: 5s\n',
      );
      writeFileSync(join(dir, 'services', 'c.yaml'), 'services:\n  - name: c\n    description: ${nope}\n');
      const loaded = loadConfig({ dir, env: { VIGIL_DEMO__PORTS__GATEWAY: '19500' } });
      // Quoted, the reference is a string, and a tcp port must be a number: YAML's own rule.
      assert.ok(
        loaded.rejected.some((problem) => /a\.yaml/.test(problem.source) && /port/.test(problem.path)),
        JSON.stringify(loaded.rejected),
      );
      const b = loaded.definitions.services.find((service) => service.name === 'b');
      assert.equal((b?.spec as unknown as { checks: { port: number }[] }).checks[0].port, 19500);
      assert.ok(
        loaded.rejected.some((problem) => /c\.yaml:3:18$/.test(problem.source) && /\$\{nope\} is not a setting/.test(problem.message)),
        JSON.stringify(loaded.rejected),
      );
    });
  });
});
