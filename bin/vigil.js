#!/usr/bin/env node
// Runs the compiled CLI (dist/, production images) or, in a checkout with dev
// dependencies, the TypeScript sources directly through tsx.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

function hasTsx() {
  try {
    require.resolve('tsx/cjs/api', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && hasTsx()) {
  require('tsx/cjs/api').register();
  require(source);
} else if (existsSync(compiled)) {
  require(compiled);
} else {
  process.stderr.write('vigil: neither dist/ (npm run build) nor the dev dependencies (npm ci) are installed\n');
  process.exit(1);
}
