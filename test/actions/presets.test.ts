// Remediation presets: each expands into the command people would type, loads
// from a service definition, refuses a target that could pass as a flag, and
// runs as a real program.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { presetArgv } from '../../lib/core/actions/presets';
import { runExecAction } from '../../lib/adapters/actions/run';
import type { ExecActionSpec } from '../../lib/core/actions/types';
import type { ServiceDefinitionSpec } from '../../lib/core/config/services';
import { healthSpec } from '../../lib/core/health/spec';
import { configDirs, load } from '../config/config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

describe('remediation presets', () => {
  it('expand into the usual systemctl, docker and kubectl commands', () => {
    assert.deepEqual(presetArgv('systemd-restart', { target: 'shop.service' }), ['systemctl', 'restart', 'shop.service']);
    assert.deepEqual(presetArgv('systemd-stop', { target: 'shop', user: true }), ['systemctl', '--user', 'stop', 'shop']);
    assert.deepEqual(presetArgv('docker-restart', { target: 'shop' }), ['docker', 'restart', 'shop']);
    assert.deepEqual(presetArgv('docker-stop', { target: 'shop', context: 'edge' }), ['docker', '--context', 'edge', 'stop', 'shop']);
    assert.deepEqual(presetArgv('kubectl-rollout-restart', { target: 'deployment/shop', namespace: 'prod' }), ['kubectl', '--namespace', 'prod', 'rollout', 'restart', 'deployment/shop']);
    assert.deepEqual(presetArgv('kubectl-rollout-undo', { target: 'deployment/shop', context: 'eu' }), ['kubectl', '--context', 'eu', 'rollout', 'undo', 'deployment/shop']);
    assert.deepEqual(presetArgv('kubectl-scale-to-zero', { target: 'deployment/shop', namespace: 'prod' }), ['kubectl', '--namespace', 'prod', 'scale', 'deployment/shop', '--replicas=0']);
  });

  it('load from a ladder as exec actions, and refuse a target that starts with "-" or an unknown preset', () => {
    const dir = dirs.dir({
      'services.yaml': `
services:
  - name: shop
    remediation:
      ladder:
        - { name: restart, action: { type: preset, preset: kubectl-rollout-restart, target: deployment/shop, namespace: prod, timeout: 2m } }
        - { name: rollback, action: { type: preset, preset: kubectl-rollout-undo, target: deployment/shop, namespace: prod } }
        - { name: isolate, action: { type: preset, preset: kubectl-scale-to-zero, target: deployment/shop, namespace: prod } }
  - name: bad
    remediation:
      ladder:
        - { name: restart, action: { type: preset, preset: systemd-restart, target: "--now" } }
        - { name: reboot, action: { type: preset, preset: reboot-host, target: a } }
`,
    });
    const { definitions, rejected } = load(dir);
    const spec = healthSpec(definitions.services[0].spec as ServiceDefinitionSpec);
    assert.deepEqual(spec.ladder[0].action, {
      type: 'exec',
      argv: ['kubectl', '--namespace', 'prod', 'rollout', 'restart', 'deployment/shop'],
      timeoutMs: 120_000,
      expectedExitCodes: [0],
    });
    assert.deepEqual(
      spec.ladder.map((step) => (step.action as ExecActionSpec).argv.slice(3, 5).join(' ')),
      ['rollout restart', 'rollout undo', 'scale deployment/shop'],
    );
    assert.deepEqual(
      rejected.map((problem) => problem.path),
      ['services[1].remediation.ladder[0].action.target', 'services[1].remediation.ladder[1].action.preset'],
    );
    assert.match(rejected[0].message, /does not start with "-"/);
  });

  it('run the real program found on PATH', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'vigil-preset-'));
    try {
      const record = join(bin, 'args');
      writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(record)}\necho restarted\n`);
      chmodSync(join(bin, 'systemctl'), 0o755);
      const [step] = healthSpec({
        ...(load(dirs.dir({ 'services.yaml': 'services: [{ name: shop }]' })).definitions.services[0].spec as ServiceDefinitionSpec),
        remediation: {
          ladder: [{ name: 'restart', action: { type: 'preset' as const, preset: 'systemd-restart', target: 'shop.service', env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: '5s' }, settle: '1s' }],
          cooldown: '1m',
          maxActions: 3,
          window: '15m',
          dependencyGrace: '30s',
          flapping: { transitions: 6, window: '10m' },
        },
      }).ladder;
      const outcome = await runExecAction(step.action as ExecActionSpec);
      assert.deepEqual([outcome.ok, outcome.detail, outcome.output.trim()], [true, 'exit 0', 'restarted']);
      assert.equal(readFileSync(record, 'utf8'), 'restart\nshop.service\n');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
