// The Kubernetes manifests: `kustomize build` of the base and the example
// overlay, each object checked by kubeconform against the Kubernetes JSON
// schemas (strict: unknown fields fail), then what the issue asks of them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../lib/adapters/config/load';
import { assembleConfigDir } from './env-check';
import { containerEnv, find, findConfigMap, parseObjects, secretData, workloads } from './k8s';
import { k8sSchemaLocation, k8sSchemaVersion, kustomizeBuild, run, tempFile, tools, type K8sObject } from './tools';

function kubeconform(manifests: string) {
  return run(tools.kubeconform, ['-strict', '-summary', '-kubernetes-version', k8sSchemaVersion(), '-schema-location', k8sSchemaLocation(), tempFile('manifests.yaml', manifests)]);
}

const overlay = parseObjects(kustomizeBuild('k8s/overlays/example'));

describe('Kubernetes manifests', () => {
  for (const dir of ['k8s/base', 'k8s/overlays/example']) {
    it(`${dir} builds with kustomize and every object is valid for Kubernetes ${k8sSchemaVersion()}`, () => {
      const manifests = kustomizeBuild(dir);
      const result = kubeconform(manifests);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const count = parseObjects(manifests).length;
      assert.match(result.stdout, new RegExp(`${count} resources found .* Valid: ${count}, Invalid: 0, Errors: 0, Skipped: 0`));
    });
  }

  it('kubeconform rejects a misspelt field and a wrong type', () => {
    const broken = kustomizeBuild('k8s/overlays/example').replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesytem: true').replace('minReplicas: 2', 'minReplicas: "2"');
    const result = kubeconform(broken);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout, /additional properties 'readOnlyRootFilesytem' not allowed/);
    assert.match(result.stdout, /minReplicas/);
  });

  it('has what the issue asks for', () => {
    const kinds = overlay.map((object) => `${object.kind}/${object.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
    for (const expected of [
      'Deployment/vigil-api',
      'Deployment/vigil-worker',
      'Service/vigil-api',
      'ConfigMap/vigil-config',
      'Secret/vigil-secrets',
      'Job/vigil-migrate',
      'PodDisruptionBudget/vigil-api',
      'PodDisruptionBudget/vigil-worker',
      'HorizontalPodAutoscaler/vigil-worker',
      'NetworkPolicy/vigil-api',
      'NetworkPolicy/vigil-worker',
    ])
      assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(', ')}`);
  });

  for (const name of ['vigil-api', 'vigil-worker']) {
    it(`${name}: probes on the ops port, resources, non-root, read-only root filesystem`, () => {
      const pod = find(overlay, 'Deployment', name).spec.template.spec;
      const [container] = pod.containers;
      const opsPort = container.ports.find((port: any) => port.name === 'ops').containerPort;
      assert.equal(opsPort, configFor(pod, container).server.ops.port, 'the ops port is the one Vigil listens on');
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/-/ready', port: 'ops' });
      assert.deepEqual(container.livenessProbe.httpGet, { path: '/-/healthy', port: 'ops' });
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.ok(pod.securityContext.runAsUser > 0);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      assert.ok(
        container.volumeMounts.some((mount: any) => mount.mountPath === '/tmp'),
        'a writable /tmp',
      );
    });
  }

  it('termination grace outlasts the worker drain and the API drain', () => {
    const worker = find(overlay, 'Deployment', 'vigil-worker').spec.template.spec;
    const workerConfig = configFor(worker, worker.containers[0]);
    assert.ok(
      worker.terminationGracePeriodSeconds * 1000 > workerConfig.worker.shutdownGraceMs + 5_000,
      `${worker.terminationGracePeriodSeconds} s > worker.shutdownGraceMs ${workerConfig.worker.shutdownGraceMs} ms + 5 s`,
    );
    const api = find(overlay, 'Deployment', 'vigil-api').spec.template.spec;
    const apiConfig = configFor(api, api.containers[0]);
    const preStopSeconds = Number(api.containers[0].lifecycle.preStop.exec.command[1]);
    assert.ok(api.terminationGracePeriodSeconds * 1000 > preStopSeconds * 1000 + apiConfig.server.drainMs);
  });

  it("the vigil-config ConfigMap is configs/vigil.yaml plus the overlay's definitions, and loads without rejections", () => {
    const configMap = findConfigMap(overlay, 'vigil-config');
    assert.deepEqual(Object.keys(configMap.data).sort(), ['services.yaml', 'vigil.yaml']);
    const dir = assembleConfigDir(Object.entries<string>(configMap.data).map(([path, text]) => ({ path, text })));
    const loaded = loadConfig({ dir, env: {} });
    assert.deepEqual(loaded.rejected, []);
    assert.deepEqual(
      loaded.definitions.services.map((service) => service.name),
      ['shop'],
    );
  });

  it('Temporal and PostgreSQL are external, given by env', () => {
    for (const name of ['vigil-api', 'vigil-worker']) {
      const pod = find(overlay, 'Deployment', name).spec.template.spec;
      const config = configFor(pod, pod.containers[0]);
      assert.match(config.temporal.address, /^[\w.-]+:\d+$/, `${name}: temporal.address`);
      assert.match(config.database.url, /^postgres:\/\//, `${name}: database.url`);
    }
  });

  it('required Secret keys are in the example Secret; optional ones are marked optional', () => {
    const secret = secretData(find(overlay, 'Secret', 'vigil-secrets'));
    for (const { object, pod } of workloads(overlay)) {
      for (const variable of pod.containers.flatMap((container: any) => container.env ?? [])) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref && !ref.optional) assert.ok(ref.key in secret, `${object.metadata.name}: ${ref.key} is in secret.example.yaml`);
      }
    }
  });

  it('selectors match: Services, PDBs and NetworkPolicies select the pods, the HPA scales the worker Deployment', () => {
    const podLabels = (name: string) => find(overlay, 'Deployment', name).spec.template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    const selectsSomething = (selector: Record<string, string>) => ['vigil-api', 'vigil-worker'].some((name) => matches(selector, podLabels(name)));
    for (const object of overlay) {
      if (object.kind === 'Service') assert.ok(selectsSomething(object.spec.selector), `Service ${object.metadata.name}`);
      if (object.kind === 'PodDisruptionBudget') assert.ok(selectsSomething(object.spec.selector.matchLabels), `PDB ${object.metadata.name}`);
      if (object.kind === 'NetworkPolicy' && object.metadata.name !== 'vigil-migrate') assert.ok(selectsSomething(object.spec.podSelector.matchLabels), `NetworkPolicy ${object.metadata.name}`);
    }
    const hpa = find(overlay, 'HorizontalPodAutoscaler', 'vigil-worker');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vigil-worker' });
    for (const { object } of workloads(overlay)) {
      assert.equal(object.metadata.namespace, 'vigil');
    }
  });
});

function configFor(pod: any, container: any) {
  const configVolume = pod.volumes.find((volume: any) => volume.configMap?.name?.startsWith('vigil-config'));
  const mount = container.volumeMounts.find((candidate: any) => candidate.name === configVolume.name);
  assert.equal(mount.mountPath, '/app/configs');
  const configMap: K8sObject = find(overlay, 'ConfigMap', configVolume.configMap.name);
  const dir = assembleConfigDir(Object.entries<string>(configMap.data).map(([path, text]) => ({ path, text })));
  return loadConfig({ dir: join(dir), env: containerEnv(overlay, container) }).config;
}
