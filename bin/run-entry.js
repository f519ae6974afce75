// Shared by the bin/ commands: runs the TypeScript sources through tsx in a
// checkout with dev dependencies, or the compiled dist/ (production images).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function hasTsx() {
  try {
    require.resolve('tsx/cjs/api', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

/** `entry` is the module path without extension, relative to the project root (e.g. `cli/main`). */
module.exports = function runEntry(command, entry) {
  const source = join(root, `${entry}.ts`);
  const compiled = join(root, 'dist', `${entry}.js`);
  if (existsSync(source) && hasTsx()) {
    require('tsx/cjs/api').register();
    require(source);
  } else if (existsSync(compiled)) {
    require(compiled);
  } else {
    process.stderr.write(`${command}: neither dist/ (npm run build) nor the dev dependencies (npm ci) are installed\n`);
    process.exit(1);
  }
};
