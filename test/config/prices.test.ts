// llm.prices: the default table, one model's price given in vigil.yaml or as
// JSON in VIGIL_LLM__PRICES (the other models keep their defaults), and a wrong
// price reported with file or variable, path and problem.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configFromObject } from '../../lib/adapters/config/load';
import { DEFAULT_MODEL_PRICES } from '../../lib/core/triage/cost';
import { configDirs, load, loadError, shown } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

const SONNET = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 };
const HAIKU = { inputPerMTok: 1, outputPerMTok: 5, cacheWritePerMTok: 1.25, cacheReadPerMTok: 0.1 };

describe('llm.prices', () => {
  it('prices the models the defaults name (llm.model, llm.gateModel) by default', () => {
    const { config } = load(dirs.dir());
    assert.deepEqual(config.llm.prices[config.llm.model], SONNET);
    assert.deepEqual(config.llm.prices[config.llm.gateModel], HAIKU);
    assert.deepEqual(config.llm.prices, DEFAULT_MODEL_PRICES);
  });

  it('takes one model from vigil.yaml and keeps the defaults of the others', () => {
    const yaml =
      'llm:\n  prices:\n    claude-sonnet-5-5: { inputPerMTok: 2, outputPerMTok: 10, cacheWritePerMTok: 2.5, cacheReadPerMTok: 0.2 }\n    my-model: { inputPerMTok: 0, outputPerMTok: 0, cacheWritePerMTok: 0, cacheReadPerMTok: 0 }\n';
    const { config } = load(dirs.dir({ 'vigil.yaml': yaml }));
    assert.deepEqual(config.llm.prices['claude-sonnet-5-5'], { inputPerMTok: 2, outputPerMTok: 10, cacheWritePerMTok: 2.5, cacheReadPerMTok: 0.2 });
    assert.deepEqual(config.llm.prices['my-model'], { inputPerMTok: 0, outputPerMTok: 0, cacheWritePerMTok: 0, cacheReadPerMTok: 0 });
    assert.deepEqual(config.llm.prices['claude-haiku-5-5'], HAIKU);
    assert.deepEqual(DEFAULT_MODEL_PRICES['claude-sonnet-5-5'], SONNET, 'the defaults themselves are untouched');
  });

  it('takes a table as JSON from VIGIL_LLM__PRICES, over vigil.yaml', () => {
    const yaml = 'llm:\n  prices:\n    claude-haiku-5-5: { inputPerMTok: 9, outputPerMTok: 9, cacheWritePerMTok: 9, cacheReadPerMTok: 9 }\n';
    const { config } = load(dirs.dir({ 'vigil.yaml': yaml }), {
      VIGIL_LLM__PRICES: JSON.stringify({ 'claude-sonnet-5-5': { inputPerMTok: 4, outputPerMTok: 20, cacheWritePerMTok: 5, cacheReadPerMTok: 0.4 } }),
    });
    assert.deepEqual(config.llm.prices['claude-sonnet-5-5'], { inputPerMTok: 4, outputPerMTok: 20, cacheWritePerMTok: 5, cacheReadPerMTok: 0.4 });
    // The variable replaces the file's table; the default entries come back under it.
    assert.deepEqual(config.llm.prices['claude-haiku-5-5'], HAIKU);
  });

  it('reports a negative price with file, path and problem', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'llm:\n  prices:\n    claude-sonnet-5-5: { inputPerMTok: -3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 }\n' });
    const file = shown(join(dir, 'vigil.yaml'));
    const error = loadError(dir);
    assert.deepEqual(error.problems, [{ source: file, path: 'llm.prices.claude-sonnet-5-5.inputPerMTok', message: 'must be a number of at least 0, got -3' }]);
    assert.equal(error.message, `${file}: llm.prices.claude-sonnet-5-5.inputPerMTok: must be a number of at least 0, got -3`);
  });

  it('reports a missing price and a misspelt key; a bad env table names its variable', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'llm:\n  prices:\n    my-model: { inputPerMTok: 1, outputPerMTok: 5, cacheWritePerMTok: 1.25, cacheReadPerMtok: 0.1 }\n' });
    const messages = Object.fromEntries(loadError(dir).problems.map((problem) => [problem.path, problem.message]));
    assert.deepEqual(messages, {
      'llm.prices.my-model.cacheReadPerMTok': 'is required',
      'llm.prices.my-model.cacheReadPerMtok': 'unknown key "cacheReadPerMtok"; did you mean "cacheReadPerMTok"?',
    });
    const fromEnv = loadError(dirs.dir(), { VIGIL_LLM__PRICES: '{"my-model":{"inputPerMTok":1,"outputPerMTok":-5,"cacheWritePerMTok":1,"cacheReadPerMTok":0}}' });
    assert.deepEqual(fromEnv.problems, [{ source: 'env VIGIL_LLM__PRICES', path: 'llm.prices.my-model.outputPerMTok', message: 'must be a number of at least 0, got -5' }]);
  });

  it('configFromObject fills the default entries too', () => {
    const config = configFromObject({ llm: { prices: { 'my-model': { inputPerMTok: 1, outputPerMTok: 1, cacheWritePerMTok: 1, cacheReadPerMTok: 1 } } } });
    assert.deepEqual(Object.keys(config.llm.prices).sort(), [...Object.keys(DEFAULT_MODEL_PRICES), 'my-model'].sort());
  });
});
