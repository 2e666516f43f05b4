import { describe, expect, it } from 'vitest';
import { describeConfig, mask, resolveConfig } from './config.js';
import { isArticleQAError } from './shared/errors.js';

const fails = (env: Record<string, string>) => {
  try {
    resolveConfig(env);
  } catch (error) {
    if (isArticleQAError(error, 'E_CONFIG')) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveConfig', () => {
  it('defaults to the offline local embedder and no chat model', () => {
    const config = resolveConfig({ HOME: '/home/someone' });
    expect(config.embedder).toEqual({ kind: 'local', quantized: true, allowRemoteModels: false });
    expect(config.chat).toBeUndefined();
    expect(config.cacheDir).toBe('/home/someone/.cache/articleqa');
  });

  it('honours XDG_CACHE_HOME and ARTICLEQA_CACHE_DIR', () => {
    expect(resolveConfig({ HOME: '/h', XDG_CACHE_HOME: '/xdg' }).cacheDir).toBe('/xdg/articleqa');
    expect(resolveConfig({ HOME: '/h', ARTICLEQA_CACHE_DIR: '/c' }).cacheDir).toBe('/c');
  });

  it('configures the LLM from a base URL alone (local servers need no key)', () => {
    const config = resolveConfig({
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
      ARTICLEQA_CHAT_MODEL: 'llama3.1',
    });
    expect(config.chat).toMatchObject({
      baseURL: 'http://localhost:11434/v1',
      model: 'llama3.1',
      temperature: 0.1,
      maxRetries: 2,
    });
    expect(config.chat?.apiKey).toBeUndefined();
  });

  it('configures the LLM from a key with the default model', () => {
    expect(resolveConfig({ OPENAI_API_KEY: 'sk-abc' }).chat).toMatchObject({
      model: 'gpt-4o-mini',
      apiKey: 'sk-abc',
    });
  });

  it('names the variable in every error', () => {
    expect(fails({ OPENAI_BASE_URL: 'not a url' })).toContain('OPENAI_BASE_URL');
    expect(fails({ OPENAI_BASE_URL: 'ftp://x' })).toContain('OPENAI_BASE_URL');
    expect(fails({ ARTICLEQA_CHAT_MODEL: 'gpt' })).toContain('ARTICLEQA_CHAT_MODEL');
    expect(fails({ OPENAI_API_KEY: 'k', ARTICLEQA_TEMPERATURE: 'hot' })).toContain('ARTICLEQA_TEMPERATURE');
    expect(fails({ OPENAI_API_KEY: 'k', ARTICLEQA_MAX_TOKENS: '1.5' })).toContain('ARTICLEQA_MAX_TOKENS');
    expect(fails({ ARTICLEQA_EMBEDDER: 'bogus' })).toContain('ARTICLEQA_EMBEDDER');
    expect(fails({ ARTICLEQA_EMBEDDER: 'local:Xenova/bge-small' })).toContain('ARTICLEQA_EMBEDDER');
    expect(fails({ ARTICLEQA_EMBEDDER: 'openai:text-embedding-3-small' })).toContain('OPENAI_BASE_URL');
  });

  it('accepts the other embedders', () => {
    expect(resolveConfig({ ARTICLEQA_EMBEDDER: 'local:fp32' }).embedder).toMatchObject({
      kind: 'local',
      quantized: false,
    });
    expect(
      resolveConfig({
        ARTICLEQA_EMBEDDER: 'local:Xenova/bge-small-en-v1.5',
        ARTICLEQA_ALLOW_REMOTE_MODELS: '1',
      }).embedder,
    ).toMatchObject({ kind: 'local', model: 'Xenova/bge-small-en-v1.5' });
    expect(
      resolveConfig({
        ARTICLEQA_EMBEDDER: 'openai:nomic-embed-text',
        OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
        ARTICLEQA_EMBEDDING_DIMENSIONS: '768',
      }).embedder,
    ).toEqual({
      kind: 'openai',
      model: 'nomic-embed-text',
      baseURL: 'http://127.0.0.1:1/v1',
      dimensions: 768,
    });
  });

  it('never shows a secret in the description', () => {
    const env = { OPENAI_API_KEY: 'sk-this-is-a-very-secret-key' };
    const rows = describeConfig(resolveConfig(env), env);
    expect(JSON.stringify(rows)).not.toContain('very-secret');
    expect(mask('short')).toBe('********');
  });

  it('keeps the collection in Postgres when ARTICLEQA_STORE is a postgres URL, never showing its password', () => {
    expect(resolveConfig({}).store).toEqual({ kind: 'local' });
    const env = { ARTICLEQA_STORE: 'postgres://qa:hunter2secret@db.internal:5432/articles' };
    const config = resolveConfig(env);
    expect(config.store).toEqual({ kind: 'postgres', url: env.ARTICLEQA_STORE });
    const shown = JSON.stringify(describeConfig(config, env));
    expect(shown).not.toContain('hunter2secret');
    expect(shown).toContain('postgres://qa:***@db.internal:5432/articles');
    const error = (() => {
      try {
        resolveConfig({ ARTICLEQA_STORE: 'mysql://qa:hunter2secret@db/articles' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(isArticleQAError(error, 'E_CONFIG')).toBe(true);
    expect(error?.message).toContain('ARTICLEQA_STORE');
    expect(error?.message).not.toContain('hunter2secret');
  });
});
