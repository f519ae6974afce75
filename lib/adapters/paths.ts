import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The directory holding Vigil's package.json, from sources and from dist/ alike. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'vigil') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find Vigil's package.json above ${__dirname}`);
    dir = parent;
  }
}

export function migrationsDir(): string {
  return join(projectRoot(), 'migrations');
}
