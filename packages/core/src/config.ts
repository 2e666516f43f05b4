import { join } from 'node:path';
import type { ChatModel } from './answer/chat-model.js';
import { createOpenAIChatModel } from './answer/openai-chat-model.js';
import type { Embedder } from './embed/embedder.js';
import { createLocalEmbedder } from './embed/index.js';
import { createOpenAIEmbedder } from './embed/openai-embedder.js';
import type { Reader } from './read/reader.js';
import { createLocalReader } from './read/transformers-reader.js';
import { ConfigError } from './shared/errors.js';

/** Environment variables as a plain object (`process.env` in an app). */
export type EnvironmentRecord = Readonly<Record<string, string | undefined>>;

/** Which embedder to use. */
export type EmbedderConfig =
  | { kind: 'local'; model?: string; quantized: boolean; allowRemoteModels: boolean }
  | { kind: 'openai'; model: string; baseURL: string; apiKey?: string; dimensions?: number };

/** Chat model settings; present only when an LLM is configured. */
export interface ChatConfig {
  baseURL: string;
  apiKey?: string;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  maxRetries: number;
  /** Azure OpenAI `api-version`, when set. */
  apiVersion?: string;
}

/**
 * Where the collection lives: the local folder (the default), or a Postgres database with pgvector
 * (`ARTICLEQA_STORE=postgres://...`), which the apps open through `@articleqa/store-postgres`.
 */
export type StoreConfig = { kind: 'local' } | { kind: 'postgres'; url: string };

/** Validated configuration shared by the CLI and the Discord bot. */
export interface ArticleQAConfig {
  /** Index directory from ARTICLEQA_INDEX, when set; apps choose their own default. */
  indexDir?: string;
  store: StoreConfig;
  /** Where the local model folder is built and cached. */
  cacheDir: string;
  embedder: EmbedderConfig;
  /** The offline reader; `off` answers with the best-matching sentence instead. */
  reader: ReaderConfig;
  chat?: ChatConfig;
}

/** The values of ARTICLEQA_READER and what each builds. */
export const READER_KINDS = {
  local: { description: 'the bundled reader, int8 (default)', quantized: true },
  'local:fp32': { description: 'the bundled reader, fp32', quantized: false },
  off: { description: 'no reader: the answer is the best-matching sentence', quantized: undefined },
} as const;

/** Which offline reader to use (a key of {@link READER_KINDS}). */
export type ReaderConfig = keyof typeof READER_KINDS;

/** One documented variable: the configuration table in the README and `articleqa config` use it. */
export interface ConfigVariable {
  name: string;
  description: string;
  secret?: boolean;
}

/** Every variable articleqa reads. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'ARTICLEQA_INDEX', description: 'Index directory (default: .articleqa in the current directory).' },
  {
    name: 'ARTICLEQA_STORE',
    description:
      'postgres://user:password@host:5432/db keeps the collection in Postgres with pgvector; unset, the local index directory.',
    secret: true,
  },
  {
    name: 'ARTICLEQA_CACHE_DIR',
    description: 'Model cache (default: $XDG_CACHE_HOME/articleqa or ~/.cache/articleqa).',
  },
  {
    name: 'ARTICLEQA_EMBEDDER',
    description:
      'local (all-MiniLM-L6-v2 int8, default), local:fp32, local:<transformers.js model id>, or openai:<embeddings model>.',
  },
  {
    name: 'ARTICLEQA_ALLOW_REMOTE_MODELS',
    description: 'Set to 1 to let local:<model id> download from the Hugging Face hub.',
  },
  {
    name: 'ARTICLEQA_EMBEDDING_DIMENSIONS',
    description: 'Vector size requested from an openai: embeddings model.',
  },
  {
    name: 'ARTICLEQA_READER',
    description: `Offline reader: ${Object.entries(READER_KINDS)
      .map(([name, kind]) => `${name} (${kind.description})`)
      .join(', ')}.`,
  },
  { name: 'OPENAI_API_KEY', description: 'API key of the OpenAI-compatible endpoint.', secret: true },
  {
    name: 'OPENAI_BASE_URL',
    description: 'OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama.',
  },
  {
    name: 'OPENAI_API_VERSION',
    description: 'Azure OpenAI api-version (sends the key as the api-key header).',
  },
  {
    name: 'ARTICLEQA_CHAT_MODEL',
    description:
      'Chat model name; answers use the LLM when this or OPENAI_API_KEY is set (default gpt-4o-mini).',
  },
  { name: 'ARTICLEQA_TEMPERATURE', description: 'Sampling temperature, 0-2 (default 0.1).' },
  { name: 'ARTICLEQA_MAX_TOKENS', description: 'Answer length limit in tokens (default 512).' },
  { name: 'ARTICLEQA_LLM_TIMEOUT_MS', description: 'Per-attempt timeout in milliseconds (default 30000).' },
  { name: 'ARTICLEQA_LLM_RETRIES', description: 'Retries on 429, 5xx and connection errors (default 2).' },
];

const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_CHAT_MODEL = 'gpt-4o-mini';
// The trained reader ships with the package (models/reader): reading is the offline default.
const DEFAULT_READER: ReaderConfig = 'local';

/**
 * Reads and validates configuration from an environment record. Pure: nothing is read but `env`.
 * @throws ConfigError naming the variable and what is wrong with it.
 */
