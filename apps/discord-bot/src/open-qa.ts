import {
  createModels,
  type EnvironmentRecord,
  isArticleQAError,
  openArticleQA,
  resolveConfig,
} from '@articleqa/core';
import type { ClosableQAService } from './qa-service.js';

/**
 * Opens the real question-answering service once, for all handlers: the embedder and, when
 * `OPENAI_*` / `ARTICLEQA_CHAT_MODEL` configure one, the chat model, read by the core from `env` exactly
 * as the CLI does; then the index in `indexDir`, which must exist (`create: false`: a bot never builds an
 * empty index; `articleqa ingest` does).
 *
 * @throws the core's `ArticleQAError`s (`E_CONFIG`, `E_INDEX_NOT_FOUND`, `E_MODEL_LOAD`...), with a hint.
 */
export async function openQAService(options: {
  env: EnvironmentRecord;
  indexDir: string;
}): Promise<ClosableQAService> {
  const models = createModels(resolveConfig(options.env));
  return openArticleQA({ dir: options.indexDir, create: false, ...models });
}

/** True for the core's configuration errors (bad `OPENAI_*` / `ARTICLEQA_*` values). */
export function isCoreConfigError(error: unknown): boolean {
  return isArticleQAError(error, 'E_CONFIG');
}
