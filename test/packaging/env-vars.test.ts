// Every env var that docker-compose.yml, the Kubernetes manifests and the image
// set for Vigil is one Vigil reads: a misspelt name fails here instead of being
// silently ignored in production.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { SHOP_USAGE } from '../../demo/shop/cli';
import { imageEnv } from './dockerfile';
import { assembleConfigDir, envProblems } from './env-check';
import { containerEnv, findConfigMap, parseObjects, workloads } from './k8s';
import { ROOT, composeProject, kustomizeBuild, vigilServices } from './tools';

const CONFIG_MOUNT = '/app/configs';
/** The variables `vigil-demo` reads, as its usage lists them: what the shop container may set besides Vigil's own. */
const DEMO_VARS = new Set([...SHOP_USAGE.matchAll(/\b(DEMO_[A-Z]+)\b/g)].map((match) => match[1]));

describe('env vars Vigil is given', () => {
  for (const profiles of [[], ['cluster']]) {
    it(`docker-compose.yml (${profiles.length ? `profile ${profiles.join(', ')}` : 'default profile'}): every variable of every Vigil service is read`, () => {
      const services = vigilServices(composeProject(profiles));
      assert.deepEqual(services.map(([name]) => name).sort(), ['api', 'apply', 'migrate', 'shop', 'worker']);
      for (const [name, service] of services) {
        const runsDemo = (service.entrypoint ?? []).some((part) => part.endsWith('/vigil-demo.js'));
        const own = Object.entries(service.environment ?? {}).filter(([key]) => !(runsDemo && key.startsWith('DEMO_')));
        if (runsDemo)
          for (const key of Object.keys(service.environment ?? {}).filter((key) => key.startsWith('DEMO_'))) assert.ok(DEMO_VARS.has(key), `compose service ${name}: vigil-demo does not read ${key}`);
        const env = { ...imageEnv(), ...Object.fromEntries(own.map(([key, value]) => [key, value ?? ''])) };
        const configDir = assembleConfigDir(
          (service.volumes ?? [])
            .filter((volume) => volume.type === 'bind' && volume.target.startsWith(`${CONFIG_MOUNT}/`))
            .map((volume) => ({ path: relative(CONFIG_MOUNT, volume.target), source: volume.source })),
        );
        assert.deepEqual(envProblems(env, configDir), [], `compose service ${name}`);
      }
    });
  }

  for (const dir of ['k8s/base', 'k8s/overlays/example']) {
    it(`${dir}: every variable of every container is read`, () => {
      const objects = parseObjects(kustomizeBuild(dir));
      const pods = workloads(objects);
      assert.deepEqual(pods.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort(), ['Deployment/vigil-api', 'Deployment/vigil-worker', 'Job/vigil-migrate']);
      const configMap = findConfigMap(objects, 'vigil-config');
      const configDir = assembleConfigDir(Object.entries<string>(configMap.data).map(([path, text]) => ({ path, text })));
      for (const { object, pod } of pods) {
        for (const container of pod.containers) {
          const env = { ...imageEnv(), ...containerEnv(objects, container) };
          assert.deepEqual(envProblems(env, configDir), [], `${object.kind} ${object.metadata.name}, container ${container.name}`);
        }
      }
    });
  }

  it('the check fails on a misspelt setting and on a variable nothing reads', () => {
    const problems = envProblems({ VIGIL_SERVER__PROT: '8080', ANTHROPIC_API_KY: 'sk-…', DATABASE_URL: 'postgres://db/vigil', SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, join(ROOT, 'configs'));
    assert.equal(problems.length, 1, 'the loader stops at the unknown VIGIL_ name');
    assert.match(problems[0], /VIGIL_SERVER__PROT.*not a Vigil setting.*VIGIL_SERVER__PORT/);
    assert.deepEqual(envProblems({ ANTHROPIC_API_KY: 'sk-…', DATABASE_URL: 'postgres://db/vigil', SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, join(ROOT, 'configs')), [
      'ANTHROPIC_API_KY: Vigil does not read this variable',
      'SLACK_WEBHOOK_URL: Vigil does not read this variable', // only read when notifications.slack.webhookUrlEnv names it
    ]);
    assert.deepEqual(envProblems({ VIGIL_NOTIFICATIONS__SLACK__WEBHOOK_URL_ENV: 'SLACK_WEBHOOK_URL', SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, join(ROOT, 'configs')), []);
  });
});
