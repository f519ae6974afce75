// `vigil up` says where its API listens in <dataDir>/run/api.json while it runs,
// so an operator command started from the same place reaches it without loading
// vigil.yaml: loading the config schema is most of a command's start-up (about
// 350 ms of 620 ms; the CLI's budget is 300 ms). The announcement is only taken
// when nothing could make the config say otherwise: no --api, --config or VIGIL_
// setting in the environment other than where to look (VIGIL_DATA_DIR,
// VIGIL_CONFIG_DIR) and the token; the same configuration directory; and the
// announcing process still alive. Anything else loads the config as before.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface ApiAnnouncement {
  /** Where the API answers, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The admin token vigil up keeps, when it keeps one. */
  tokenFile?: string;
  /** The configuration directory the running Vigil was started with (absolute). */
  configDir: string;
  pid: number;
}

const LOOKUP_ONLY = new Set(['VIGIL_DATA_DIR', 'VIGIL_CONFIG_DIR', 'VIGIL_TOKEN', 'VIGIL_ADMIN_TOKEN']);

export const announcementFile = (dataDir: string) => join(resolve(dataDir), 'run', 'api.json');

/** Writes the announcement; returns what removes it (on stop). */
export function announceApi(dataDir: string, announcement: ApiAnnouncement): () => void {
  const file = announcementFile(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(announcement)}\n`, { mode: 0o644 });
  return () => rmSync(file, { force: true });
}

/** The running API announced for this place and environment, or undefined when the config must be read. */
export function announcedApi(env: NodeJS.ProcessEnv): ApiAnnouncement | undefined {
  if (Object.keys(env).some((name) => name.startsWith('VIGIL_') && !LOOKUP_ONLY.has(name))) return undefined;
  const file = announcementFile(env.VIGIL_DATA_DIR || '.vigil');
  if (!existsSync(file)) return undefined;
  let announcement: ApiAnnouncement;
  try {
    announcement = JSON.parse(readFileSync(file, 'utf8')) as ApiAnnouncement;
  } catch {
    return undefined;
  }
  if (typeof announcement.url !== 'string' || announcement.configDir !== resolve(env.VIGIL_CONFIG_DIR || 'configs') || !alive(announcement.pid)) return undefined;
  return announcement;
}

function alive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
