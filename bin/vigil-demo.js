#!/usr/bin/env node
// The demo service's control command (demo/ctl.ts): start, stop, restart, status
// and the failure simulator. Like bin/vigil.js it runs the TypeScript sources
// through tsx in a checkout with dev dependencies, or the compiled dist/.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'demo', 'ctl.ts');
const compiled = join(root, 'dist', 'demo', 'ctl.js');

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
  process.stderr.write('vigil-demo: neither dist/ (npm run build) nor the dev dependencies (npm ci) are installed\n');
  process.exit(1);
}
