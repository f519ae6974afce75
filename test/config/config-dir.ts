// Helpers for the config tests: real YAML files in a temporary directory, and
// loadConfig with an explicit env (never process.env). Pure: no harness needed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '../../lib/core/config/errors';
import { loadConfig, type LoadedConfig } from '../../lib/adapters/config/load';

/** A root temp directory per test file; each `dir()` is a fresh config directory inside it. */
export function configDirs() {
  const root = mkdtempSync(join(tmpdir(), 'vigil-config-test-'));
  let count = 0;
  return {
    root,
    /** Writes `files` (relative path → YAML text) into a new directory and returns its path. */
    dir(files: Record<string, string> = {}): string {
      const dir = join(root, `dir${++count}`);
      mkdirSync(dir);
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      return dir;
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function load(dir: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  return loadConfig({ dir, env });
}

/** Loads and expects a ConfigError; returns it for assertions. */
export function loadError(dir: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  let result: LoadedConfig;
  try {
    result = loadConfig({ dir, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected a ConfigError, but the config loaded: ${JSON.stringify(result.config)}`);
}

/** How the loader names a file in problems: relative to the working directory when inside it. */
export function shown(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd && !fromCwd.startsWith('..') ? fromCwd : file;
}

/**
 * Asserts that `actual` has every field of `expected` with the same value
 * (recursively for mappings; lists must match whole). Fields not mentioned are
 * not checked, so a setting added to the schema does not break these tests.
 */
export function assertFields(actual: unknown, expected: Record<string, unknown>, at = 'config'): void {
  assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${at} is a mapping`);
  for (const [key, value] of Object.entries(expected)) {
    const field: unknown = (actual as Record<string, unknown>)[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      assertFields(field, value as Record<string, unknown>, `${at}.${key}`);
    } else {
      assert.deepEqual(field, value, `${at}.${key}`);
    }
  }
}
