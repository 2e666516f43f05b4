/** The transformers.js module, imported on first use (importing it loads onnxruntime's binding). */
export type Transformers = typeof import('@xenova/transformers');

/** Where transformers.js looks for a model during one load. */
export interface TransformersSettings {
  localModelPath: string;
  allowRemoteModels: boolean;
}

/**
 * transformers.js keeps its settings (`env.localModelPath`, `env.allowRemoteModels`, `env.cacheDir`) in
 * one module-global object that it reads during the asynchronous load. Loads are therefore run one at a
 * time, each setting `env` right before it starts, so two models with different settings in one
 * process (the embedder and the reader) cannot load with each other's. This queue is the only module
 * state and holds no model.
 */
let loadQueue: Promise<unknown> = Promise.resolve();

/** Runs `load` with transformers.js's `env` set to `settings`, after any load already running. */
export async function loadWithTransformers<T>(
  settings: TransformersSettings,
  load: (transformers: Transformers) => Promise<T>,
): Promise<T> {
  const transformers = await import('@xenova/transformers');
  const run = async (): Promise<T> => {
    const { env } = transformers;
    env.allowLocalModels = true;
    env.localModelPath = settings.localModelPath;
    env.allowRemoteModels = settings.allowRemoteModels;
    env.cacheDir = settings.localModelPath;
    return load(transformers);
  };
  const queued = loadQueue.then(run, run);
  loadQueue = queued.catch(() => undefined);
  return queued;
}
