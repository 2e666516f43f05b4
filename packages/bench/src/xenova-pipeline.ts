import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { ensureMiniLMModelFolder } from '@articleqa/core';

/**
 * transformers.js 2 creates its onnxruntime session with no options, so the binding's default of one
 * thread applies, while articleqa runs the same runtime on every core. LangChain on its own would use
 * @huggingface/transformers 3, whose newer onnxruntime defaults to one thread per core: this gives the
 * peer that, by adding `intraOpNumThreads` to the one session-creating call, so the comparison is of
 * the pipelines, not of thread settings. It patches the process's runtime: call it only in a phase
 * whose every transformers.js session should use every core.
 */
function useEveryCore(): void {
  const runtime = createRequire(import.meta.resolve('@xenova/transformers'))('onnxruntime-node') as {
    InferenceSession: { create: (...args: unknown[]) => Promise<unknown> };
  };
  const create = runtime.InferenceSession.create.bind(runtime.InferenceSession);
  runtime.InferenceSession.create = (model: unknown, options?: unknown) =>
    create(model, { ...(options as object), intraOpNumThreads: availableParallelism() });
}

/**
 * A transformers.js 2 (@xenova/transformers) feature-extraction pipeline on the int8 model folder
 * articleqa builds: the runtime articleqa used before (one thread), or with `everyCore` the peer's.
 */
export async function loadXenovaPipeline(cacheDir: string, options: { everyCore: boolean }) {
  const folder = await ensureMiniLMModelFolder({ cacheDir });
  if (options.everyCore) useEveryCore();
  const { env, pipeline } = await import('@xenova/transformers');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = folder.localModelPath;
  return pipeline('feature-extraction', folder.modelName, { quantized: true, local_files_only: true });
}
