export {
  ensureMiniLMModelFolder,
  type MiniLMModelFolder,
  type MiniLMModelFolderOptions,
  type ModelVariant,
} from '../providers/minilm-model-folder.js';
export type { Embedder, EmbedOptions, SpanEmbedding, SpanInput, TextSpan } from './embedder.js';
export {
  BUNDLED_MINILM_MODEL,
  createLocalEmbedder,
  DefaultLocalEmbedderOptions,
  type LocalEmbedderOptions,
  TransformersEmbedder,
} from './transformers-embedder.js';
