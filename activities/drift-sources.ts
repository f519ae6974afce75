// Desired state: a directory (its revision is a content hash) or a git ref (its
// revision is the resolved commit), read into documents. Git runs as the real
// `git` binary with argv; each repository is mirrored once under
// <dataDir>/drift/git/ and fetched before each read.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { checkUniqueTargets, DesiredDocumentError, DOCUMENT_FILE, parseDesiredFile, type DesiredDocument } from '../lib/core/drift/documents';
import { contentRevision } from '../lib/core/drift/hash';
import type { SourceSpec } from '../lib/core/drift/spec';
import { ExecError, runCommand } from '../lib/adapters/process/run';

export interface SourceSnapshot {
  revision: string;
  documents: DesiredDocument[];
}

/** The source could not be read: the message names what and why. */
export class SourceError extends Error {
  override name = 'SourceError';
}

const GIT_TIMEOUT_MS = 120_000;

export async function readSource(source: SourceSpec, options: { cacheDir: string; revision?: string }): Promise<SourceSnapshot> {
  try {
    const files = source.type === 'directory' ? await readDirectory(source.path) : await readGit(source, options.cacheDir, options.revision);
    const documents = files.files.flatMap((file) => parseDesiredFile(file.path, file.content));
    checkUniqueTargets(documents);
    return { revision: files.revision, documents };
  } catch (error) {
    if (error instanceof DesiredDocumentError || error instanceof SourceError) throw error;
    if (error instanceof ExecError) throw new SourceError(error.message);
    throw new SourceError(`${describe(source)}: ${(error as Error).message}`);
  }
}

function describe(source: SourceSpec): string {
  return source.type === 'directory' ? `directory ${source.path}` : `git ${source.repo}@${source.ref}`;
}

type Files = { revision: string; files: { path: string; content: string }[] };

async function readDirectory(path: string): Promise<Files> {
  const root = resolve(path);
  let names: string[];
  try {
    names = (await readdir(root, { recursive: true, encoding: 'utf8' })).filter((name) => DOCUMENT_FILE.test(name)).sort();
  } catch (error) {
    throw new SourceError(`directory ${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const files: Files['files'] = [];
  for (const name of names) {
    try {
      files.push({ path: name, content: await readFile(join(root, name), 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') continue;
      throw new SourceError(`${join(path, name)}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { revision: contentRevision(files), files };
}

/** One fetch at a time per mirror (git's own lock would fail the second). */
const mirrorLocks = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = mirrorLocks.get(key) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  mirrorLocks.set(
    key,
    next.catch(() => {}),
  );
  return next;
}

async function git(args: string[], input?: string): Promise<Buffer> {
  const result = await runCommand(['git', ...args], { timeoutMs: GIT_TIMEOUT_MS, input, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } as Record<string, string> });
  if (result.code !== 0)
    throw new SourceError(
      `git ${args
        .filter((arg) => !arg.startsWith('--git-dir'))
        .slice(0, 2)
        .join(' ')}: ${result.stderr || `exit ${result.code}`}`,
    );
  return result.stdout;
}

async function readGit(source: Extract<SourceSpec, { type: 'git' }>, cacheDir: string, revision?: string): Promise<Files> {
  // A local path is made absolute so that the mirror does not depend on the worker's cwd later.
  const repo = /^[a-z][a-z0-9+.-]*:\/\/|^[^/]+@[^/]+:/i.test(source.repo) ? source.repo : resolve(source.repo);
  const mirror = join(cacheDir, 'git', createHash('sha256').update(repo).digest('hex').slice(0, 16));
  const gitDir = `--git-dir=${mirror}`;
  const commit = await serialized(mirror, async () => {
    if (revision) {
      // Apply re-reads the exact commit the check saw; fetch only if the mirror lacks it.
      const known = await git([gitDir, 'cat-file', '-e', `${revision}^{commit}`]).then(
        () => true,
        () => false,
      );
      if (known) return revision;
    }
    if (!existsSync(join(mirror, 'HEAD'))) {
      mkdirSync(join(cacheDir, 'git'), { recursive: true });
      await git(['clone', '--mirror', '--quiet', '--', repo, mirror]).catch((error: Error) => {
        throw new SourceError(`git ${source.repo}: cannot clone: ${error.message.replace(/^git clone --mirror: /, '')}`);
      });
    } else {
      await git([gitDir, 'fetch', '--quiet', '--prune', '--force', '--tags', 'origin', '+refs/*:refs/*']).catch((error: Error) => {
        throw new SourceError(`git ${source.repo}: cannot fetch: ${error.message.replace(/^git [^:]*: /, '')}`);
      });
    }
    const wanted = revision ?? source.ref;
    const resolved = await git([gitDir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${wanted}^{commit}`]).catch(() => {
      throw new SourceError(`git ${source.repo}: ref "${wanted}" not found (a branch, tag or commit)`);
    });
    return resolved.toString('utf8').trim();
  });
  const prefix = source.path.replace(/^\/+|\/+$/g, '');
  const listing = (await git([gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(prefix ? [prefix] : [])])).toString('utf8');
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t');
      const [, type, object] = meta.split(' ');
      return { type, object, path };
    })
    .filter((entry) => entry.type === 'blob' && DOCUMENT_FILE.test(entry.path))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  if (prefix && !entries.length) {
    const exists = await git([gitDir, 'cat-file', '-e', `${commit}:${prefix}`]).then(
      () => true,
      () => false,
    );
    if (!exists) throw new SourceError(`git ${source.repo}@${commit.slice(0, 12)}: path "${prefix}" does not exist`);
  }
  const contents = entries.length ? splitBatch(await git([gitDir, 'cat-file', '--batch'], entries.map((entry) => entry.object).join('\n') + '\n')) : [];
  return {
    revision: commit,
    files: entries.map((entry, index) => ({ path: prefix ? relative(prefix, entry.path) : entry.path, content: contents[index] })),
  };
}

/** `git cat-file --batch` output: "<oid> <type> <size>\n<content>\n" for each object. */
function splitBatch(output: Buffer): string[] {
  const contents: string[] = [];
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(10, offset);
    const header = output.subarray(offset, newline).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (!Number.isFinite(size)) throw new SourceError(`git cat-file: unexpected output "${header}"`);
    contents.push(output.subarray(newline + 1, newline + 1 + size).toString('utf8'));
    offset = newline + 1 + size + 1;
  }
  return contents;
}
