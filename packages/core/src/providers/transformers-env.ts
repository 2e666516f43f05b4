import { ModelError } from '../shared/errors.js';

/**
 * Downloads a transformers.js model from the Hugging Face hub into `<modelsDir>/<model id>/` (the
 * layout the local embedder reads), with @xenova/transformers. That package is an optional peer
 * dependency: it is only needed for this download, and it depends on an image library whose install
 * fetches native files from outside npm, which a plain install of @articleqa/core must not do.
 * @throws ModelError `E_MODEL_NOT_FOUND` when the package is missing or the download fails.
 */
export async function downloadHubModel(model: string, modelsDir: string, quantized: boolean): Promise<void> {
  let transformers: typeof import('@xenova/transformers');
  try {
    transformers = await import('@xenova/transformers');
  } catch (error) {
    throw new ModelError('E_MODEL_NOT_FOUND', `Downloading the model ${model} needs @xenova/transformers.`, {
      cause: error,
      hint: `Install it beside @articleqa/core (npm install @xenova/transformers), or place the model folder in ${modelsDir}.`,
    });
  }
  const { env, pipeline } = transformers;
  // transformers.js keeps these settings in one module-global object; this is the only caller here.
  env.allowLocalModels = true;
  env.allowRemoteModels = true;
  env.localModelPath = modelsDir;
  env.cacheDir = modelsDir;
  try {
    const extractor = await pipeline('feature-extraction', model, { quantized, cache_dir: modelsDir });
    await extractor.dispose();
  } catch (error) {
    throw new ModelError('E_MODEL_NOT_FOUND', `Could not download the embedding model ${model}.`, {
      cause: error,
      hint: 'Check the model id and the network, or place the model folder in the cache.',
    });
  }
}