export function resolveConfig(env: EnvironmentRecord): ArticleQAConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const apiKey = value('OPENAI_API_KEY');
  const baseURL = value('OPENAI_BASE_URL');
  if (baseURL !== undefined) checkUrl('OPENAI_BASE_URL', baseURL);
  const home = value('HOME') ?? value('USERPROFILE') ?? '.';
  const cacheDir =
    value('ARTICLEQA_CACHE_DIR') ?? join(value('XDG_CACHE_HOME') ?? join(home, '.cache'), 'articleqa');

  const readerSpec = value('ARTICLEQA_READER') ?? DEFAULT_READER;
  if (!Object.hasOwn(READER_KINDS, readerSpec)) {
    throw new ConfigError(`ARTICLEQA_READER=${readerSpec} is not understood.`, {
      hint: `Use ${Object.keys(READER_KINDS).join(', ')}.`,
    });
  }
  const config: ArticleQAConfig = {
    cacheDir,
    store: parseStoreConfig(value('ARTICLEQA_STORE')),
    embedder: parseEmbedder(value, baseURL, apiKey),
    reader: readerSpec as ReaderConfig,
  };
  const indexDir = value('ARTICLEQA_INDEX');
  if (indexDir) config.indexDir = indexDir;

  // Checked even when no LLM is configured: a mistyped value must not wait to surface until one is.
  const llm = {
    temperature: number(value, 'ARTICLEQA_TEMPERATURE', 0.1, 0, 2),
    maxTokens: integer(value, 'ARTICLEQA_MAX_TOKENS', 512, 1, 32_768),
    timeoutMs: integer(value, 'ARTICLEQA_LLM_TIMEOUT_MS', 30_000, 100, 600_000),
    maxRetries: integer(value, 'ARTICLEQA_LLM_RETRIES', 2, 0, 10),
  };
  const chatModel = value('ARTICLEQA_CHAT_MODEL');
  if (chatModel !== undefined || apiKey !== undefined || baseURL !== undefined) {
    if (apiKey === undefined && baseURL === undefined) {
      throw new ConfigError(
        'ARTICLEQA_CHAT_MODEL is set, but neither OPENAI_API_KEY nor OPENAI_BASE_URL is.',
        {
          hint: 'Set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for a local server such as Ollama.',
        },
      );
    }
    const apiVersion = value('OPENAI_API_VERSION');
    config.chat = {
      baseURL: baseURL ?? DEFAULT_OPENAI_BASE_URL,
      model: chatModel ?? DEFAULT_CHAT_MODEL,
      ...llm,
      ...(apiKey ? { apiKey } : {}),
      ...(apiVersion ? { apiVersion } : {}),
    };
  }
  return config;
}

