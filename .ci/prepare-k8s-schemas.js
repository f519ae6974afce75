#!/usr/bin/env node
// Makes the Kubernetes JSON schemas that the PyPI package kubernetes-validate
// ships usable by kubeconform offline. Their `$id` is https://kubernetes.io/api/…
// and their `$ref`s are `/api/_definitions.json#…`, so a validator resolves them
// to kubernetes.io and fetches over the network. Dropping `$id` and making the
// refs relative lets them resolve to the `_definitions.json` beside each file.
//   node .ci/prepare-k8s-schemas.js SOURCE_DIR TARGET_DIR
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  process.stderr.write('usage: prepare-k8s-schemas.js SOURCE_DIR TARGET_DIR\n');
  process.exit(2);
}
const partial = `${target}.partial`;
rmSync(partial, { recursive: true, force: true });
mkdirSync(partial, { recursive: true });
let count = 0;
for (const name of readdirSync(source)) {
  if (!name.endsWith('.json')) continue;
  const schema = JSON.parse(readFileSync(join(source, name), 'utf8'));
  delete schema.$id;
  writeFileSync(join(partial, name), JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#'));
  count++;
}
if (count === 0) {
  process.stderr.write(`prepare-k8s-schemas: no schemas in ${source}\n`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
renameSync(partial, target);
process.stdout.write(`prepared ${count} schemas in ${target}\n`);
