// One `vigil up` per data directory. At start, `vigil up` stops a Temporal dev
// server or PostgreSQL that a killed Vigil left running from its pid files; a
// second `vigil up` on the same directory must not take the first one's for
// leftovers. `<dataDir>/run/vigil.pid` names the Vigil that owns the directory.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, isAlive } from './child';

export class DataDirInUse extends Error {}

export interface DataDirLock {
  release(): void;
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Claims `dataDir` for this process, or throws DataDirInUse naming the Vigil that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const runDir = join(dataDir, 'run');
  const file = join(runDir, 'vigil.pid');
  mkdirSync(runDir, { recursive: true });
  const release = () => {
    if (ownerOf(file) === process.pid) rmSync(file, { force: true });
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      // `wx`: of two Vigils starting at once, exactly one creates the file.
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner) && commandLine(owner).includes('vigil')) {
      throw new DataDirInUse(
        `another vigil up (pid ${owner}) is running on ${dataDir}; stop it first (Ctrl-C in its terminal, or kill ${owner}), or give this one its own data directory (VIGIL_DATA_DIR)`,
      );
    }
    // Its Vigil is gone (killed, or the machine restarted): the claim is stale.
    rmSync(file, { force: true });
  }
  throw new DataDirInUse(`could not claim ${file}: another vigil up keeps claiming it`);
}