/** Builds the embedder and (when configured) the chat model a configuration describes. */
export function createModels(
  config: ArticleQAConfig,
  options: { fetch?: typeof fetch } = {},
): { embedder: Embedder; chatModel?: ChatModel; reader?: Reader } {
  const quantized = READER_KINDS[config.reader].quantized;
  const reader =
    quantized === undefined ? undefined : createLocalReader({ cacheDir: config.cacheDir, quantized });
  const embedder: Embedder =
    config.embedder.kind === 'local'
      ? createLocalEmbedder({
          cacheDir: config.cacheDir,
          quantized: config.embedder.quantized,
          allowRemoteModels: config.embedder.allowRemoteModels,
          ...(config.embedder.model ? { model: config.embedder.model } : {}),
        })
      : createOpenAIEmbedder({
          baseURL: config.embedder.baseURL,
          model: config.embedder.model,
          ...(config.embedder.apiKey ? { apiKey: config.embedder.apiKey } : {}),
          ...(config.embedder.dimensions ? { dimensions: config.embedder.dimensions } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
  if (!config.chat) return { embedder, ...(reader ? { reader } : {}) };
  const chat = config.chat;
  const chatModel = createOpenAIChatModel({
    baseURL: chat.baseURL,
    model: chat.model,
    temperature: chat.temperature,
    maxTokens: chat.maxTokens,
    timeoutMs: chat.timeoutMs,
    maxRetries: chat.maxRetries,
    ...(chat.apiKey ? { apiKey: chat.apiKey } : {}),
    ...(chat.apiVersion
      ? { defaultQuery: { 'api-version': chat.apiVersion }, headers: { 'api-key': chat.apiKey ?? '' } }
      : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { embedder, chatModel, ...(reader ? { reader } : {}) };
}

/**
 * The effective configuration as rows with secrets masked, for display: `name` for people, `key` for
 * JSON (the variable's name, or a camelCase name for derived values), `value` null when unset.
 */
export function describeConfig(
  config: ArticleQAConfig,
  env: EnvironmentRecord,
): { name: string; key: string; value: string | null }[] {
  return CONFIG_VARIABLES.map((variable) => {
    const raw = env[variable.name]?.trim();
    let shown: string | null = raw ? raw : null;
    if (raw && variable.name === 'ARTICLEQA_STORE') shown = maskUrlPassword(raw);
    else if (raw && variable.secret) shown = mask(raw);
    return { name: variable.name, key: variable.name, value: shown };
  }).concat([
    { name: 'effective cache dir', key: 'cacheDir', value: config.cacheDir },
    {
      name: 'effective embedder',
      key: 'embedder',
      value:
        config.embedder.kind === 'local'
          ? `local ${config.embedder.model ?? 'all-MiniLM-L6-v2'} (${config.embedder.quantized ? 'int8' : 'fp32'})`
          : `openai ${config.embedder.model} at ${config.embedder.baseURL}`,
    },
    {
      name: 'effective answerer',
      key: 'answerer',
      value:
        config.reader === 'off'
          ? config.chat
            ? `LLM ${config.chat.model} at ${config.chat.baseURL}, extractive fallback`
            : 'extractive (offline)'
          : `${config.chat ? `LLM ${config.chat.model} at ${config.chat.baseURL}, offline fallback: ` : ''}reader (${config.reader}), reranking on`,
    },
  ]);
}

/** A connection URL with its password replaced by `***`, safe to print. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return mask(url);
  }
}

/**
 * A store setting: unset or `local` for the local index directory, else a `postgres://` URL.
 * @param setting - What the value came from, for the message (`ARTICLEQA_STORE`, `--to`).
 * @throws ConfigError for anything else.
 */
export function parseStoreConfig(spec: string | undefined, setting = 'ARTICLEQA_STORE'): StoreConfig {
  if (spec === undefined || spec === 'local') return { kind: 'local' };
  let url: URL | undefined;
  try {
    url = new URL(spec);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
    throw new ConfigError(`${setting}=${maskUrlPassword(spec)} is not understood.`, {
      hint: 'Use postgres://user:password@host:5432/database, or unset it for the local index directory.',
    });
  }
  return { kind: 'postgres', url: spec };
}

/** Shows that a secret is set without revealing it. */
export function mask(secret: string): string {
  return secret.length <= 8 ? '********' : `${secret.slice(0, 3)}…${'*'.repeat(4)} (${secret.length} chars)`;
}

function parseEmbedder(
  value: (name: string) => string | undefined,
  baseURL: string | undefined,
  apiKey: string | undefined,
): EmbedderConfig {
  const spec = value('ARTICLEQA_EMBEDDER') ?? 'local';
  const allowRemoteModels = ['1', 'true', 'yes'].includes(
    (value('ARTICLEQA_ALLOW_REMOTE_MODELS') ?? '').toLowerCase(),
  );
  if (spec === 'local') return { kind: 'local', quantized: true, allowRemoteModels };
  if (spec === 'local:fp32') return { kind: 'local', quantized: false, allowRemoteModels };
  if (spec.startsWith('local:')) {
    const model = spec.slice('local:'.length);
    if (!allowRemoteModels) {
      throw new ConfigError(`ARTICLEQA_EMBEDDER=${spec} names a model that must be downloaded.`, {
        hint: 'Set ARTICLEQA_ALLOW_REMOTE_MODELS=1 (needs internet), or use ARTICLEQA_EMBEDDER=local.',
      });
    }
    return { kind: 'local', model, quantized: true, allowRemoteModels };
  }
  if (spec.startsWith('openai:') && spec.length > 'openai:'.length) {
    if (!baseURL && !apiKey) {
      throw new ConfigError(`ARTICLEQA_EMBEDDER=${spec} needs OPENAI_BASE_URL or OPENAI_API_KEY.`);
    }
    const dimensions = value('ARTICLEQA_EMBEDDING_DIMENSIONS');
    return {
      kind: 'openai',
      model: spec.slice('openai:'.length),
      baseURL: baseURL ?? DEFAULT_OPENAI_BASE_URL,
      ...(apiKey ? { apiKey } : {}),
      ...(dimensions ? { dimensions: integer(value, 'ARTICLEQA_EMBEDDING_DIMENSIONS', 0, 1, 65_536) } : {}),
    };
  }
  throw new ConfigError(`ARTICLEQA_EMBEDDER=${spec} is not understood.`, {
    hint: 'Use local, local:fp32, local:<model id> or openai:<model>.',
  });
}

function checkUrl(name: string, raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ConfigError(`${name} is not a URL: ${raw}`, {
      cause: error,
      hint: 'Example: http://localhost:11434/v1',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, not ${url.protocol}`);
  }
}

function number(
  value: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name}=${raw} must be a number from ${min} to ${max}.`);
  }
  return parsed;
}

function integer(
  value: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const parsed = number(value, name, fallback, min, max);
  if (!Number.isInteger(parsed)) throw new ConfigError(`${name}=${value(name)} must be a whole number.`);
  return parsed;
}
